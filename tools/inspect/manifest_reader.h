// ReadManifest: what the MANIFEST named by CURRENT records, read edit by edit without a
// VersionSet, so that kvlsm-inspect can describe a damaged MANIFEST as far as it can be
// read, and a DB another process has open.
//
// Thread safety: a plain function.
#ifndef KVLSM_TOOLS_INSPECT_MANIFEST_READER_H_
#define KVLSM_TOOLS_INSPECT_MANIFEST_READER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "manifest/version_edit.h"
#include "inspect/log_file.h"
#include "kvlsm/env.h"

namespace kvlsm::tools {

struct ManifestTable {
  int level = 0;
  FileMetaData meta;
};

struct ManifestEditRecord {
  uint64_t offset = 0;  // Of the record in the MANIFEST.
  VersionEdit edit;
};

struct ManifestContents {
  std::string manifest_path;
  uint64_t manifest_number = 0;
  uint64_t manifest_size = 0;
  std::vector<ManifestEditRecord> edits;  // Those that decoded, in order.
  std::vector<LogDrop> drops;             // Regions the log reader dropped.
  // Damage: dropped regions other than a torn tail, edits that do not decode or do not
  // apply (removing a table that is not there, adding one twice), missing fields.
  std::vector<absl::Status> problems;
  VersionEdit state;                         // The scalar fields, folded.
  std::map<uint64_t, ManifestTable> tables;  // The live tables, by number.

  // The tables of one level: level 0 newest (highest number) first, deeper levels by
  // smallest key.
  std::vector<const ManifestTable*> Level(int level) const;
};

// NotFound when there is no DB (no CURRENT); DataLoss when CURRENT is malformed or the
// MANIFEST it names cannot be read; I/O errors as they are. Damage inside the MANIFEST is
// in problems, not an error.
absl::StatusOr<ManifestContents> ReadManifest(Env* env, const std::string& db_path);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_INSPECT_MANIFEST_READER_H_
