#include "targets.h"

#include <gtest/gtest.h>

namespace kvlsm::bench {
namespace {

RunResult Result(std::string engine, double ops_per_sec, std::optional<double> write_amp,
                 double space_amp) {
  RunResult run;
  run.workload = "overwrite";
  run.engine = std::move(engine);
  run.ops_per_sec = ops_per_sec;
  run.write_amp = write_amp;
  run.space_amp = space_amp;
  return run;
}

TEST(TargetsTest, EachMissedGoalIsNamedWithItsNumbers) {
  BenchmarkResults results;
  results.flags.benchmarks = {"overwrite"};
  results.runs = {Result("kvlsm", 200, 2.5, 1.5), Result("rocksdb", 300, 2.0, 1.1),
                  Result("leveldb", 150, 2.2, 1.2)};
  const std::vector<TargetCheck> checks = CheckTargets(results);
  ASSERT_EQ(checks.size(), 1u);
  const TargetCheck& check = checks[0];
  EXPECT_TRUE(check.throughput_behind);
  ASSERT_EQ(check.misses.size(), 4u);
  EXPECT_EQ(check.misses[0], "throughput 0.67x RocksDB (goal 1.00x)");
  EXPECT_EQ(check.misses[1], "throughput 1.33x LevelDB (goal 2.00x)");
  EXPECT_EQ(check.misses[2], "write amp 2.50, RocksDB 2.00");
  EXPECT_EQ(check.misses[3], "space amp 1.50 (goal 1.15)");
}

TEST(TargetsTest, MetGoalsAndAbsentPeersAreNotMisses) {
  BenchmarkResults results;
  results.flags.benchmarks = {"overwrite", "readrandom"};
  results.runs = {Result("kvlsm", 400, std::nullopt, 1.0),
                  Result("rocksdb", 300, std::nullopt, 1.1)};
  const std::vector<TargetCheck> checks = CheckTargets(results);
  ASSERT_EQ(checks.size(), 1u);  // kvlsm did not run readrandom
  EXPECT_FALSE(checks[0].throughput_behind);
  EXPECT_TRUE(checks[0].misses.empty());
  EXPECT_FALSE(checks[0].vs_leveldb.has_value());
  EXPECT_NEAR(*checks[0].vs_rocksdb, 4.0 / 3, 1e-9);
}

}  // namespace
}  // namespace kvlsm::bench
