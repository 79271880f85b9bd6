// WritePressure: the slowdown between the thresholds is gradual, the stop is at the stop
// threshold, and nothing is held back when no compaction could help.
#include "db/write_pressure.h"

#include <gtest/gtest.h>

namespace kvlsm {
namespace {

Options PressureOptions() {
  Options o;
  o.level0_slowdown_writes_trigger = 20;
  o.level0_stop_writes_trigger = 36;
  o.soft_pending_compaction_bytes = 1000;
  o.hard_pending_compaction_bytes = 2000;
  o.delayed_write_rate = 16 << 20;
  return o;
}

TEST(WritePressureTest, NormalBelowTheSlowdownThresholds) {
  const WritePressure p = WritePressure::Compute(PressureOptions(), 19, 999, true);
  EXPECT_FALSE(p.stopped);
  EXPECT_EQ(p.delayed_rate, 0u);
  EXPECT_EQ(p.DelayMicros(1 << 20), 0u);
}

TEST(WritePressureTest, SlowdownDeepensGraduallyWithLevel0Tables) {
  const Options o = PressureOptions();
  uint64_t previous = UINT64_MAX;
  for (int files = 20; files < 36; ++files) {
    const WritePressure p = WritePressure::Compute(o, files, 0, true);
    ASSERT_FALSE(p.stopped) << files;
    ASSERT_GT(p.delayed_rate, 0u) << files;
    ASSERT_LT(p.delayed_rate, previous) << files;  // Strictly slower each step: no cliff.
    ASSERT_GE(p.delayed_rate, o.delayed_write_rate / 16) << files;
    previous = p.delayed_rate;
  }
  EXPECT_EQ(WritePressure::Compute(o, 20, 0, true).delayed_rate, o.delayed_write_rate);
  const WritePressure stop = WritePressure::Compute(o, 36, 0, true);
  EXPECT_TRUE(stop.stopped);
  EXPECT_EQ(stop.cause, "36 level-0 tables (stop at 36)");
}

TEST(WritePressureTest, PendingBytesSlowDownAndStopToo) {
  const Options o = PressureOptions();
  const WritePressure half = WritePressure::Compute(o, 0, 1500, true);
  EXPECT_FALSE(half.stopped);
  EXPECT_GT(half.delayed_rate, o.delayed_write_rate / 16);
  EXPECT_LT(half.delayed_rate, o.delayed_write_rate);
  EXPECT_EQ(half.DelayMicros(half.delayed_rate), 1'000'000u);  // One second's bytes.
  EXPECT_TRUE(WritePressure::Compute(o, 0, 2000, true).stopped);
  // The worse of the two measures counts.
  EXPECT_LT(WritePressure::Compute(o, 30, 1100, true).delayed_rate, half.delayed_rate);
}

TEST(WritePressureTest, NothingHeldBackWhenNoCompactionCouldHelp) {
  const WritePressure p = WritePressure::Compute(PressureOptions(), 100, 1 << 30, false);
  EXPECT_FALSE(p.stopped);
  EXPECT_EQ(p.delayed_rate, 0u);
}

TEST(WritePressureTest, ZeroThresholdsDisablePendingBytes) {
  Options o = PressureOptions();
  o.soft_pending_compaction_bytes = 0;
  o.hard_pending_compaction_bytes = 0;
  const WritePressure p = WritePressure::Compute(o, 0, uint64_t{1} << 50, true);
  EXPECT_FALSE(p.stopped);
  EXPECT_EQ(p.delayed_rate, 0u);
}

}  // namespace
}  // namespace kvlsm
