// CURRENT: the one-line file that names the live MANIFEST ("MANIFEST-000005\n").
//
// Reading and writing it lives here alone: VersionSet, DB::OpenReadOnly and kvlsm-inspect
// all read it with ReadCurrentFile, and every writer points it with SetCurrentFile.
//
// Thread safety: plain functions of their arguments.
#ifndef KVLSM_BASE_CURRENT_FILE_H_
#define KVLSM_BASE_CURRENT_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kvlsm {

class Env;

// The name (not the path) of the MANIFEST that CURRENT in `dbname` names, e.g.
// "MANIFEST-000005". Errors:
//   NotFound  "<dbname>: no kvlsm DB here (<dbname>/CURRENT does not exist)";
//   DataLoss  "<dbname>/CURRENT: does not name a MANIFEST (<n> bytes)" when CURRENT is
//             empty, lacks its newline or holds anything but a MANIFEST's name;
//   the I/O error reading CURRENT, as it is.
// Whether the MANIFEST itself exists is its reader's business (ManifestReplay).
absl::StatusOr<std::string> ReadCurrentFile(Env* env, const std::string& dbname);

// As ReadCurrentFile, but the MANIFEST's number.
absl::StatusOr<uint64_t> ReadCurrentManifestNumber(Env* env, const std::string& dbname);

// Points CURRENT at MANIFEST-<manifest_number>: writes a temp file, syncs it, renames it
// over CURRENT and syncs the directory. On failure the temp file is removed, and CURRENT
// names either the old MANIFEST or the new one (the rename may have happened before a
// failed directory sync).
absl::Status SetCurrentFile(Env* env, std::string_view dbname, uint64_t manifest_number);

}  // namespace kvlsm

#endif  // KVLSM_BASE_CURRENT_FILE_H_
