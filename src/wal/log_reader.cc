// Reads the fragment grammar of log_format.h and reassembles records. Every length is
// checked against the bytes actually present before it is used.
#include "wal/log_reader.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"
#include "util/coding.h"
#include "util/hash.h"
#include "wal/log_format.h"

namespace kvlsm {
namespace {

bool AllZero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == '\0'; });
}

// True when the header's own check matches its length, type and log number.
bool HeaderCheckMatches(const char* header) {
  const uint32_t check = Checksum32(std::string_view(
      header + log::kLengthOffset, log::kHeaderCheckOffset - log::kLengthOffset));
  const uint16_t stored =
      static_cast<uint16_t>(static_cast<uint8_t>(header[log::kHeaderCheckOffset]) |
                            (static_cast<uint8_t>(header[log::kHeaderCheckOffset + 1]) << 8));
  return static_cast<uint16_t>(check) == stored;
}

}  // namespace

LogReader::LogReader(std::unique_ptr<SequentialFile> file, Reporter* reporter, uint64_t log_number)
    : file_(std::move(file)),
      reporter_(reporter),
      log_number_(log_number),
      backing_store_(new char[log::kBlockSize]) {}

LogReader::~LogReader() = default;

bool LogReader::ReadBlock() {
  std::string_view result;
  absl::Status s = file_->Read(log::kBlockSize, &result, backing_store_.get());
  if (!s.ok()) {
    status_ = s;
    buffer_ = {};
    eof_ = true;
    stopped_ = true;
    return false;
  }
  buffer_ = result;
  buffer_end_offset_ += result.size();
  if (result.size() < log::kBlockSize) eof_ = true;
  return true;
}

void LogReader::Drop(Fragment* fragment, DropKind kind, uint64_t end, std::string reason) {
  const uint64_t start = BufferOffset();
  SetDropped(fragment, kind, start, end, std::move(reason));
  buffer_.remove_prefix(end - start);
}

void LogReader::SetDropped(Fragment* fragment, DropKind kind, uint64_t start, uint64_t end,
                           std::string reason) {
  fragment->outcome = Fragment::kDropped;
  fragment->start = start;
  fragment->end = end;
  fragment->kind = kind;
  fragment->reason = std::move(reason);
}

void LogReader::Report(DropKind kind, uint64_t start, uint64_t end, const std::string& reason) {
  if (reporter_ == nullptr) return;
  reporter_->Corruption(static_cast<size_t>(end - start),
                        absl::DataLossError(absl::StrFormat("log %d: %s", log_number_, reason)),
                        start, kind);
}

void LogReader::SkipZeros(Fragment* fragment) {
  const uint64_t start = BufferOffset();
  while (true) {
    if (!AllZero(buffer_)) {
      // Zeros, then data within the same block: the block cannot be parsed past here.
      buffer_ = {};
      SetDropped(fragment, DropKind::kDamage, start, buffer_end_offset_,
                 absl::StrFormat(
                     "zero-filled region at offset %d followed by other data in its block", start));
      return;
    }
    buffer_ = {};
    if (eof_ || !ReadBlock()) {
      if (!status_.ok()) {
        fragment->outcome = Fragment::kEndOfLog;
        return;
      }
      SetDropped(fragment, DropKind::kTornTail, start, buffer_end_offset_,
                 absl::StrFormat("zero-filled tail from offset %d to the end of file", start));
      return;
    }
    const std::string_view head = buffer_.substr(0, log::kHeaderSize);
    if (!AllZero(head)) {
      // The zeros end at a block boundary; the new block is parsed normally.
      SetDropped(fragment, DropKind::kDamage, start, BufferOffset(),
                 absl::StrFormat("zero-filled region at offset %d followed by more data", start));
      return;
    }
  }
}

std::optional<uint64_t> LogReader::FindValidFragment(size_t from) const {
  const uint32_t log_number32 = static_cast<uint32_t>(log_number_);
  for (size_t pos = from; pos + log::kHeaderSize <= buffer_.size(); ++pos) {
    const char* h = buffer_.data() + pos;
    // Cheap filters first: the log number and type rule out almost every position.
    if (DecodeFixed32(h + log::kLogNumberOffset) != log_number32) continue;
    const uint8_t type = static_cast<uint8_t>(h[log::kTypeOffset]);
    if (type == log::kZeroType || type > log::kMaxRecordType) continue;
    if (!HeaderCheckMatches(h)) continue;
    const size_t length =
        static_cast<uint8_t>(h[log::kLengthOffset]) |
        (static_cast<size_t>(static_cast<uint8_t>(h[log::kLengthOffset + 1])) << 8);
    if (pos + log::kHeaderSize + length > buffer_.size()) continue;
    const uint32_t actual =
        Checksum32(std::string_view(h + log::kTypeOffset, log::kHeaderSize - log::kTypeOffset),
                   std::string_view(h + log::kHeaderSize, length));
    if (actual == DecodeFixed32(h + log::kChecksumOffset)) return BufferOffset() + pos;
  }
  return std::nullopt;
}

void LogReader::ReadPhysicalRecord(Fragment* fragment) {
  while (true) {
    if (stopped_) {
      fragment->outcome = Fragment::kEndOfLog;
      return;
    }
    const uint64_t offset = BufferOffset();
    const size_t block_left = log::kBlockSize - offset % log::kBlockSize;
    if (buffer_.size() < log::kHeaderSize) {
      if (!buffer_.empty()) {
        if (eof_ && block_left >= log::kHeaderSize) {
          // A header starts here (this is not a block trailer) but the file ends.
          Drop(
              fragment, DropKind::kTornTail, buffer_end_offset_,
              absl::StrFormat("fragment header at offset %d truncated by the end of file", offset));
          return;
        }
        // A block trailer: padding, not covered by any checksum and never part of a record.
        buffer_ = {};
      }
      if (eof_ || !ReadBlock()) {
        fragment->outcome = Fragment::kEndOfLog;
        return;
      }
      continue;
    }

    const char* header = buffer_.data();
    if (AllZero(buffer_.substr(0, log::kHeaderSize))) {
      SkipZeros(fragment);
      return;
    }
    const uint32_t length =
        static_cast<uint8_t>(header[log::kLengthOffset]) |
        (static_cast<uint32_t>(static_cast<uint8_t>(header[log::kLengthOffset + 1])) << 8);
    const uint8_t type = static_cast<uint8_t>(header[log::kTypeOffset]);
    const size_t fragment_size = log::kHeaderSize + length;
    if (!HeaderCheckMatches(header)) {
      // The length cannot be trusted, so nothing more in this block can be.
      Drop(fragment, DropKind::kDamage, buffer_end_offset_,
           absl::StrFormat("fragment header at offset %d fails its check (damaged length, "
                           "type or log number); dropping the rest of the block",
                           offset));
      return;
    }
    if (fragment_size > block_left) {
      // The writer never lets a fragment cross a block boundary: the length is damaged.
      Drop(fragment, DropKind::kDamage, buffer_end_offset_,
           absl::StrFormat("fragment at offset %d has length %d, overrunning its block by %d "
                           "bytes; dropping the rest of the block",
                           offset, length, fragment_size - block_left));
      return;
    }
    if (fragment_size > buffer_.size()) {
      // Only possible at the end of the file (a full block holds block_left bytes). A write
      // cut short leaves a prefix of the payload; if a valid fragment follows instead, the
      // length itself is damaged.
      const std::optional<uint64_t> next = FindValidFragment(log::kHeaderSize);
      if (next.has_value()) {
        Drop(fragment, DropKind::kDamage, buffer_end_offset_,
             absl::StrFormat("fragment at offset %d has length %d, past the end of file, but a "
                             "valid fragment follows at offset %d; dropping the rest of the "
                             "block",
                             offset, length, *next));
      } else {
        Drop(fragment, DropKind::kTornTail, buffer_end_offset_,
             absl::StrFormat("fragment at offset %d (length %d) truncated by the end of file "
                             "after %d payload bytes",
                             offset, length, buffer_.size() - log::kHeaderSize));
      }
      return;
    }
    const std::string_view payload(header + log::kHeaderSize, length);
    const uint32_t expected = DecodeFixed32(header + log::kChecksumOffset);
    const uint32_t actual = Checksum32(
        std::string_view(header + log::kTypeOffset, log::kHeaderSize - log::kTypeOffset), payload);
    if (actual != expected) {
      // The length cannot be trusted either, so nothing more in this block can be.
      Drop(fragment, DropKind::kDamage, buffer_end_offset_,
           absl::StrFormat("checksum mismatch in fragment at offset %d (stored %08x, computed "
                           "%08x); dropping the rest of the block",
                           offset, expected, actual));
      return;
    }
    if (type == log::kZeroType || type > log::kMaxRecordType) {
      Drop(fragment, DropKind::kDamage, offset + fragment_size,
           absl::StrFormat("unknown record type %d in fragment at offset %d (written by a "
                           "newer format?)",
                           type, offset));
      return;
    }
    const uint32_t log_number = DecodeFixed32(header + log::kLogNumberOffset);
    if (log_number != static_cast<uint32_t>(log_number_)) {
      // A valid record of another log: left over from an earlier use of the disk space.
      // This log ended before it.
      stopped_ = true;
      Drop(fragment, DropKind::kTornTail, buffer_end_offset_,
           absl::StrFormat("fragment at offset %d belongs to log %d (stale data); the log "
                           "ends there",
                           offset, log_number));
      return;
    }

    buffer_.remove_prefix(fragment_size);
    fragment->payload = payload;
    fragment->start = offset;
    fragment->end = offset + fragment_size;
    switch (type) {
      case log::kFullType:
        fragment->outcome = Fragment::kFull;
        break;
      case log::kFirstType:
        fragment->outcome = Fragment::kFirst;
        break;
      case log::kMiddleType:
        fragment->outcome = Fragment::kMiddle;
        break;
      default:
        fragment->outcome = Fragment::kLast;
        break;
    }
    return;
  }
}

bool LogReader::ReadRecord(std::string_view* record, std::string* scratch) {
  scratch->clear();
  *record = {};
  bool in_record = false;  // A FIRST was read; *scratch holds the payload so far.
  uint64_t record_start = 0;
  // A run of MIDDLE/LAST fragments without their FIRST, reported as one region.
  bool in_orphans = false;
  uint64_t orphans_start = 0;
  uint64_t orphans_end = 0;
  auto flush_orphans = [&] {
    if (!in_orphans) return;
    Report(DropKind::kDamage, orphans_start, orphans_end,
           absl::StrFormat("fragments at offsets [%d, %d) continue a record whose start is "
                           "missing",
                           orphans_start, orphans_end));
    in_orphans = false;
  };
  // Drops the partial record in *scratch, which ends where `cause` begins.
  auto drop_partial = [&](uint64_t end, const char* cause) {
    Report(DropKind::kDamage, record_start, end,
           absl::StrFormat("record at offset %d has no LAST fragment before %s at offset %d",
                           record_start, cause, end));
    in_record = false;
    scratch->clear();
  };

  Fragment fragment;
  while (true) {
    fragment.outcome = Fragment::kEndOfLog;
    ReadPhysicalRecord(&fragment);
    if (fragment.outcome != Fragment::kMiddle && fragment.outcome != Fragment::kLast) {
      flush_orphans();
    }
    switch (fragment.outcome) {
      case Fragment::kFull:
        if (in_record) drop_partial(fragment.start, "a FULL fragment");
        last_record_offset_ = fragment.start;
        *record = fragment.payload;
        return true;

      case Fragment::kFirst:
        if (in_record) drop_partial(fragment.start, "a FIRST fragment");
        in_record = true;
        record_start = fragment.start;
        scratch->assign(fragment.payload.data(), fragment.payload.size());
        break;

      case Fragment::kMiddle:
      case Fragment::kLast:
        if (!in_record) {
          if (!in_orphans) {
            in_orphans = true;
            orphans_start = fragment.start;
          }
          orphans_end = fragment.end;
          if (fragment.outcome == Fragment::kLast) flush_orphans();
          break;
        }
        scratch->append(fragment.payload.data(), fragment.payload.size());
        if (fragment.outcome == Fragment::kLast) {
          last_record_offset_ = record_start;
          *record = *scratch;
          return true;
        }
        break;

      case Fragment::kDropped:
        if (in_record) {
          // The partial record is lost with the region; report them as one.
          fragment.reason = absl::StrFormat("%s; the record that began at offset %d is lost",
                                            fragment.reason, record_start);
          fragment.start = record_start;
          in_record = false;
          scratch->clear();
        }
        Report(fragment.kind, fragment.start, fragment.end, fragment.reason);
        break;

      case Fragment::kEndOfLog:
        if (in_record && status_.ok()) {
          Report(DropKind::kTornTail, record_start, buffer_end_offset_,
                 absl::StrFormat("record at offset %d has no LAST fragment before the end of "
                                 "file at offset %d",
                                 record_start, buffer_end_offset_));
        }
        scratch->clear();
        return false;
    }
  }
}

}  // namespace kvlsm
