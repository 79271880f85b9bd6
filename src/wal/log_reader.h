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

  // A fragment header's fields as stored (log_format.h), before any check.
  struct FragmentHeader {
    uint32_t checksum = 0;
    uint16_t length = 0;
    uint8_t type = 0;
    uint32_t log_number = 0;
    uint16_t header_check = 0;
  };
  // What checking a fragment found: the first check it fails, in the order they run.
  enum class FragmentCheck {
    kValid,
    kBadHeaderCheck,  // The length, type or log number is damaged.
    kOverrunsBlock,   // The length runs past the fragment's block: it is damaged.
    kPastEndOfFile,   // The payload runs past the end of file: a torn write or a bad length.
    kBadChecksum,     // Damage somewhere in the checksummed bytes.
    kUnknownType,     // Intact, but of a type this reader does not know.
    kOtherLog,        // Intact, but of another log: stale data, where this log ends.
  };

  // Reads the next fragment into *fragment, or says why there is none.
  void ReadPhysicalRecord(Fragment* fragment);
  // REQUIRES: bytes holds log::kHeaderSize bytes.
  static FragmentHeader DecodeFragmentHeader(const char* bytes);
  // Checks the fragment at the front of buffer_, whose header is `header`.
  FragmentCheck CheckFragment(const FragmentHeader& header) const;
  // Returns the valid fragment at the front of buffer_ in *fragment and consumes it.
  void TakeFragment(Fragment* fragment, const FragmentHeader& header);
  static Fragment::Outcome OutcomeOf(uint8_t type);
  // Drops the fragment at the front of buffer_, which failed `check`, and what it makes
  // untrustworthy: the fragment alone when its checksum vouches for its length, else the
  // rest of the block (ending the log for a fragment of another log).
  void DropFragment(Fragment* fragment, FragmentCheck check, const FragmentHeader& header);
  // The case of DropFragment for kPastEndOfFile: a torn tail, or damage when a valid
  // fragment follows.
  void DropPastEndOfFile(Fragment* fragment, const FragmentHeader& header);
  std::string DamageReason(FragmentCheck check, const FragmentHeader& header,
                           uint64_t offset) const;
  // Called when buffer_ holds less than a header: drops a block trailer, or reports a header
  // cut short by the end of file, and reads the next block. Returns false when *fragment
  // is set instead (a drop, or the end of the log).
  bool FillBuffer(Fragment* fragment);
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
