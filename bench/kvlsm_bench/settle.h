// Settling: what kvlsm-bench does to every engine before and after each measured
// workload, the same for all of them, so that no engine carries work from one phase into
// the next:
//
//   1. wait until the engine is quiet: it reports no pending background work (when it can
//      tell; LevelDB cannot) and its directory (file names and sizes, the info log aside)
//      has not changed for `quiet_ms`;
//   2. close it and open it again, which writes the memtable out as a level-0 table in all
//      three engines (each one replays its WAL into a table on open; LevelDB has no other
//      way to flush), and leaves every block cache empty;
//   3. wait until it is quiet again (the flush and any compaction it starts);
//   4. sync(2), so that the writeback of this phase does not compete with the next one.
//
// Waiting before the close keeps a compaction from being abandoned at shutdown and redone.
#ifndef KVLSM_BENCH_KVLSM_BENCH_SETTLE_H_
#define KVLSM_BENCH_KVLSM_BENCH_SETTLE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "engine.h"

namespace kvlsm::bench {

struct SettleOptions {
  int quiet_ms = 1000;
  int timeout_s = 1800;
};

struct SettleOutcome {
  double seconds = 0;
  // False when a wait ran into the timeout (the engine was still busy).
  bool quiet = true;
};

// Settles *engine (opened by `factory` with `options`), replacing it with the reopened one.
// Errors come from closing/reopening or listing the directory; *engine is null after a
// failed reopen.
absl::StatusOr<SettleOutcome> Settle(const EngineFactory& factory, const EngineOptions& options,
                                     const SettleOptions& settle, std::unique_ptr<Engine>* engine);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_SETTLE_H_
