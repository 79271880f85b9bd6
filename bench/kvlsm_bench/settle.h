// Settling: what kvlsm-bench does to every engine before and after each measured
// workload, the same for all of them, so that no engine carries work from one phase into
// the next:
//
//   1. wait until the engine is quiet: it reports no pending background work (when it can
//      tell; LevelDB cannot) and its directory (file names and sizes, the info log aside)
//      has not changed for `quiet_ms`. Two limits end a wait that is not quiet: the
//      directory has not changed for `stall_ms` while the engine still reports pending work
//      (RocksDB's universal compaction can report a pending compaction that it never
//      runs), or the whole wait has lasted `timeout_s`. Either is reported, not hidden;
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
#include <string>

#include "absl/status/statusor.h"
#include "engine.h"

namespace kvlsm::bench {

struct SettleOptions {
  int quiet_ms = 1000;
  int stall_ms = 60'000;
  int timeout_s = 1800;
};

struct SettleOutcome {
  double seconds = 0;
  // False when a wait ended on a limit; `note` then says which, e.g. "still reported
  // pending background work after the directory had not changed for 60 s (before the
  // reopen)".
  bool quiet = true;
  std::string note;
};

// Settles *engine (opened by `factory` with `options`), replacing it with the reopened one.
// Errors come from closing/reopening or listing the directory; *engine is null after a
// failed reopen.
absl::StatusOr<SettleOutcome> Settle(const EngineFactory& factory, const EngineOptions& options,
                                     const SettleOptions& settle, std::unique_ptr<Engine>* engine);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_SETTLE_H_
