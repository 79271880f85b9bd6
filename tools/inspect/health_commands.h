// kvlsm-inspect's health commands.
//
// verify reads everything the DB's state depends on, directly from the files (no LOCK,
// nothing written): CURRENT and the MANIFEST it names; every table the MANIFEST records,
// both halves present with the recorded sizes, every block checksummed and every entry
// read, counted against the MANIFEST; and every live WAL, each record's checksum and
// write batch. It reports every problem found, not only the first.
//
// compact opens the DB with DB::Open (taking its LOCK) and calls DB::CompactRange over
// --from/--to.
//
// Thread safety: one thread.
#ifndef KVLSM_TOOLS_INSPECT_HEALTH_COMMANDS_H_
#define KVLSM_TOOLS_INSPECT_HEALTH_COMMANDS_H_

#include "absl/status/status.h"
#include "inspect/inspect_context.h"

namespace kvlsm::tools {

absl::Status VerifyCommand(const InspectContext& context);
absl::Status CompactCommand(const InspectContext& context);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_INSPECT_HEALTH_COMMANDS_H_
