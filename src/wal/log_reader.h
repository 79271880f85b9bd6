// LogReader reads the records of a write-ahead log written by LogWriter, reporting every
// region of the file it has to drop.
//
// Thread safety: a LogReader is not thread-safe; one thread reads one log. The Reporter is
// called on that thread.
#ifndef KVLSM_WAL_LOG_READER_H_
#define KVLSM_WAL_LOG_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "kvlsm/env.h"

namespace kvlsm {

class LogReader {
 public:
  // Why a region of the log was dropped. The DB's WalRecoveryMode decides what each
  // kind means for recovery.
  enum class DropKind {
    // The log ends inside a record: the file ends within a header, or within a payload
    // with no valid fragment of this log among the bytes present; a FIRST (and MIDDLEs)
    // has no LAST before the end of the file; the rest of the file is zero-filled; or a
    // valid fragment of another log file (stale data) follows. This is what a crash during
    // an append leaves behind. It is always the last report of a log.
    kTornTail,
    // Bytes that cannot be what the writer wrote: a checksum mismatch, a length that
    // overruns its block, an unknown record type, a fragment out of order, or zero-filled
    // space followed by more data. Reading resumes after it (at the next fragment or the
    // next block), so valid records may follow.
    kDamage,
  };

  // Receives the dropped regions. The reader never returns bytes from a dropped region.
  class Reporter {
   public:
    virtual ~Reporter() = default;
    // `bytes` bytes of the file starting at byte `offset` were dropped; reason is a
    // DataLoss status whose message names the log number and the offset.
    virtual void Corruption(size_t bytes, const absl::Status& reason, uint64_t offset,
                            DropKind kind) = 0;
  };

  // Reads the log from the start of `file`, which the reader owns. log_number is the log
  // file's number: a fragment whose header carries another number (low 32 bits) is stale
  // and ends the log. reporter may be null (drops are then silent); otherwise it is not
  // owned and must outlive the reader.
  LogReader(std::unique_ptr<SequentialFile> file, Reporter* reporter, uint64_t log_number);
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;
  ~LogReader();

  // Reads the next record into *record and returns true, or returns false at the end of
  // the log (or after an I/O error: see status()). *record points into *scratch or into
  // the reader's buffer and stays valid until the next ReadRecord call or the reader's
  // destruction. Records are returned in the order written; a returned record is always
  // byte-for-byte one that was written to this log.
  bool ReadRecord(std::string_view* record, std::string* scratch);

  // The file offset of the first header of the record most recently returned.
  uint64_t LastRecordOffset() const { return last_record_offset_; }

  // OK, or the I/O error that ended reading. An I/O error is not reported as corruption.
  absl::Status status() const { return status_; }

 private:
  // One physical fragment, or the reason there is none.
  struct Fragment {
    enum Outcome { kFull, kFirst, kMiddle, kLast, kEndOfLog, kDropped };
    Outcome outcome = kEndOfLog;
    std::string_view payload;  // For kFull..kLast.
    uint64_t start = 0;        // File offset of the fragment's header, or of the dropped region.
    uint64_t end = 0;          // File offset just past the fragment or dropped region.
    DropKind kind = DropKind::kDamage;  // For kDropped.
    std::string reason;                 // For kDropped.
  };

  void ReadPhysicalRecord(Fragment* fragment);
  // The file offset of the first complete fragment of this log with a valid checksum at or
  // after buffer_[from], if any. Used only to classify a drop, never to resynchronise:
  // a payload may legitimately contain bytes that look like a fragment.
  std::optional<uint64_t> FindValidFragment(size_t from) const;
  // Called when the buffer starts with an all-zero header: skips the zero-filled region.
  void SkipZeros(Fragment* fragment);
  // Reads the next block into buffer_. Returns false after an I/O error.
  bool ReadBlock();
  uint64_t BufferOffset() const { return buffer_end_offset_ - buffer_.size(); }
  // Drops the buffered bytes up to file offset `end`, describing them in *fragment.
  void Drop(Fragment* fragment, DropKind kind, uint64_t end, std::string reason);
  static void SetDropped(Fragment* fragment, DropKind kind, uint64_t start, uint64_t end,
                         std::string reason);
  void Report(DropKind kind, uint64_t start, uint64_t end, const std::string& reason);

  // Constant after construction.
  const std::unique_ptr<SequentialFile> file_;
  Reporter* const reporter_;
  const uint64_t log_number_;
  const std::unique_ptr<char[]> backing_store_;  // kBlockSize bytes.

  std::string_view buffer_;         // Unconsumed bytes of the current block.
  uint64_t buffer_end_offset_ = 0;  // File offset just past buffer_.
  bool eof_ = false;                // The last read was short: no bytes after buffer_.
  bool stopped_ = false;            // The log ended early (stale record or I/O error).
  uint64_t last_record_offset_ = 0;
  absl::Status status_;
};

}  // namespace kvlsm

#endif  // KVLSM_WAL_LOG_READER_H_
