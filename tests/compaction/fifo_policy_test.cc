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
