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

FifoCompactionOptions Fifo(uint64_t max_total_bytes, uint64_t max_age_seconds) {
  FifoCompactionOptions o;
  o.max_total_bytes = max_total_bytes;
  o.max_age_seconds = max_age_seconds;
  return o;
}

struct PickCase {
  const char* name;
  FifoCompactionOptions options;
  std::vector<std::vector<FileSpec>> levels;
  const char* expected;
  uint64_t pending;
};

const PickCase kPickCases[] = {
    {"Empty", Fifo(1000, 0), {}, "none", 0},
    {"UnderTheSizeLimit",
     Fifo(1000, 0),
     {{{3, "a", "z", 300}, {2, "a", "z", 300}, {1, "a", "z", 300}}},
     "none",
     0},
    {"AtTheSizeLimit",
     Fifo(900, 0),
     {{{3, "a", "z", 300}, {2, "a", "z", 300}, {1, "a", "z", 300}}},
     "none",
     0},
    {"OverTheSizeLimitDropsTheOldest",
     Fifo(1000, 0),
     {{{4, "a", "z", 300}, {3, "a", "z", 300}, {2, "a", "z", 300}, {1, "a", "z", 300}}},
     "drop L0:1",
     300},
    {"DropsAsManyAsNeeded",
     Fifo(400, 0),
     {{{4, "a", "z", 300}, {3, "a", "z", 100}, {2, "a", "z", 300}, {1, "a", "z", 300}}},
     "drop L0:2,1",
     600},
    {"ByAge",
     Fifo(0, 3600),
     {{{4, "a", "z", 300, 0, 10},
       {3, "a", "z", 300, 0, 100},
       {2, "a", "z", 300, 0, 3601},
       {1, "a", "z", 300, 0, 5000}}},
     "drop L0:2,1",
     600},
    {"AgeExactlyAtTheLimitStays",
     Fifo(0, 3600),
     {{{2, "a", "z", 300, 0, 10}, {1, "a", "z", 300, 0, 3600}}},
     "none",
     0},
    {"AgeStopsAtTheFirstYoungTable",
     Fifo(0, 3600),
     {{{3, "a", "z", 300, 0, 4000}, {2, "a", "z", 300, 0, 10}, {1, "a", "z", 300, 0, 5000}}},
     "drop L0:1",
     300},
    {"BothLimits",
     Fifo(700, 3600),
     {{{4, "a", "z", 300, 0, 10},
       {3, "a", "z", 300, 0, 20},
       {2, "a", "z", 300, 0, 30},
       {1, "a", "z", 100, 0, 5000}}},
     "drop L0:2,1",
     400},
    {"BusyOldestTableBlocks",
     Fifo(500, 0),
     {{{3, "a", "z", 300}, {2, "a", "z", 300}, {1, "a", "z", 300, 0, 0, true}}},
     "none",
     600},
    {"DeeperLevelsAreOlder",
     Fifo(300, 0),
     {{{3, "a", "z", 300}}, {{10, "a", "m", 100}, {11, "n", "z", 100}}, {{20, "a", "z", 200}}},
     "drop L1:10,11 L2:20",
     400},
};

TEST(FifoPolicyTest, GoldenPicks) {
  for (const PickCase& c : kPickCases) {
    SCOPED_TRACE(c.name);
    auto policy = NewFifoCompaction(c.options);
    ASSERT_OK(policy->Validate());
    const CompactionPicture picture = MakePicture(c.levels);
    const std::optional<CompactionPick> pick = policy->Pick(picture);
    EXPECT_EQ(DescribePick(pick), c.expected);
    EXPECT_EQ(policy->EstimatePendingBytes(picture), c.pending);
    if (!pick) continue;
    EXPECT_OK(CheckCompactionPick(picture, *pick));
    EXPECT_TRUE(pick->drop_only);
    EXPECT_EQ(pick->output_level, -1);
    EXPECT_FALSE(pick->reason.empty());
  }
}

TEST(FifoPolicyTest, WithinALevelOlderSequenceNumbersGoFirst) {
  // Level 1 in key order 10, 11 but 11 holds older data: it goes first.
  CompactionPicture picture = MakePicture({{}, {{10, "a", "m", 300}, {11, "n", "z", 300}}});
  picture.levels[1][0].largest_seqno = 500;
  picture.levels[1][1].largest_seqno = 400;
  auto pick = NewFifoCompaction(Fifo(400, 0))->Pick(picture);
  EXPECT_EQ(DescribePick(pick), "drop L1:11");
  ASSERT_TRUE(pick);
  EXPECT_OK(CheckCompactionPick(picture, *pick));
}

TEST(FifoPolicyTest, Reasons) {
  auto pick = NewFifoCompaction(Fifo(700, 3600))
                  ->Pick(MakePicture({{{4, "a", "z", 300, 0, 10},
                                       {3, "a", "z", 300, 0, 20},
                                       {2, "a", "z", 300, 0, 30},
                                       {1, "a", "z", 100, 0, 5000}}}));
  ASSERT_TRUE(pick);
  EXPECT_EQ(DescribePick(pick), "drop L0:2,1");
  EXPECT_EQ(pick->reason, "1 tables older than 3600 s; total 1000 B exceeds 700 B");
}

TEST(FifoPolicyTest, ValidateNeedsALimit) {
  const absl::Status s = Fifo(0, 0).Validate();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "max_total_bytes")) << s;
  EXPECT_TRUE(test::MessageContains(s, "max_age_seconds")) << s;
  auto policy = NewFifoCompaction(Fifo(0, 0));
  EXPECT_EQ(policy->Validate(), s);
  EXPECT_FALSE(policy->Pick(MakePicture({{{1, "a", "z", 300, 0, 100000}}})));
  EXPECT_EQ(policy->EstimatePendingBytes(MakePicture({{{1, "a", "z", 300}}})), 0u);
  EXPECT_OK(Fifo(1, 0).Validate());
  EXPECT_OK(Fifo(0, 1).Validate());
  EXPECT_OK(FifoCompactionOptions().Validate());
  EXPECT_STREQ(NewFifoCompaction()->Name(), "kvlsm.FifoCompaction");
}

}  // namespace
}  // namespace kvlsm
