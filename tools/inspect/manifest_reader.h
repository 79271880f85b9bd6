// ReadManifest: what the MANIFEST named by CURRENT records, for kvlsm-inspect. The engine's
// ManifestReplay (what VersionSet::Recover uses) reads CURRENT and applies the edits; this
// keeps the edits it saw, so that the tool can list them, and the damage it found, so that
// a damaged MANIFEST is described as far as it can be read. It works on a DB another
// process has open, since it opens no DB.
//
// Thread safety: a plain function.
#ifndef KVLSM_TOOLS_INSPECT_MANIFEST_READER_H_
#define KVLSM_TOOLS_INSPECT_MANIFEST_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/env.h"
#include "manifest/version_edit.h"
#include "manifest/version_set.h"
#include "wal/log_records.h"

namespace kvlsm::tools {

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
  // Damage (ManifestReplay::problems, then overlapping tables): dropped regions other than
  // a torn tail, edits that do not decode or do not apply, missing fields.
  std::vector<absl::Status> problems;
  VersionEdit state;  // The scalar fields, folded.
  // The live tables as the engine's replay leaves them: level 0 newest first, deeper
  // levels by smallest key (kvlsm's built-in comparator). Its table cache is null.
  std::shared_ptr<const Version> version;

  const FileList& Level(int level) const { return version->files(level); }
  size_t TableCount() const;
  bool HasTable(uint64_t number) const;
};

// NotFound when there is no DB (no CURRENT); DataLoss when CURRENT is malformed or the
// MANIFEST it names is missing; I/O errors as they are. Damage inside the MANIFEST is in
// problems, not an error.
absl::StatusOr<ManifestContents> ReadManifest(Env* env, const std::string& db_path);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_INSPECT_MANIFEST_READER_H_
