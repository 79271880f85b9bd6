// The goals kvlsm-bench measures kvlsm against (issue #6), checked per workload for the
// report: at least RocksDB's throughput and twice LevelDB's, write amplification no
// higher than RocksDB's, space amplification at most 1.15. A goal whose peer did not run
// is not checked.
#ifndef KVLSM_BENCH_KVLSM_BENCH_TARGETS_H_
#define KVLSM_BENCH_KVLSM_BENCH_TARGETS_H_

#include <optional>
#include <string>
#include <vector>

#include "results.h"

namespace kvlsm::bench {

inline constexpr double kMinRatioToRocksDb = 1.0;
inline constexpr double kMinRatioToLevelDb = 2.0;
inline constexpr double kMaxSpaceAmp = 1.15;

struct TargetCheck {
  std::string workload;
  std::optional<double> vs_rocksdb;  // kvlsm ops/s over RocksDB's
  std::optional<double> vs_leveldb;  // kvlsm ops/s over LevelDB's
  std::optional<double> write_amp;   // kvlsm's
  std::optional<double> rocksdb_write_amp;
  std::optional<double> space_amp;  // kvlsm's
  // What is missed, e.g. "throughput 0.62x RocksDB (goal 1.00x)"; empty: every goal met.
  std::vector<std::string> misses;
  bool throughput_behind = false;  // a throughput goal is missed
};

// One check per workload kvlsm ran, in --benchmarks order (median rounds).
std::vector<TargetCheck> CheckTargets(const BenchmarkResults& results);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_TARGETS_H_
