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

// The bytes left in the block holding file offset `offset`.
size_t BlockLeft(uint64_t offset) { return log::kBlockSize - offset % log::kBlockSize; }

bool IsKnownType(uint8_t type) { return type != log::kZeroType && type <= log::kMaxRecordType; }

// True when `stored` is the header check of the length, type and log number at `header`.
bool HeaderCheckMatches(const char* header, uint16_t stored) {
  const uint32_t check = Checksum32(
      std::string_view(header + log::kLengthOffset, log::kHeaderCheckOffset - log::kLengthOffset));
  return static_cast<uint16_t>(check) == stored;
}

// The checksum of the fragment at `header` with a payload of `length` bytes.
// REQUIRES: the payload's bytes follow the header.
uint32_t FragmentChecksum(const char* header, size_t length) {
  return Checksum32(
      std::string_view(header + log::kTypeOffset, log::kHeaderSize - log::kTypeOffset),
      std::string_view(header + log::kHeaderSize, length));
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

LogReader::FragmentHeader LogReader::DecodeFragmentHeader(const char* bytes) {
  FragmentHeader header;
  header.checksum = DecodeFixed32(bytes + log::kChecksumOffset);
  header.length = DecodeFixed16(bytes + log::kLengthOffset);
  header.type = static_cast<uint8_t>(bytes[log::kTypeOffset]);
  header.log_number = DecodeFixed32(bytes + log::kLogNumberOffset);
  header.header_check = DecodeFixed16(bytes + log::kHeaderCheckOffset);
  return header;
}

LogReader::FragmentCheck LogReader::CheckFragment(const FragmentHeader& header) const {
  const char* bytes = buffer_.data();
  const size_t size = log::kHeaderSize + header.length;
  if (!HeaderCheckMatches(bytes, header.header_check)) return FragmentCheck::kBadHeaderCheck;
  if (size > BlockLeft(BufferOffset())) return FragmentCheck::kOverrunsBlock;
  if (size > buffer_.size()) return FragmentCheck::kPastEndOfFile;
  if (FragmentChecksum(bytes, header.length) != header.checksum) return FragmentCheck::kBadChecksum;
  if (!IsKnownType(header.type)) return FragmentCheck::kUnknownType;
  if (header.log_number != static_cast<uint32_t>(log_number_)) return FragmentCheck::kOtherLog;
  return FragmentCheck::kValid;
}

std::optional<uint64_t> LogReader::FindValidFragment(size_t from) const {
  for (size_t pos = from; pos + log::kHeaderSize <= buffer_.size(); ++pos) {
    const char* bytes = buffer_.data() + pos;
    const FragmentHeader h = DecodeFragmentHeader(bytes);
    // Cheap filters first: the log number and type rule out almost every position.
    if (h.log_number != static_cast<uint32_t>(log_number_) || !IsKnownType(h.type)) continue;
    if (!HeaderCheckMatches(bytes, h.header_check)) continue;
    if (pos + log::kHeaderSize + h.length > buffer_.size()) continue;
    if (FragmentChecksum(bytes, h.length) == h.checksum) return BufferOffset() + pos;
  }
  return std::nullopt;
}

std::string LogReader::DamageReason(FragmentCheck check, const FragmentHeader& header,
                                    uint64_t offset) const {
  const size_t size = log::kHeaderSize + header.length;
  switch (check) {
    case FragmentCheck::kBadHeaderCheck:
      return absl::StrFormat(
          "fragment header at offset %d fails its check (damaged length, "
          "type or log number); dropping the rest of the block",
          offset);
    case FragmentCheck::kOverrunsBlock:
      return absl::StrFormat(
          "fragment at offset %d has length %d, overrunning its block by %d "
          "bytes; dropping the rest of the block",
          offset, header.length, size - BlockLeft(offset));
    case FragmentCheck::kBadChecksum:
      return absl::StrFormat(
          "checksum mismatch in fragment at offset %d (stored %08x, computed "
          "%08x); dropping the rest of the block",
          offset, header.checksum, FragmentChecksum(buffer_.data(), header.length));
    case FragmentCheck::kUnknownType:
      return absl::StrFormat(
          "unknown record type %d in fragment at offset %d (written by a "
          "newer format?)",
          header.type, offset);
    case FragmentCheck::kOtherLog:
      return absl::StrFormat(
          "fragment at offset %d belongs to log %d (stale data); the log "
          "ends there",
          offset, header.log_number);
    default:
      return "";  // kValid and kPastEndOfFile are never described here.
  }
}

void LogReader::DropFragment(Fragment* fragment, FragmentCheck check,
                             const FragmentHeader& header) {
  const uint64_t offset = BufferOffset();
  if (check == FragmentCheck::kPastEndOfFile) {
    DropPastEndOfFile(fragment, header);
  } else if (check == FragmentCheck::kUnknownType) {
    // The checksum vouches for the length: only this fragment is dropped.
    Drop(fragment, DropKind::kDamage, offset + log::kHeaderSize + header.length,
         DamageReason(check, header, offset));
  } else if (check == FragmentCheck::kOtherLog) {
    // A valid record of another log: left over from an earlier use of the disk space.
    // This log ended before it.
    stopped_ = true;
    Drop(fragment, DropKind::kTornTail, buffer_end_offset_, DamageReason(check, header, offset));
  } else {
    // The length cannot be trusted, so nothing more in this block can be.
    Drop(fragment, DropKind::kDamage, buffer_end_offset_, DamageReason(check, header, offset));
  }
}

void LogReader::DropPastEndOfFile(Fragment* fragment, const FragmentHeader& header) {
  // Only possible at the end of the file (a full block holds BlockLeft bytes). A write cut
  // short leaves a prefix of the payload; if a valid fragment follows instead, the length
  // itself is damaged.
  const uint64_t offset = BufferOffset();
  const std::optional<uint64_t> next = FindValidFragment(log::kHeaderSize);
  if (next.has_value()) {
    Drop(fragment, DropKind::kDamage, buffer_end_offset_,
         absl::StrFormat("fragment at offset %d has length %d, past the end of file, but a "
                         "valid fragment follows at offset %d; dropping the rest of the block",
                         offset, header.length, *next));
  } else {
    Drop(fragment, DropKind::kTornTail, buffer_end_offset_,
         absl::StrFormat("fragment at offset %d (length %d) truncated by the end of file "
                         "after %d payload bytes",
                         offset, header.length, buffer_.size() - log::kHeaderSize));
  }
}

LogReader::Fragment::Outcome LogReader::OutcomeOf(uint8_t type) {
  switch (type) {
    case log::kFullType:
      return Fragment::kFull;
    case log::kFirstType:
      return Fragment::kFirst;
    case log::kMiddleType:
      return Fragment::kMiddle;
    default:
      return Fragment::kLast;
  }
}

void LogReader::TakeFragment(Fragment* fragment, const FragmentHeader& header) {
  const uint64_t offset = BufferOffset();
  const size_t size = log::kHeaderSize + header.length;
  fragment->outcome = OutcomeOf(header.type);
  fragment->payload = buffer_.substr(log::kHeaderSize, header.length);
  fragment->start = offset;
  fragment->end = offset + size;
  buffer_.remove_prefix(size);
}

bool LogReader::FillBuffer(Fragment* fragment) {
  if (!buffer_.empty()) {
    const uint64_t offset = BufferOffset();
    if (eof_ && BlockLeft(offset) >= log::kHeaderSize) {
      // A header starts here (this is not a block trailer) but the file ends.
      Drop(fragment, DropKind::kTornTail, buffer_end_offset_,
           absl::StrFormat("fragment header at offset %d truncated by the end of file", offset));
      return false;
    }
    // A block trailer: padding, not covered by any checksum and never part of a record.
    buffer_ = {};
  }
  if (eof_ || !ReadBlock()) {
    fragment->outcome = Fragment::kEndOfLog;
    return false;
  }
  return true;
}

void LogReader::ReadPhysicalRecord(Fragment* fragment) {
  while (!stopped_) {
    if (buffer_.size() < log::kHeaderSize) {
      if (!FillBuffer(fragment)) return;
      continue;
    }
    if (AllZero(buffer_.substr(0, log::kHeaderSize))) {
      SkipZeros(fragment);
      return;
    }
    const FragmentHeader header = DecodeFragmentHeader(buffer_.data());
    const FragmentCheck check = CheckFragment(header);
    if (check == FragmentCheck::kValid) {
      TakeFragment(fragment, header);
    } else {
      DropFragment(fragment, check, header);
    }
    return;
  }
  fragment->outcome = Fragment::kEndOfLog;
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
