#include "results_table.h"

#include <gtest/gtest.h>

namespace kvlsm::bench {
namespace {

RunResult Run(std::string workload, std::string engine, int round, double ops_per_sec) {
  RunResult run;
  run.workload = std::move(workload);
  run.engine = std::move(engine);
  run.round = round;
  run.ops_per_sec = ops_per_sec;
  return run;
}

BenchmarkResults ThreeRounds() {
  BenchmarkResults results;
  results.flags.benchmarks = {"readrandom"};
  results.engines = {{"kvlsm", {{"version", "1"}, {"sync", "no"}}},
                     {"rocksdb", {{"version", "7"}, {"only here", "x"}}}};
  for (int round = 0; round < 3; ++round) {
    results.runs.push_back(Run("readrandom", "kvlsm", round, 100.0 * (round + 1)));
    results.runs.push_back(Run("readrandom", "rocksdb", round, 400.0 - 100 * round));
  }
  results.runs[2].write_amp = 1.5;  // kvlsm, round 1
  return results;
}

TEST(ResultsTableTest, MedianRoundAndRatioOfKvlsmOverThePeer) {
  const BenchmarkResults results = ThreeRounds();
  ASSERT_NE(results.Median("readrandom", "kvlsm"), nullptr);
  EXPECT_EQ(results.Median("readrandom", "kvlsm")->round, 1);
  EXPECT_EQ(results.Median("readrandom", "rocksdb")->round, 1);
  EXPECT_EQ(results.Median("readrandom", "leveldb"), nullptr);
  const Table table = ResultsTable(results);
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_FALSE(table.IsNumeric(1));
  EXPECT_TRUE(table.IsNumeric(2));
  EXPECT_EQ(table.rows[0][0], "readrandom");
  EXPECT_EQ(table.rows[0][2], "200");
  EXPECT_EQ(table.rows[0][7], "1.50");      // write amp of the median round
  EXPECT_EQ(table.rows[0].back(), "-");     // kvlsm's own row
  EXPECT_EQ(table.rows[1].back(), "0.67");  // 200 / 300
  EXPECT_EQ(table.rows[1][7], "-");         // no write amp: nothing written
}

TEST(ResultsTableTest, SettingsHaveARowPerNameAndAColumnPerEngine) {
  const Table table = SettingsTable(ThreeRounds());
  EXPECT_EQ(table.header, (std::vector<std::string>{"setting", "kvlsm", "rocksdb"}));
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[1], (std::vector<std::string>{"sync", "no", "-"}));
  EXPECT_EQ(table.rows[2], (std::vector<std::string>{"only here", "-", "x"}));
}

TEST(ResultsTableTest, RenderingAlignsTextAndMarkdown) {
  Table table;
  table.header = {"name", "n"};
  table.rows = {{"a", "1"}, {"bbb", "22"}};
  table.numeric = {false, true};
  table.notes = {"a note"};
  EXPECT_EQ(RenderText(table), "name   n\n--------\na      1\nbbb   22\n  * a note\n");
  EXPECT_EQ(RenderMarkdown(table),
            "| name | n |\n|---|---:|\n| a | 1 |\n| bbb | 22 |\n\n- a note\n");
}

TEST(ResultsTableTest, ThousandsSeparators) {
  EXPECT_EQ(WithThousands(0), "0");
  EXPECT_EQ(WithThousands(999.6), "1,000");
  EXPECT_EQ(WithThousands(1234567), "1,234,567");
  EXPECT_EQ(WithThousands(-5), "0");
}

}  // namespace
}  // namespace kvlsm::bench
