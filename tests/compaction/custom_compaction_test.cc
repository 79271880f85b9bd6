// The user-defined policy of examples/custom_compaction_policy.h: every pick valid on random
// trees (a policy written against the public API alone can follow the rules
// CheckCompactionPick enforces). Its golden picks are in testdata/two_level.
#include "../../examples/custom_compaction_policy.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compaction/compaction_test_util.h"
#include "kvlsm/compaction_policy.h"
#include "testutil/testutil.h"
#include "util/random.h"

namespace kvlsm {
namespace {

using test::FileSpec;
using test::MakePicture;

TEST(CustomCompactionTest, ValidateAndEstimate) {
  EXPECT_OK(example::TwoLevelPolicy().Validate());
  const absl::Status s = example::TwoLevelPolicy(0).Validate();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "trigger")) << s;
  EXPECT_FALSE(example::TwoLevelPolicy(0).Pick(MakePicture({{{1, "a", "b", 10}}})));
  const example::TwoLevelPolicy policy(3);
  EXPECT_STREQ(policy.Name(), "example.TwoLevelPolicy");
  EXPECT_EQ(policy.EstimatePendingBytes(MakePicture({{{2, "a", "b", 10}, {1, "a", "b", 20}}})), 0u);
  EXPECT_EQ(policy.EstimatePendingBytes(
                MakePicture({{{3, "a", "b", 10}, {2, "a", "b", 20}, {1, "a", "b", 30}}})),
            60u);
  EXPECT_TRUE(policy.LevelScores(MakePicture({})).empty());  // The base class default.
}

TEST(CustomCompactionTest, RandomTreesGiveValidPicks) {
  const uint64_t seed = test::TestSeed(77);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  const example::TwoLevelPolicy policy(2);
  int picks = 0;
  for (int i = 0; i < 2000; ++i) {
    SCOPED_TRACE(i);
    std::vector<std::vector<FileSpec>> levels(2);
    uint64_t number = 1;
    for (int k = static_cast<int>(rnd.Uniform(5)); k > 0; --k) {
      const char lo = static_cast<char>('a' + rnd.Uniform(26));
      const char hi = static_cast<char>(std::min<int>('z', lo + static_cast<int>(rnd.Uniform(8))));
      levels[0].push_back(
          {number++, std::string(1, lo), std::string(1, hi), 10, 0, 0, rnd.OneIn(10)});
    }
    // Level 1: sorted single-letter ranges, sometimes sharing a boundary letter.
    for (char c = static_cast<char>('a' + rnd.Uniform(3)); c <= 'z';) {
      const char hi = static_cast<char>(std::min<int>('z', c + static_cast<int>(rnd.Uniform(4))));
      levels[1].push_back(
          {number++, std::string(1, c), std::string(1, hi), 100, 0, 0, rnd.OneIn(20)});
      c = rnd.OneIn(3) ? hi : static_cast<char>(hi + 1 + rnd.Uniform(3));
      if (c == hi && hi == 'z') break;
    }
    const CompactionPicture picture = MakePicture(levels);
    const std::optional<CompactionPick> pick = policy.Pick(picture);
    if (!pick) continue;
    ++picks;
    ASSERT_OK(CheckCompactionPick(picture, *pick));
  }
  EXPECT_GT(picks, 200);
}

}  // namespace
}  // namespace kvlsm
