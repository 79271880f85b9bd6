// ReadWalFile: the write batches of a WAL, read with the engine's ReadLogRecords
// (wal/log_records.h) and decoded with WriteBatchInternal, for the kvlsm-inspect commands
// that describe or verify WALs. A damaged file is described, not refused.
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
#include "kvlsm/env.h"
#include "kvlsm/write_batch.h"
#include "wal/log_records.h"

namespace kvlsm::tools {

// Reads WAL `number` at `path` with ReadLogRecords, decoding each record as a write batch:
// calls on_batch(offset, record size, batch) for every valid one, and appends to *problems
// a DataLoss naming the file and offset for every bad batch and every damaged region (a
// torn tail is only in *drops). Returns NotFound or the I/O error that stopped reading.
absl::Status ReadWalFile(Env* env, const std::string& path, uint64_t number,
                         const std::function<void(uint64_t, size_t, const WriteBatch&)>& on_batch,
                         std::vector<LogDrop>* drops, std::vector<absl::Status>* problems);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_INSPECT_LOG_FILE_H_
