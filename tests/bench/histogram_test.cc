#include "histogram.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "testutil/testutil.h"

namespace kvlsm::bench {
namespace {

// The exact p-quantile (nearest rank) of sorted values.
double Exact(const std::vector<uint64_t>& sorted, double p) {
  const auto rank = std::max<size_t>(1, static_cast<size_t>(std::ceil(p * sorted.size())));
  return static_cast<double>(sorted[rank - 1]);
}

TEST(HistogramTest, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.Mean(), 0);
  EXPECT_EQ(h.Percentile(0.99), 0);
}

TEST(HistogramTest, ValuesBelow64AreExact) {
  Histogram h;
  for (uint64_t v = 0; v < 64; ++v) h.Add(v);
  EXPECT_EQ(h.Percentile(0.5), 31);
  EXPECT_EQ(h.Percentile(1.0), 63);
  EXPECT_EQ(h.Percentile(0.0), 0);
  EXPECT_DOUBLE_EQ(h.Mean(), 31.5);
}

TEST(HistogramTest, PercentilesAreWithinOneSixtyFourthOfTheExactValue) {
  const uint64_t seed = test::TestSeed(11);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  Histogram h;
  std::vector<uint64_t> values;
  for (int i = 0; i < 100000; ++i) {
    // Log-uniform over [1, 2^40): every bucket size is exercised.
    const uint64_t v = (rnd.Next() >> (24 + rnd.Uniform(40))) + 1;
    values.push_back(v);
    h.Add(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    const double exact = Exact(values, p);
    EXPECT_NEAR(h.Percentile(p), exact, exact / 64 + 0.5) << "p=" << p;
  }
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
}

TEST(HistogramTest, MergeEqualsAddingEverythingToOne) {
  Histogram a, b, all;
  for (uint64_t v = 1; v < 100000; v += 7) {
    (v % 3 == 0 ? a : b).Add(v * v);
    all.Add(v * v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.Mean(), all.Mean());
  for (double p : {0.1, 0.5, 0.99, 0.999}) EXPECT_EQ(a.Percentile(p), all.Percentile(p));
}

TEST(HistogramTest, HugeValuesStayInRange) {
  Histogram h;
  h.Add(UINT64_MAX);
  h.Add(uint64_t{1} << 63);
  EXPECT_EQ(h.max(), UINT64_MAX);
  EXPECT_GE(h.Percentile(0.5), static_cast<double>(uint64_t{1} << 63));
  EXPECT_LE(h.Percentile(1.0), static_cast<double>(UINT64_MAX));
}

}  // namespace
}  // namespace kvlsm::bench
