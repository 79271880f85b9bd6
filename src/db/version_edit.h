// VersionEdit: one record of the MANIFEST, a change to the DB's persistent state.
//
// Encoding (docs/format.md, "MANIFEST"): a sequence of fields, each
//   tag:varint32 value
// where the value's form depends on the tag (below). Tags are persisted: never renumber;
// a retired tag stays reserved. A tag this build does not know makes decoding fail with
// DataLoss, because ignoring a field could silently lose state; a newer kvlsm that adds a
// field must also raise kManifestFormatVersion.
#ifndef KVLSM_DB_VERSION_EDIT_H_
#define KVLSM_DB_VERSION_EDIT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "db/dbformat.h"

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
  // 7 and up: reserved for table files (new file, deleted file), added with tables.
};

struct VersionEdit {
  std::optional<uint32_t> format_version;
  std::optional<std::string> comparator;
  std::optional<std::string> merge_operator;
  std::optional<uint64_t> log_number;
  std::optional<uint64_t> next_file_number;
  std::optional<SequenceNumber> last_sequence;

  void EncodeTo(std::string* dst) const;
  // Replaces *this with the decoded record. DataLoss naming the field when malformed,
  // InvalidArgument when written by a newer format version.
  absl::Status DecodeFrom(std::string_view input);
  // Applies `later` on top of *this: every field `later` sets wins.
  void Apply(const VersionEdit& later);
};

}  // namespace kvlsm

#endif  // KVLSM_DB_VERSION_EDIT_H_
