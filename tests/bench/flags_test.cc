#include "flags.h"

#include <vector>

#include <gtest/gtest.h>

#include "testutil/testutil.h"
#include "workload.h"

namespace kvlsm::bench {
namespace {

absl::StatusOr<Flags> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "kvlsm-bench");
  return ParseFlags(static_cast<int>(args.size()), args.data());
}

TEST(FlagsTest, DefaultsRunEveryWorkloadOnEveryEngine) {
  absl::StatusOr<Flags> flags = Parse({});
  ASSERT_OK(flags);
  EXPECT_EQ(flags->engines.size(), CompiledEngines().size());
  EXPECT_EQ(flags->engines.front(), "kvlsm");
  EXPECT_EQ(flags->benchmarks.size(), AllWorkloads().size());
  EXPECT_EQ(flags->key_size, 16u);
  EXPECT_EQ(flags->value_size, 100u);
  EXPECT_EQ(flags->read_ops(), flags->num);
  EXPECT_FALSE(flags->sync);
  EXPECT_FALSE(flags->reload);
  EXPECT_EQ(flags->compaction, CompactionStyle::kLeveled);
}

TEST(FlagsTest, ParsesEveryFlag) {
  absl::StatusOr<Flags> flags = Parse({"--engines=kvlsm",
                                       "--benchmarks=readrandom,fillseq",
                                       "--num=5000",
                                       "--reads=70",
                                       "--key_size=20",
                                       "--value_size=64",
                                       "--threads=3",
                                       "--seed=9",
                                       "--compression=zstd",
                                       "--sync",
                                       "--cache_mb=8",
                                       "--bloom_bits=0",
                                       "--write_buffer_mb=4",
                                       "--db_dir=/x/y",
                                       "--repeats=3",
                                       "--settle_ms=5",
                                       "--settle_stall_s=7",
                                       "--settle_timeout_s=9",
                                       "--json=/r.json",
                                       "--report=/rep",
                                       "--reload"});
  ASSERT_OK(flags);
  EXPECT_EQ(flags->engines, std::vector<std::string>{"kvlsm"});
  EXPECT_EQ(flags->benchmarks, (std::vector<std::string>{"readrandom", "fillseq"}));
  EXPECT_EQ(flags->num, 5000u);
  EXPECT_EQ(flags->read_ops(), 70u);
  EXPECT_EQ(flags->key_size, 20u);
  EXPECT_EQ(flags->value_size, 64u);
  EXPECT_EQ(flags->threads, 3);
  EXPECT_EQ(flags->seed, 9u);
  EXPECT_EQ(flags->compression, Compression::kZstd);
  EXPECT_TRUE(flags->sync);
  EXPECT_TRUE(flags->reload);
  EXPECT_EQ(flags->cache_mb, 8u);
  EXPECT_EQ(flags->bloom_bits, 0);
  EXPECT_EQ(flags->write_buffer_mb, 4u);
  EXPECT_EQ(flags->db_dir, "/x/y");
  EXPECT_EQ(flags->repeats, 3);
  EXPECT_EQ(flags->settle_ms, 5);
  EXPECT_EQ(flags->settle_stall_s, 7);
  EXPECT_EQ(flags->settle_timeout_s, 9);
  EXPECT_EQ(flags->json_path, "/r.json");
  EXPECT_EQ(flags->report_dir, "/rep");
  EXPECT_NE(flags->command_line.find("--benchmarks=readrandom,fillseq --num=5000"),
            std::string::npos);
}

TEST(FlagsTest, ErrorsNameTheFlag) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"--engines=kvlsm,nosuchdb", "nosuchdb"},
      {"--benchmarks=readrandom,readfast", "readfast"},
      {"--num=0", "--num=0"},
      {"--num=12abc", "not an integer"},
      {"--threads=1000", "--threads=1000"},
      {"--compression=lz4", "expected none or zstd"},
      {"--compaction=universal", "expected leveled or size-tiered"},
      {"--compaction=Leveled", "--compaction=Leveled"},
      {"--compaction=", "expected leveled or size-tiered"},
      {"--compaction", "--compaction needs a value"},
      {"--sync=maybe", "expected true or false"},
      {"--nosuchflag=1", "unknown flag --nosuchflag"},
      {"--num", "--num needs a value"},
      {"readrandom", "unexpected argument"},
      {"--key_size=4", "--key_size=4"},
  };
  for (const auto& [arg, text] : cases) {
    absl::StatusOr<Flags> flags = Parse({arg});
    EXPECT_TRUE(absl::IsInvalidArgument(flags.status())) << arg << ": " << flags.status();
    EXPECT_TRUE(test::MessageContains(flags.status(), text)) << arg << ": " << flags.status();
  }
}

TEST(FlagsTest, CompactionTakesEitherStyleByName) {
  for (CompactionStyle style : {CompactionStyle::kLeveled, CompactionStyle::kSizeTiered}) {
    const std::string arg = std::string("--compaction=") + CompactionStyleName(style);
    absl::StatusOr<Flags> flags = Parse({arg.c_str()});
    ASSERT_OK(flags);
    EXPECT_EQ(flags->compaction, style) << arg;
  }
  // The last of repeated flags wins, as for the others.
  absl::StatusOr<Flags> flags = Parse({"--compaction=size-tiered", "--compaction=leveled"});
  ASSERT_OK(flags);
  EXPECT_EQ(flags->compaction, CompactionStyle::kLeveled);
}

TEST(FlagsTest, YcsbEInsertsMustFitInTheKeys) {
  // 10^7 records need 8 digits for their keys, and YCSB E inserts --reads more.
  EXPECT_OK(Parse({"--num=4000000", "--key_size=8", "--benchmarks=ycsbe"}));
  EXPECT_FALSE(
      Parse({"--num=4000000", "--reads=2000000", "--key_size=7", "--benchmarks=ycsbe"}).ok());
}

TEST(FlagsTest, HelpIsCancelledWithTheText) {
  absl::StatusOr<Flags> flags = Parse({"--num=5", "--help"});
  EXPECT_TRUE(absl::IsCancelled(flags.status()));
  EXPECT_TRUE(test::MessageContains(flags.status(), "--engines=LIST"));
  EXPECT_TRUE(test::MessageContains(flags.status(), "--compaction=STYLE"));
}

}  // namespace
}  // namespace kvlsm::bench
