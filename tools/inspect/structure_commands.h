// kvlsm-inspect's structure commands: what the MANIFEST records, what the WALs hold, which
// files are in the directory, and the DB's properties. manifest, wal and files read the
// files directly (describing damage instead of refusing it); stats opens the DB with
// DB::OpenReadOnly. None takes the LOCK or writes anything.
//
// Thread safety: one thread.
#ifndef KVLSM_TOOLS_INSPECT_STRUCTURE_COMMANDS_H_
#define KVLSM_TOOLS_INSPECT_STRUCTURE_COMMANDS_H_

#include "absl/status/status.h"
#include "inspect/inspect_context.h"

namespace kvlsm::tools {

// Levels and their tables (sizes, key and sequence ranges, counts); every edit with
// --edits. Fails on damage; a torn last edit is only reported.
absl::Status ManifestCommand(const InspectContext& context);
// Every record of every WAL (or of --file): offset, sequence range, updates by type;
// every update with --entries. Fails on damage; a torn tail is only reported.
absl::Status WalCommand(const InspectContext& context);
// Every file, live, orphan, missing or foreign. Fails when a table file is missing or
// has the wrong size, or the MANIFEST cannot be read.
absl::Status FilesCommand(const InspectContext& context);
// kvlsm.stats and every other property of the DB opened read-only.
absl::Status StatsCommand(const InspectContext& context);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_INSPECT_STRUCTURE_COMMANDS_H_
