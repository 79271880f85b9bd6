// LogWriter appends records to a write-ahead log file in the format of log_format.h.
//
// Thread safety: a LogWriter is not thread-safe; the DB's write leader (or the MANIFEST
// writer under the DB mutex) is its only user at any time.
#ifndef KVLSM_WAL_LOG_WRITER_H_
#define KVLSM_WAL_LOG_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "kvlsm/env.h"

namespace kvlsm {

class LogWriter {
 public:
  // Writes records to `file`, which the writer owns. log_number is the file's number; its
  // low 32 bits are stored in (and checksummed with) every fragment header. initial_offset
  // is the file's current length when appending to an existing log (0 for a new file).
  LogWriter(std::unique_ptr<WritableFile> file, uint64_t log_number, uint64_t initial_offset = 0);
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;
  ~LogWriter();

  // Appends one record holding `payload` (any size, including empty). All of its
  // fragments, and any block trailer before them, go to the file in a single Append
  // followed by a Flush, so the record survives a process crash once this returns OK; it
  // survives a power cut only after Sync(). To commit a group of writes with one write,
  // the caller concatenates them into one payload.
  //
  // After a failed Append or Flush the file's contents are unknown: this call and every
  // later AddRecord and Sync return that error (the log must be abandoned).
  absl::Status AddRecord(std::string_view payload);

  // Makes every record added so far durable. A failed Sync is sticky like a failed
  // AddRecord: durability of the records is unknown and must not be assumed.
  absl::Status Sync();

  // Closes the file. Returns the sticky error, if any, or the result of closing. No other
  // method may be called afterwards. The destructor closes an open file, ignoring errors.
  absl::Status Close();

  // Bytes in the log file: initial_offset plus everything appended.
  uint64_t size() const { return size_; }
  uint64_t log_number() const { return log_number_; }

 private:
  // Constant after construction.
  const std::unique_ptr<WritableFile> file_;
  const uint64_t log_number_;

  uint64_t size_;
  size_t block_offset_;  // Position within the current block, in [0, kBlockSize).
  std::string buffer_;   // Reused assembly buffer for one record's fragments.
  absl::Status error_;   // The first failure of the file; sticky.
  bool closed_ = false;
};

}  // namespace kvlsm

#endif  // KVLSM_WAL_LOG_WRITER_H_
