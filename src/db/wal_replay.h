// WAL replay: rebuilds memtables from write-ahead log files at Open, applying the
// WalRecoveryMode to whatever damage the log reader reports.
//
// Thread safety: a plain function; it touches only what it is given.
#ifndef KVLSM_DB_WAL_REPLAY_H_
#define KVLSM_DB_WAL_REPLAY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/dbformat.h"
#include "kvlsm/env.h"
#include "kvlsm/options.h"

namespace kvlsm {

class MemTable;

struct WalReplayOptions {
  Env* env = nullptr;
  std::string dbname;
  const InternalKeyComparator* comparator = nullptr;
  WalRecoveryMode mode = WalRecoveryMode::kTolerateCorruptedTailRecords;
  // A memtable that reaches this size is sealed and a new one started.
  size_t write_buffer_size = 0;
  Logger* info_log = nullptr;  // May be null.
};

struct WalReplayResult {
  // Oldest first; every one but the last is full. Empty when no log held a record.
  std::vector<std::shared_ptr<MemTable>> memtables;
  SequenceNumber max_sequence = 0;  // The largest sequence number replayed (0: none).
  uint64_t records = 0;             // Write batches replayed.
  uint64_t dropped_bytes = 0;       // Bytes of damaged or torn records dropped.
  uint64_t skipped_logs = 0;        // Logs not read: kPointInTimeRecovery stopped before them.
};

// Replays the logs with the given numbers, in increasing order. Per mode (options.h):
// kTolerateCorruptedTailRecords drops torn tails and fails with DataLoss for any damaged
// record; kAbsoluteConsistency fails for any drop; kPointInTimeRecovery stops at
// the first drop; kSkipAnyCorruptedRecords drops and goes on. Errors name the log file
// and the byte offset. I/O errors are returned as they are.
absl::StatusOr<WalReplayResult> ReplayWals(const WalReplayOptions& options,
                                           const std::vector<uint64_t>& log_numbers);

}  // namespace kvlsm

#endif  // KVLSM_DB_WAL_REPLAY_H_
