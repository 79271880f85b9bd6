// Simulated power cuts: writes with and without sync, then the fault-injecting Env drops
// everything not synced (file tails and directory entries) and the DB is reopened.
// Every synced write must be there, and the recovered state must equal the state after
// some prefix of the acknowledged writes: no holes.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "kvlsm/fault_injection_env.h"
#include "testutil/crash_history.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

// The checks are CrashHistory's (tests/testutil/crash_history.h).
class DBCrashTest : public testing::TestWithParam<WalRecoveryMode> {
 protected:
  DBCrashTest() : base_(NewMemEnv()), env_(std::make_unique<FaultInjectionEnv>(base_.get())) {
    options_.env = env_.get();
    options_.create_if_missing = true;
    options_.write_buffer_size = 64 << 10;
    options_.wal_recovery_mode = GetParam();
  }

  std::unique_ptr<Env> base_;
  std::unique_ptr<FaultInjectionEnv> env_;
  Options options_;
};

TEST_P(DBCrashTest, PowerCutKeepsSyncedWritesAndAPrefix) {
  const uint64_t seed = test::TestSeed(42);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  test::CrashHistory history;
  int cycles = 0;
  for (; cycles < 150; ++cycles) {
    SCOPED_TRACE("cycle " + std::to_string(cycles));
    auto db = DB::Open(options_, "/db");
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_NO_FATAL_FAILURE(history.CheckRecovered(db->get()));

    // Write some more, some synced, sometimes flushing.
    const int writes = static_cast<int>(rnd.Uniform(60));
    for (int w = 0; w < writes; ++w) {
      WriteBatch batch = history.NextBatch(&rnd, test::CrashBatchShape());
      const bool sync = rnd.OneIn(4);
      ASSERT_OK((*db)->Write(WriteOptions{.sync = sync}, &batch));
      history.Acknowledge(sync);
      if (rnd.OneIn(20)) {
        ASSERT_OK((*db)->Flush());  // Flush makes everything acknowledged durable.
        history.MarkDurable();
      }
    }
    // The power cut: unsynced data vanishes; the DB object dies without a clean close.
    ASSERT_OK(env_->DropUnsyncedData());
    db->reset();
  }
  std::printf("power-cut cycles: %d, writes acknowledged: %llu\n", cycles,
              static_cast<unsigned long long>(history.acknowledged()));
}

INSTANTIATE_TEST_SUITE_P(Modes, DBCrashTest,
                         testing::Values(WalRecoveryMode::kTolerateCorruptedTailRecords,
                                         WalRecoveryMode::kPointInTimeRecovery,
                                         WalRecoveryMode::kSkipAnyCorruptedRecords));

}  // namespace
}  // namespace kvlsm
