#include "compaction/leveled_policy.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compaction/compaction_test_util.h"
#include "kvlsm/compaction_policy.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using test::DescribePick;
using test::FileSpec;
using test::MakePicture;

// Small numbers keep the shapes readable: level 1 targets 1000 bytes, level 2 10000. The
// golden picks (testdata/leveled) use the same settings.
LeveledCompactionOptions StaticOptions() {
  LeveledCompactionOptions o;
  o.level0_file_trigger = 4;
  o.level_size_multiplier = 10;
  o.base_level_bytes = 1000;
  o.dynamic_level_bytes = false;
  o.target_file_size = 100;
  o.max_grandparent_overlap_bytes = 300;
  o.tombstone_ratio_trigger = 0.5;
  o.tombstone_min_age_seconds = 3600;
  return o;
}

// Four level-0 tables within [a, b].
const std::vector<FileSpec> kFourNarrow = {
    {4, "a", "b", 10}, {3, "a", "b", 10}, {2, "a", "a", 10}, {1, "b", "b", 10}};
// Level 1 at 1.2x its target: overlap ratios with kNextLevel are 350/400 (10), 50/400 (11)
// and 1000/400 (12).
const std::vector<FileSpec> kOverTarget = {
    {10, "a", "c", 400}, {11, "d", "f", 400}, {12, "g", "i", 400}};
const std::vector<FileSpec> kNextLevel = {
    {20, "a", "b", 300}, {21, "c", "e", 50}, {22, "h", "k", 1000}};

std::vector<FileSpec> WithDeletions(std::vector<FileSpec> files, uint64_t number,
                                    uint64_t deletions) {
  for (FileSpec& f : files) {
    if (f.number == number) f.deletions = deletions;
  }
  return files;
}

TEST(LeveledPolicyTest, ReasonsNameTheTrigger) {
  auto policy = NewLeveledCompaction(StaticOptions());
  auto pick = policy->Pick(MakePicture({kFourNarrow}));
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->reason, "L0 score 1.00: 4 files, trigger 4");
  pick = policy->Pick(MakePicture({{}, WithDeletions(kOverTarget, 12, 60), kNextLevel}));
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->reason, "L1 score 1.20: 1.2 KiB, target 1000 B; file 12 is 60% tombstones");
  pick = policy->Pick(MakePicture({{}, {}, {}, {}, {}, {}, {{60, "a", "c", 100, 60, 7200}}}));
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->reason, "tombstones: file 60 of L6 is 60% deletions, 7200 s old");
}

TEST(LeveledPolicyTest, StaticLevelTargets) {
  const compaction::LevelTargets t =
      compaction::ComputeLevelTargets(MakePicture({}), StaticOptions());
  EXPECT_EQ(t.base_level, 1);
  EXPECT_EQ(t.bytes, (std::vector<uint64_t>{0, 1000, 10000, 100000, 1000000, 10000000, 100000000}));
  LeveledCompactionOptions huge = StaticOptions();
  huge.base_level_bytes = uint64_t{1} << 62;
  const compaction::LevelTargets saturated = compaction::ComputeLevelTargets(MakePicture({}), huge);
  EXPECT_EQ(saturated.bytes[6], std::numeric_limits<uint64_t>::max());
}

// Space amplification with dynamic targets: the levels above the last add up to about 1/9
// of it, so the tree holds about 1.11x its last level when every level is at its target.
TEST(LeveledPolicyTest, DynamicTargetsKeepSpaceAmplificationNearOnePointOne) {
  for (uint64_t bottom : {uint64_t{1} << 30, uint64_t{50} << 30, uint64_t{3} << 40}) {
    SCOPED_TRACE(bottom);
    LeveledCompactionOptions o;  // Defaults: 256 MiB base, multiplier 10.
    const compaction::LevelTargets t = compaction::ComputeLevelTargets(
        MakePicture({{}, {}, {}, {}, {}, {}, {{1, "a", "z", bottom}}}), o);
    uint64_t upper = 0;
    for (int l = 1; l < 6; ++l) upper += t.bytes[l];
    const double amplification = 1 + static_cast<double>(upper) / static_cast<double>(bottom);
    EXPECT_GE(amplification, 1.0);
    EXPECT_LE(amplification, 1.0 + 1.0 / 9 + 1e-9);
  }
}

TEST(LeveledPolicyTest, ScoresAndPendingBytes) {
  auto policy = NewLeveledCompaction(StaticOptions());
  const CompactionPicture picture =
      MakePicture({kFourNarrow,
                   {{10, "a", "c", 700}, {11, "d", "f", 800, 0, 0, true}},
                   {{20, "a", "z", 3000}}});
  const std::vector<double> scores = policy->LevelScores(picture);
  ASSERT_EQ(scores.size(), 7u);
  EXPECT_DOUBLE_EQ(scores[0], 1.0);
  EXPECT_DOUBLE_EQ(scores[1], 0.7);  // Bytes being compacted do not count.
  EXPECT_DOUBLE_EQ(scores[2], 0.3);
  EXPECT_DOUBLE_EQ(scores[6], 0.0);
  // Level 0 is due: its 40 bytes, plus level 1's 1500; level 1 then holds 1540, 540 over
  // target, which merge into level 2 at fan-out 3000 / 1540 + 1.
  const double expected = 40 + 1500 + 540 * (3000.0 / 1540 + 1);
  EXPECT_EQ(policy->EstimatePendingBytes(picture), static_cast<uint64_t>(expected));
  EXPECT_EQ(policy->EstimatePendingBytes(MakePicture({})), 0u);
  EXPECT_EQ(policy->EstimatePendingBytes(MakePicture({{}, {{10, "a", "c", 900}}})), 0u);
}

TEST(LeveledPolicyTest, PendingBytesWithoutNextLevelDataCountNothing) {
  // RocksDB's estimate: bytes over target count only with a fan-out into data below.
  auto policy = NewLeveledCompaction(StaticOptions());
  EXPECT_EQ(policy->EstimatePendingBytes(MakePicture({{}, {{10, "a", "c", 1500}}})), 0u);
  EXPECT_EQ(policy->EstimatePendingBytes(
                MakePicture({{}, {{10, "a", "c", 1500}}, {{20, "a", "c", 500}}})),
            static_cast<uint64_t>(500 * (500.0 / 1500 + 1)));
}

TEST(LeveledPolicyTest, FewerThanTwoLevelsNeverPicks) {
  auto policy = NewLeveledCompaction(StaticOptions());
  CompactionPicture picture = MakePicture({kFourNarrow});
  picture.levels.resize(1);
  EXPECT_FALSE(policy->Pick(picture));
  EXPECT_EQ(policy->EstimatePendingBytes(picture), 0u);
  EXPECT_TRUE(policy->LevelScores(picture).empty());
}

TEST(LeveledPolicyTest, ValidateNamesTheField) {
  struct Case {
    const char* field;
    LeveledCompactionOptions options;
  };
  std::vector<Case> cases;
  auto add = [&](const char* field, auto mutate) {
    LeveledCompactionOptions o;
    mutate(o);
    cases.push_back({field, o});
  };
  add("level0_file_trigger", [](auto& o) { o.level0_file_trigger = 0; });
  add("level0_file_trigger", [](auto& o) { o.level0_file_trigger = 1001; });
  add("level_size_multiplier", [](auto& o) { o.level_size_multiplier = 1; });
  add("level_size_multiplier", [](auto& o) { o.level_size_multiplier = std::nan(""); });
  add("level_size_multiplier", [](auto& o) { o.level_size_multiplier = 1001; });
  add("base_level_bytes", [](auto& o) { o.base_level_bytes = 0; });
  add("target_file_size", [](auto& o) { o.target_file_size = 0; });
  add("tombstone_ratio_trigger", [](auto& o) { o.tombstone_ratio_trigger = 0; });
  add("tombstone_ratio_trigger", [](auto& o) { o.tombstone_ratio_trigger = std::nan(""); });
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    const absl::Status s = c.options.Validate();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_TRUE(test::MessageContains(s, c.field)) << s;
    auto policy = NewLeveledCompaction(c.options);
    EXPECT_EQ(policy->Validate(), s);
    // An invalid policy never picks, even on a tree that needs work.
    EXPECT_FALSE(policy->Pick(MakePicture({kFourNarrow})));
    EXPECT_EQ(policy->EstimatePendingBytes(MakePicture({kFourNarrow})), 0u);
  }
  EXPECT_OK(LeveledCompactionOptions().Validate());
  LeveledCompactionOptions edges;
  edges.level0_file_trigger = 1;
  edges.level_size_multiplier = 1.5;
  edges.max_grandparent_overlap_bytes = 0;
  edges.tombstone_ratio_trigger = std::numeric_limits<double>::infinity();
  EXPECT_OK(edges.Validate());
}

TEST(LeveledPolicyTest, NameIsStable) {
  EXPECT_STREQ(NewLeveledCompaction()->Name(), "kvlsm.LeveledCompaction");
}

TEST(LeveledPolicyTest, NoGrandparentLimitAllowsAnyTrivialMove) {
  // Level 3's 50000 bytes are under its target (100000) but far over the limit of 300.
  const CompactionPicture picture =
      MakePicture({{}, {{10, "a", "b", 1100}}, {}, {{30, "a", "b", 50000}}});
  LeveledCompactionOptions o = StaticOptions();
  EXPECT_EQ(DescribePick(NewLeveledCompaction(o)->Pick(picture)), "L1:10 -> L2 gp:30");
  o.max_grandparent_overlap_bytes = 0;
  EXPECT_EQ(DescribePick(NewLeveledCompaction(o)->Pick(picture)), "L1:10 -> L2 gp:30 move");
}


}  // namespace
}  // namespace kvlsm
