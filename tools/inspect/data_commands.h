// kvlsm-inspect's data commands: get and scan read the DB through DB::OpenReadOnly (no
// LOCK, nothing written, so they work beside the process that has the DB open); put and
// delete open it with DB::Open and run only with --write.
//
// Thread safety: one thread.
#ifndef KVLSM_TOOLS_INSPECT_DATA_COMMANDS_H_
#define KVLSM_TOOLS_INSPECT_DATA_COMMANDS_H_

#include "absl/status/status.h"
#include "inspect/inspect_context.h"

namespace kvlsm::tools {

// args: KEY. NotFound (exit status 1) when the key has no value.
absl::Status GetCommand(const InspectContext& context);
// The live keys and values in context.range.
absl::Status ScanCommand(const InspectContext& context);
// args: KEY VALUE. A synced write.
absl::Status PutCommand(const InspectContext& context);
// args: KEY. A synced delete.
absl::Status DeleteCommand(const InspectContext& context);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_INSPECT_DATA_COMMANDS_H_
