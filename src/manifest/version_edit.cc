#include "manifest/version_edit.h"

#include "absl/strings/str_cat.h"
#include "util/coding.h"

namespace kvlsm {
namespace {

void PutTag(std::string* dst, VersionEditTag tag) { PutVarint32(dst, static_cast<uint32_t>(tag)); }

void EncodeFileMetaData(const FileMetaData& f, std::string* dst) {
  PutVarint64(dst, f.number);
  PutVarint64(dst, f.data_size);
  PutVarint64(dst, f.index_size);
  PutLengthPrefixed(dst, f.smallest);
  PutLengthPrefixed(dst, f.largest);
  PutVarint64(dst, f.smallest_seqno);
  PutVarint64(dst, f.largest_seqno);
  PutVarint64(dst, f.num_entries);
  PutVarint64(dst, f.num_deletions);
  PutVarint64(dst, f.creation_time);
}

bool DecodeFileMetaData(std::string_view in, FileMetaData* f) {
  std::string_view smallest, largest;
  if (!GetVarint64(&in, &f->number) || !GetVarint64(&in, &f->data_size) ||
      !GetVarint64(&in, &f->index_size) || !GetLengthPrefixed(&in, &smallest) ||
      !GetLengthPrefixed(&in, &largest) || !GetVarint64(&in, &f->smallest_seqno) ||
      !GetVarint64(&in, &f->largest_seqno) || !GetVarint64(&in, &f->num_entries) ||
      !GetVarint64(&in, &f->num_deletions) || !GetVarint64(&in, &f->creation_time)) {
    return false;
  }
  if (smallest.size() < 8 || largest.size() < 8) return false;  // Not internal keys.
  f->smallest.assign(smallest.data(), smallest.size());
  f->largest.assign(largest.data(), largest.size());
  return true;  // Bytes after the known fields belong to newer builds.
}

}  // namespace

void VersionEdit::EncodeTo(std::string* dst) const {
  if (format_version) {
    PutTag(dst, VersionEditTag::kFormatVersion);
    PutVarint32(dst, *format_version);
  }
  if (comparator) {
    PutTag(dst, VersionEditTag::kComparator);
    PutLengthPrefixed(dst, *comparator);
  }
  if (merge_operator) {
    PutTag(dst, VersionEditTag::kMergeOperator);
    PutLengthPrefixed(dst, *merge_operator);
  }
  if (log_number) {
    PutTag(dst, VersionEditTag::kLogNumber);
    PutVarint64(dst, *log_number);
  }
  if (next_file_number) {
    PutTag(dst, VersionEditTag::kNextFileNumber);
    PutVarint64(dst, *next_file_number);
  }
  if (last_sequence) {
    PutTag(dst, VersionEditTag::kLastSequence);
    PutVarint64(dst, *last_sequence);
  }
  for (const auto& [level, number] : deleted_files) {
    PutTag(dst, VersionEditTag::kDeletedFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, number);
  }
  std::string file;
  for (const auto& [level, meta] : new_files) {
    PutTag(dst, VersionEditTag::kNewFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    file.clear();
    EncodeFileMetaData(meta, &file);
    PutLengthPrefixed(dst, file);
  }
}

absl::Status VersionEdit::DecodeFrom(std::string_view input) {
  *this = VersionEdit();
  while (!input.empty()) {
    uint32_t tag;
    if (!GetVarint32(&input, &tag)) return absl::DataLossError("version edit: bad tag");
    const char* field = nullptr;
    bool ok = false;
    uint32_t u32;
    uint64_t u64;
    std::string_view str;
    switch (static_cast<VersionEditTag>(tag)) {
      case VersionEditTag::kFormatVersion:
        field = "format version";
        ok = GetVarint32(&input, &u32);
        if (ok) {
          if (u32 > kManifestFormatVersion) {
            return absl::InvalidArgumentError(
                absl::StrCat("MANIFEST format version ", u32, " is newer than this build's (",
                             kManifestFormatVersion, "); open it with a newer kvlsm"));
          }
          format_version = u32;
        }
        break;
      case VersionEditTag::kComparator:
        field = "comparator";
        ok = GetLengthPrefixed(&input, &str);
        if (ok) comparator = std::string(str);
        break;
      case VersionEditTag::kMergeOperator:
        field = "merge operator";
        ok = GetLengthPrefixed(&input, &str);
        if (ok) merge_operator = std::string(str);
        break;
      case VersionEditTag::kLogNumber:
        field = "log number";
        ok = GetVarint64(&input, &u64);
        if (ok) log_number = u64;
        break;
      case VersionEditTag::kNextFileNumber:
        field = "next file number";
        ok = GetVarint64(&input, &u64);
        if (ok) next_file_number = u64;
        break;
      case VersionEditTag::kLastSequence:
        field = "last sequence";
        ok = GetVarint64(&input, &u64);
        if (ok) last_sequence = u64;
        break;
      case VersionEditTag::kNewFile: {
        field = "new file";
        FileMetaData meta;
        ok = GetVarint32(&input, &u32) && u32 < kNumLevels && GetLengthPrefixed(&input, &str) &&
             DecodeFileMetaData(str, &meta);
        if (ok) new_files.emplace_back(static_cast<int>(u32), std::move(meta));
        break;
      }
      case VersionEditTag::kDeletedFile:
        field = "deleted file";
        ok = GetVarint32(&input, &u32) && u32 < kNumLevels && GetVarint64(&input, &u64);
        if (ok) deleted_files.emplace_back(static_cast<int>(u32), u64);
        break;
      default:
        return absl::DataLossError(absl::StrCat("version edit: unknown tag ", tag));
    }
    if (!ok) return absl::DataLossError(absl::StrCat("version edit: bad ", field));
  }
  return absl::OkStatus();
}

void VersionEdit::Apply(const VersionEdit& later) {
  if (later.format_version) format_version = later.format_version;
  if (later.comparator) comparator = later.comparator;
  if (later.merge_operator) merge_operator = later.merge_operator;
  if (later.log_number) log_number = later.log_number;
  if (later.next_file_number) next_file_number = later.next_file_number;
  if (later.last_sequence) last_sequence = later.last_sequence;
}

}  // namespace kvlsm
