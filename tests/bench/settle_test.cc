#include "settle.h"

#include <gtest/gtest.h>

#include "fake_engine.h"
#include "testutil/testutil.h"

namespace kvlsm::bench {
namespace {

int opens = 0;

absl::StatusOr<std::unique_ptr<Engine>> OpenBusyEngine(const EngineOptions&) {
  ++opens;
  FakeFaults faults;
  faults.busy_polls = 3;
  return std::make_unique<FakeEngine>(faults);
}

absl::StatusOr<std::unique_ptr<Engine>> OpenNeverIdleEngine(const EngineOptions&) {
  FakeFaults faults;
  faults.busy_polls = 1 << 30;
  return std::make_unique<FakeEngine>(faults);
}

absl::StatusOr<std::unique_ptr<Engine>> OpenFailing(const EngineOptions& options) {
  return absl::UnavailableError("cannot reopen " + options.dir);
}

TEST(SettleTest, WaitsForTheEngineThenReopensIt) {
  EngineOptions options;
  options.dir = test::TempDir("settle_test");
  const EngineFactory factory{"busy", &OpenBusyEngine};
  std::unique_ptr<Engine> engine = *factory.open(options);
  opens = 0;
  absl::StatusOr<SettleOutcome> outcome =
      Settle(factory, options, {.quiet_ms = 10, .timeout_s = 60}, &engine);
  ASSERT_OK(outcome);
  EXPECT_TRUE(outcome->quiet);
  EXPECT_EQ(opens, 1);
  ASSERT_NE(engine.get(), nullptr);
  // The reopened engine was polled until it stopped saying it was busy.
  EXPECT_GT(static_cast<FakeEngine*>(engine.get())->polls(), 3);
  EXPECT_GE(outcome->seconds, 0.02);
}

// An engine that reports pending work forever while its directory stays as it is (as
// RocksDB's universal compaction can) is settled after stall_ms, and the outcome says so.
TEST(SettleTest, AStalledEngineEndsTheWaitAndIsReported) {
  EngineOptions options;
  options.dir = test::TempDir("settle_test_stall");
  const EngineFactory factory{"never-idle", &OpenNeverIdleEngine};
  std::unique_ptr<Engine> engine = *factory.open(options);
  absl::StatusOr<SettleOutcome> outcome =
      Settle(factory, options, {.quiet_ms = 10, .stall_ms = 50, .timeout_s = 60}, &engine);
  ASSERT_OK(outcome);
  EXPECT_FALSE(outcome->quiet);
  EXPECT_NE(outcome->note.find("pending background work"), std::string::npos) << outcome->note;
  EXPECT_NE(outcome->note.find("before the reopen"), std::string::npos) << outcome->note;
  EXPECT_NE(outcome->note.find("after the reopen"), std::string::npos) << outcome->note;
  EXPECT_LT(outcome->seconds, 30);
  ASSERT_NE(engine.get(), nullptr);
}

TEST(SettleTest, AFailedReopenIsReturned) {
  EngineOptions options;
  options.dir = test::TempDir("settle_test_fail");
  const EngineFactory factory{"failing", &OpenFailing};
  std::unique_ptr<Engine> engine = std::make_unique<FakeEngine>();
  absl::StatusOr<SettleOutcome> outcome =
      Settle(factory, options, {.quiet_ms = 1, .timeout_s = 60}, &engine);
  EXPECT_TRUE(absl::IsUnavailable(outcome.status())) << outcome.status();
  EXPECT_TRUE(test::MessageContains(outcome.status(), options.dir));
  EXPECT_EQ(engine, nullptr);
}

TEST(SettleTest, AMissingDirectoryIsAnError) {
  EngineOptions options;
  options.dir = test::TempDir("settle_test_missing") + "/not-there";
  const EngineFactory factory{"busy", &OpenBusyEngine};
  std::unique_ptr<Engine> engine = std::make_unique<FakeEngine>();
  absl::StatusOr<SettleOutcome> outcome =
      Settle(factory, options, {.quiet_ms = 1, .timeout_s = 60}, &engine);
  EXPECT_TRUE(absl::IsUnavailable(outcome.status())) << outcome.status();
  EXPECT_TRUE(test::MessageContains(outcome.status(), "not-there"));
}

}  // namespace
}  // namespace kvlsm::bench
