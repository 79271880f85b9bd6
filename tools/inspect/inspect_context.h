// InspectContext: what every kvlsm-inspect command is given: the DB, the options to open it
// with, the output format and the command's arguments.
//
// A command writes its report to stdout: text, or, when `json` is set, the members of the
// JSON object the caller has opened. It returns OK, or the problem found (damage is
// DataLoss naming the file and offset); the report shows every problem, the status the
// first. Usage errors are caught before a command runs.
//
// Thread safety: a plain value.
#ifndef KVLSM_TOOLS_INSPECT_INSPECT_CONTEXT_H_
#define KVLSM_TOOLS_INSPECT_INSPECT_CONTEXT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "common/bytes_format.h"
#include "common/key_range.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "kvlsm/options.h"
#include "support/json_writer.h"

namespace kvlsm::tools {

struct InspectContext {
  Env* env = nullptr;
  std::string db_path;
  std::string index_dir;  // Where the .idx files are: --index-dir, or db_path.
  // For DB::OpenReadOnly and DB::Open: index_path and, with --salvage, no paranoid checks
  // and kSkipAnyCorruptedRecords.
  Options options;
  BytesFormat format{false};
  support::JsonWriter* json = nullptr;  // Null: text output.
  KeyRange range;                       // --from, --to, --prefix, --limit.
  std::vector<std::string> args;        // After COMMAND, decoded with `format`.
  bool salvage = false;                 // --salvage (already applied to `options`).
  // Command-specific switches.
  bool write = false;            // --write: put and delete may change the DB.
  bool entries = false;          // --entries: wal lists every update of every record.
  bool edits = false;            // --edits: manifest lists every edit.
  std::string wal_file;          // --file: wal reads this file only...
  uint64_t wal_file_number = 0;  // ...whose name, NNNNNN.log, gives its number.
};

// DB::OpenReadOnly with the context's options, ignoring the tables' filters (so that a
// table written with any filter policy can be read).
absl::StatusOr<std::unique_ptr<DB>> OpenDBForReading(const InspectContext& context);
// DB::Open with the context's options: takes the DB's LOCK, fails while a process has it.
absl::StatusOr<std::unique_ptr<DB>> OpenDBForWriting(const InspectContext& context);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_INSPECT_INSPECT_CONTEXT_H_
