#include "cluster/skewed_clock.h"

#include <cstdint>

#include <gtest/gtest.h>

namespace kvlsm::cluster {
namespace {

TEST(SkewedClockTest, ReadsOffsetAndDrift) {
  SkewedClock clock;
  clock.Reset(/*true_now=*/1000, /*local_now=*/6000, /*rate=*/1.5);
  EXPECT_EQ(clock.Read(1000), 6000u);
  EXPECT_EQ(clock.Read(3000), 9000u);
  EXPECT_DOUBLE_EQ(clock.ComputedLocal(2000), 7500.0);
}

TEST(SkewedClockTest, DefaultClockReadsTrueTime) {
  SkewedClock clock;
  EXPECT_EQ(clock.Read(0), 0u);
  EXPECT_EQ(clock.Read(123456), 123456u);
}

TEST(SkewedClockTest, SettingTheClockBackStallsInsteadOfRunningBackwards) {
  SkewedClock clock;
  clock.Reset(0, 10000, 1.0);
  EXPECT_EQ(clock.Read(0), 10000u);
  clock.Reset(100, 100, 1.0);  // now 9900 us behind what it read
  EXPECT_EQ(clock.Read(100), 10000u);
  EXPECT_EQ(clock.Read(5000), 10000u);
  EXPECT_EQ(clock.Read(20000), 20000u);
}

TEST(SkewedClockTest, NegativeLocalTimeReadsZero) {
  SkewedClock clock;
  clock.Reset(0, -500.0, 1.0);
  EXPECT_EQ(clock.Read(100), 0u);
  EXPECT_EQ(clock.Read(600), 100u);
}

TEST(SkewedClockTest, FirstTrueTimeReadingIsTheFirstMicrosecondAtTarget) {
  for (const double rate : {0.5, 0.9, 1.0, 1.0001, 1.1, 2.0}) {
    SkewedClock clock;
    clock.Reset(1000, 77777, rate);
    for (const double delay : {0.0, 1.0, 999.0, 123456.0}) {
      const double target = static_cast<double>(clock.Read(5000)) + delay;
      const uint64_t at = clock.FirstTrueTimeReading(5000, target);
      EXPECT_GE(at, 5000u);
      EXPECT_GE(clock.ComputedLocal(at), target) << rate << " " << delay;
      if (at > 5000) {
        EXPECT_LT(clock.ComputedLocal(at - 1), target) << rate << " " << delay;
      }
    }
  }
}

TEST(SkewedClockTest, TargetAlreadyReachedIsNow) {
  SkewedClock clock;
  clock.Reset(0, 1000, 1.0);
  EXPECT_EQ(clock.FirstTrueTimeReading(50, 500.0), 50u);
}

}  // namespace
}  // namespace kvlsm::cluster
