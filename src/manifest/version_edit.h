// VersionEdit: one record of the MANIFEST, a change to the DB's persistent state.
//
// Encoding (docs/format.md, "MANIFEST"): a sequence of fields, each
//   tag:varint32 value
// where the value's form depends on the tag (below). Tags are persisted: never renumber;
// a retired tag stays reserved. A tag this build does not know makes decoding fail with
// DataLoss, because ignoring a field could silently lose state; a newer kvlsm that adds a
// field must also raise kManifestFormatVersion.
#ifndef KVLSM_MANIFEST_VERSION_EDIT_H_
#define KVLSM_MANIFEST_VERSION_EDIT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "base/dbformat.h"
#include "base/file_meta_data.h"

namespace kvlsm {

// The MANIFEST format this build writes and the newest it reads.
inline constexpr uint32_t kManifestFormatVersion = 1;

enum class VersionEditTag : uint32_t {
  kFormatVersion = 1,   // varint32
  kComparator = 2,      // length-prefixed name
  kMergeOperator = 3,   // length-prefixed name
  kLogNumber = 4,       // varint64: logs numbered below this hold nothing live
  kNextFileNumber = 5,  // varint64
  kLastSequence = 6,    // varint64
  kNewFile = 7,         // level:varint32, then a length-prefixed FileMetaData (below)
  kDeletedFile = 8,     // level:varint32 number:varint64
};

// Number of levels in the tree. Persisted (levels appear in kNewFile records).
inline constexpr int kNumLevels = 7;

struct VersionEdit {
  std::optional<uint32_t> format_version;
  std::optional<std::string> comparator;
  std::optional<std::string> merge_operator;
  std::optional<uint64_t> log_number;
  std::optional<uint64_t> next_file_number;
  std::optional<SequenceNumber> last_sequence;
  std::vector<std::pair<int, FileMetaData>> new_files;  // (level, file)
  std::vector<std::pair<int, uint64_t>> deleted_files;  // (level, number)

  void AddFile(int level, FileMetaData file) { new_files.emplace_back(level, std::move(file)); }
  void RemoveFile(int level, uint64_t number) { deleted_files.emplace_back(level, number); }

  void EncodeTo(std::string* dst) const;
  // Replaces *this with the decoded record. DataLoss naming the field when malformed,
  // InvalidArgument when written by a newer format version.
  absl::Status DecodeFrom(std::string_view input);
  // Applies the scalar fields of `later` on top of *this: every field `later` sets wins.
  // File additions and removals are applied by VersionSet, not here.
  void Apply(const VersionEdit& later);
};

}  // namespace kvlsm

#endif  // KVLSM_MANIFEST_VERSION_EDIT_H_
