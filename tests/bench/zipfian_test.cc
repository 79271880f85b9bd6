#include "zipfian.h"

#include <cmath>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "testutil/testutil.h"

namespace kvlsm::bench {
namespace {

TEST(ZipfianTest, RanksFollowTheZipfLaw) {
  const uint64_t seed = test::TestSeed(5);
  SCOPED_TRACE(test::SeedTrace(seed));
  constexpr uint64_t kItems = 1000;
  constexpr int kDraws = 400000;
  const Zipfian zipfian(kItems, 1);
  Random rnd(seed);
  std::vector<int> counts(kItems);
  for (int i = 0; i < kDraws; ++i) {
    const uint64_t rank = zipfian.NextRank(&rnd);
    ASSERT_LT(rank, kItems);
    ++counts[rank];
  }
  double zeta = 0;
  for (uint64_t i = 1; i <= kItems; ++i) zeta += 1 / std::pow(i, Zipfian::kYcsbTheta);
  const auto zipf = [&](uint64_t rank) {
    return kDraws / (std::pow(rank + 1, Zipfian::kYcsbTheta) * zeta);
  };
  // Ranks 0 and 1 are drawn exactly with probability 1 / ((r + 1)^theta * zeta).
  for (uint64_t rank : {0, 1}) EXPECT_NEAR(counts[rank], zipf(rank), zipf(rank) * 0.05);
  // The rest follow Gray's closed-form approximation (as YCSB's do): rank 2 is about 17%
  // too likely, and the hot part of the distribution as a whole stays within a few percent.
  for (uint64_t top : {10, 100}) {
    double expected = 0, drawn = 0;
    for (uint64_t rank = 0; rank < top; ++rank) {
      expected += zipf(rank);
      drawn += counts[rank];
    }
    EXPECT_NEAR(drawn, expected, expected * 0.06) << "top " << top;
  }
}

TEST(ZipfianTest, HotRecordsAreScatteredButTheDistributionIsKept) {
  constexpr uint64_t kItems = 10000;
  const Zipfian zipfian(kItems, 9);
  Random ranks(3), records(3);
  std::map<uint64_t, int> rank_counts, record_counts;
  for (int i = 0; i < 100000; ++i) {
    ++rank_counts[zipfian.NextRank(&ranks)];
    const uint64_t record = zipfian.Next(&records);
    ASSERT_LT(record, kItems);
    ++record_counts[record];
  }
  // Same draws, so the same multiset of frequencies, but the hottest record is the
  // scattered image of rank 0, not record 0.
  const uint64_t hottest = Permutation(kItems, 9).At(0);
  EXPECT_EQ(record_counts[hottest], rank_counts[0]);
  EXPECT_NE(hottest, 0u);
}

TEST(ZipfianTest, OneItemAlwaysDrawsIt) {
  const Zipfian zipfian(1, 4);
  Random rnd(1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(zipfian.Next(&rnd), 0u);
}

}  // namespace
}  // namespace kvlsm::bench
