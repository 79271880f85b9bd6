// ListDbFiles: every file of a DB directory (and of its index directory), each judged
// against what the MANIFEST records: live, an orphan no live state needs, missing, or not
// kvlsm's.
//
// Thread safety: a plain function.
#ifndef KVLSM_TOOLS_INSPECT_DB_FILES_H_
#define KVLSM_TOOLS_INSPECT_DB_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "inspect/manifest_reader.h"
#include "kvlsm/env.h"

namespace kvlsm::tools {

struct DbFile {
  std::string path;
  std::string kind;   // "table data", "table index", "WAL", "MANIFEST", "CURRENT", ...
  uint64_t size = 0;  // For a missing file, the size the MANIFEST records.
  // "live": part of the current state; "orphan": kvlsm's but needed by nothing (left by
  // a crash, or by a process that has the DB open and will delete it); "missing": named by
  // the MANIFEST, not there; "foreign": not a kvlsm name; "unknown": the MANIFEST could not
  // be read.
  std::string state;
  std::string note;  // What is wrong, or why the state.
};

// The files, sorted by path, with missing ones included. `manifest` may be null (it could
// not be read): then every kvlsm file is "unknown". Appends to *problems a DataLoss for
// each missing table file and each table file whose size is not the recorded one.
std::vector<DbFile> ListDbFiles(Env* env, const std::string& db_path, const std::string& index_dir,
                                const ManifestContents* manifest,
                                std::vector<absl::Status>* problems);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_INSPECT_DB_FILES_H_
