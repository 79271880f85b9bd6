#include "permutation.h"

#include <vector>

#include <gtest/gtest.h>

namespace kvlsm::bench {
namespace {

TEST(PermutationTest, VisitsEveryNumberOnceForManySizes) {
  for (uint64_t n : {1, 2, 3, 4, 5, 7, 16, 17, 1000, 4097, 100003}) {
    SCOPED_TRACE(n);
    const Permutation p(n, n * 31);
    std::vector<bool> seen(n);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t x = p.At(i);
      ASSERT_LT(x, n);
      ASSERT_FALSE(seen[x]) << "At(" << i << ") = " << x << " twice";
      seen[x] = true;
    }
  }
}

TEST(PermutationTest, TheSeedChoosesTheOrderAndNothingElseDoes) {
  const Permutation a(1000, 1), again(1000, 1), b(1000, 2);
  int same_as_b = 0, in_place = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(a.At(i), again.At(i));
    same_as_b += a.At(i) == b.At(i);
    in_place += a.At(i) == i;
  }
  // A random permutation has about one fixed point and agrees with another in about one
  // place; allow plenty of room.
  EXPECT_LT(same_as_b, 20);
  EXPECT_LT(in_place, 20);
}

}  // namespace
}  // namespace kvlsm::bench
