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

SizeTieredCompactionOptions Options(int min_threshold = 4, int max_threshold = 32) {
  SizeTieredCompactionOptions o;
  o.min_threshold = min_threshold;
  o.max_threshold = max_threshold;
  o.bucket_low = 0.5;
  o.bucket_high = 1.5;
  o.max_space_amplification = 2.0;
  o.tombstone_ratio_trigger = 0.5;
  o.tombstone_min_age_seconds = 86400;
  return o;
}

// Level-0 runs, newest first, numbered from runs.size() (newest) down to 1 (oldest), all
// spanning [a, z] unless given keys.
std::vector<FileSpec> Runs(const std::vector<uint64_t>& sizes) {
  std::vector<FileSpec> runs;
  for (size_t i = 0; i < sizes.size(); ++i) {
    runs.push_back({sizes.size() - i, "a", "z", sizes[i]});
  }
  return runs;
}
std::vector<FileSpec> Busy(std::vector<FileSpec> runs, uint64_t number) {
  for (FileSpec& r : runs) r.busy = r.busy || r.number == number;
  return runs;
}

TEST(SizeTieredPolicyTest, Reasons) {
  auto policy = NewSizeTieredCompaction(Options());
  auto pick = policy->Pick(MakePicture({Runs({300, 200, 100, 500})}));
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->reason,
            "space amplification: 4 runs hold 1.1 KiB, the oldest 500 B (limit 2.00x)");
  pick = policy->Pick(MakePicture({Runs({100, 100, 100, 100, 10000})}));
  ASSERT_TRUE(pick);
  EXPECT_EQ(pick->reason, "size tier: 4 similar runs averaging 100 B");
}

TEST(SizeTieredPolicyTest, PendingBytes) {
  auto policy = NewSizeTieredCompaction(Options());
  // Space amplification due: everything.
  EXPECT_EQ(policy->EstimatePendingBytes(MakePicture({Runs({300, 200, 100, 500})})), 1100u);
  // Buckets formed newest first: {100 x 4} qualifies, {1000 x 3} does not.
  EXPECT_EQ(policy->EstimatePendingBytes(
                MakePicture({Runs({100, 100, 100, 100, 1000, 1000, 1000, 100000})})),
            400u);
  // Busy runs still count.
  EXPECT_EQ(
      policy->EstimatePendingBytes(MakePicture({Busy(Runs({100, 100, 100, 100, 100000}), 5)})),
      400u);
  EXPECT_EQ(policy->EstimatePendingBytes(MakePicture({Runs({100, 100, 100, 100000})})), 0u);
  EXPECT_EQ(policy->EstimatePendingBytes(MakePicture({})), 0u);
}

TEST(SizeTieredPolicyTest, ValidateNamesTheField) {
  struct Case {
    const char* field;
    SizeTieredCompactionOptions options;
  };
  std::vector<Case> cases;
  auto add = [&](const char* field, auto mutate) {
    SizeTieredCompactionOptions o;
    mutate(o);
    cases.push_back({field, o});
  };
  add("min_threshold", [](auto& o) { o.min_threshold = 1; });
  add("min_threshold", [](auto& o) { o.min_threshold = 1001; });
  add("max_threshold", [](auto& o) { o.max_threshold = 3; });
  add("max_threshold", [](auto& o) { o.max_threshold = 1001; });
  add("bucket_low", [](auto& o) { o.bucket_low = 0; });
  add("bucket_low", [](auto& o) { o.bucket_low = 1.01; });
  add("bucket_high", [](auto& o) { o.bucket_high = 0.99; });
  add("bucket_high", [](auto& o) { o.bucket_high = std::nan(""); });
  add("max_space_amplification", [](auto& o) { o.max_space_amplification = 1; });
  add("tombstone_ratio_trigger", [](auto& o) { o.tombstone_ratio_trigger = -1; });
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    const absl::Status s = c.options.Validate();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_TRUE(test::MessageContains(s, c.field)) << s;
    auto policy = NewSizeTieredCompaction(c.options);
    EXPECT_EQ(policy->Validate(), s);
    EXPECT_FALSE(policy->Pick(MakePicture({Runs({300, 200, 100, 500})})));
    EXPECT_EQ(policy->EstimatePendingBytes(MakePicture({Runs({300, 200, 100, 500})})), 0u);
  }
  EXPECT_OK(SizeTieredCompactionOptions().Validate());
  EXPECT_OK(Options(2, 2).Validate());
  EXPECT_STREQ(NewSizeTieredCompaction()->Name(), "kvlsm.SizeTieredCompaction");
}


}  // namespace
}  // namespace kvlsm
