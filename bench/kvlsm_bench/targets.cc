#include "targets.h"

#include "absl/strings/str_format.h"

namespace kvlsm::bench {
namespace {

std::optional<double> Ratio(const RunResult* kvlsm, const RunResult* peer) {
  if (peer == nullptr || peer->ops_per_sec <= 0) return std::nullopt;
  return kvlsm->ops_per_sec / peer->ops_per_sec;
}

}  // namespace

std::vector<TargetCheck> CheckTargets(const BenchmarkResults& results) {
  std::vector<TargetCheck> checks;
  for (const std::string& workload : results.flags.benchmarks) {
    const RunResult* kvlsm = results.Median(workload, "kvlsm");
    if (kvlsm == nullptr) continue;
    const RunResult* rocksdb = results.Median(workload, "rocksdb");
    TargetCheck check;
    check.workload = workload;
    check.vs_rocksdb = Ratio(kvlsm, rocksdb);
    check.vs_leveldb = Ratio(kvlsm, results.Median(workload, "leveldb"));
    check.write_amp = kvlsm->write_amp;
    if (rocksdb != nullptr) check.rocksdb_write_amp = rocksdb->write_amp;
    check.space_amp = kvlsm->space_amp;
    if (check.vs_rocksdb && *check.vs_rocksdb < kMinRatioToRocksDb) {
      check.misses.push_back(absl::StrFormat("throughput %.2fx RocksDB (goal %.2fx)",
                                             *check.vs_rocksdb, kMinRatioToRocksDb));
      check.throughput_behind = true;
    }
    if (check.vs_leveldb && *check.vs_leveldb < kMinRatioToLevelDb) {
      check.misses.push_back(absl::StrFormat("throughput %.2fx LevelDB (goal %.2fx)",
                                             *check.vs_leveldb, kMinRatioToLevelDb));
      check.throughput_behind = true;
    }
    if (check.write_amp && check.rocksdb_write_amp && *check.write_amp > *check.rocksdb_write_amp) {
      check.misses.push_back(absl::StrFormat("write amp %.2f, RocksDB %.2f", *check.write_amp,
                                             *check.rocksdb_write_amp));
    }
    if (check.space_amp && *check.space_amp > kMaxSpaceAmp) {
      check.misses.push_back(
          absl::StrFormat("space amp %.2f (goal %.2f)", *check.space_amp, kMaxSpaceAmp));
    }
    checks.push_back(std::move(check));
  }
  return checks;
}

}  // namespace kvlsm::bench
