// ReadLogFile: the records of a file in kvlsm's log format (a WAL or a MANIFEST; see
// docs/format.md), and every region the log reader had to drop, for the kvlsm-inspect
// commands that describe or verify such files. A damaged file is described, not refused.
//
// Thread safety: a plain function.
#ifndef KVLSM_TOOLS_INSPECT_LOG_FILE_H_
#define KVLSM_TOOLS_INSPECT_LOG_FILE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/env.h"
#include "kvlsm/write_batch.h"

namespace kvlsm::tools {

// A region of a log file the reader dropped.
struct LogDrop {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  // The log ends inside a record: what a crash during an append leaves (or, in the
  // active WAL of a running DB, a record being written). Otherwise damage.
  bool torn_tail = false;
  std::string reason;
};

// Calls on_record(offset, record) for every record of log file `number` at `path`, in order,
// and appends every dropped region to *drops. Returns NotFound or the I/O error that
// stopped reading; damage is not an error here.
absl::Status ReadLogFile(Env* env, const std::string& path, uint64_t number,
                         const std::function<void(uint64_t, std::string_view)>& on_record,
                         std::vector<LogDrop>* drops);

// The numbers of the WAL files (NNNNNN.log) in `dir`, ascending.
absl::StatusOr<std::vector<uint64_t>> ListWalNumbers(Env* env, const std::string& dir);

// Reads WAL `number` at `path` as ReadLogFile does, decoding each record as a write batch:
// calls on_batch(offset, record size, batch) for every valid one, and appends to *problems
// a DataLoss naming the file and offset for every bad batch and every damaged region (a
// torn tail is only in *drops). Returns NotFound or the I/O error that stopped reading.
absl::Status ReadWalFile(Env* env, const std::string& path, uint64_t number,
                         const std::function<void(uint64_t, size_t, const WriteBatch&)>& on_batch,
                         std::vector<LogDrop>* drops, std::vector<absl::Status>* problems);

// A dropped region as DataLoss naming the file (the reason names the offset).
absl::Status DropStatus(const std::string& path, const LogDrop& drop);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_INSPECT_LOG_FILE_H_
