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
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using Model = std::map<std::string, std::string>;

// Each acknowledged write i is a batch that also sets "#last" to i, so the recovered
// "#last" names the prefix of history the DB claims to hold.
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
  std::vector<Model> history = {Model()};  // history[i]: the state after write i.
  uint64_t last_synced = 0;
  int cycles = 0;
  for (; cycles < 150; ++cycles) {
    SCOPED_TRACE("cycle " + std::to_string(cycles));
    auto db = DB::Open(options_, "/db");
    ASSERT_TRUE(db.ok()) << db.status();

    // What survived must be a prefix of history, at least up to the last synced write.
    std::string last;
    absl::Status s = (*db)->Get(ReadOptions(), "#last", &last);
    uint64_t prefix = 0;
    if (s.ok()) {
      prefix = std::stoull(last);
    } else {
      ASSERT_TRUE(absl::IsNotFound(s)) << s;
    }
    ASSERT_GE(prefix, last_synced);
    ASSERT_LT(prefix, history.size());
    Model recovered;
    auto it = (*db)->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key() != "#last") recovered[std::string(it->key())] = std::string(it->value());
    }
    ASSERT_OK(it->status());
    it.reset();
    ASSERT_EQ(recovered, history[prefix]) << "recovered state is not write " << prefix;
    history.resize(prefix + 1);
    last_synced = prefix;  // What was recovered is durable now (recovery synced it).

    // Write some more, some synced, sometimes sealing the memtable.
    const int writes = static_cast<int>(rnd.Uniform(60));
    for (int w = 0; w < writes; ++w) {
      Model next = history.back();
      WriteBatch batch;
      const int n = 1 + static_cast<int>(rnd.Uniform(4));
      for (int i = 0; i < n; ++i) {
        const std::string key = "k" + std::to_string(rnd.Uniform(40));
        if (rnd.OneIn(5)) {
          batch.Delete(key);
          next.erase(key);
        } else {
          const std::string value = test::RandomString(&rnd, rnd.Uniform(2000));
          batch.Put(key, value);
          next[key] = value;
        }
      }
      const uint64_t id = history.size();
      batch.Put("#last", std::to_string(id));
      const bool sync = rnd.OneIn(4);
      ASSERT_OK((*db)->Write(WriteOptions{.sync = sync}, &batch));
      history.push_back(std::move(next));
      if (sync) last_synced = id;
      if (rnd.OneIn(20)) {
        ASSERT_OK((*db)->Flush());  // Flush makes everything acknowledged durable.
        last_synced = id;
      }
    }
    // The power cut: unsynced data vanishes; the DB object dies without a clean close.
    ASSERT_OK(env_->DropUnsyncedData());
    db->reset();
  }
  std::printf("power-cut cycles: %d, writes acknowledged: %zu\n", cycles, history.size() - 1);
}

INSTANTIATE_TEST_SUITE_P(Modes, DBCrashTest,
                         testing::Values(WalRecoveryMode::kTolerateCorruptedTailRecords,
                                         WalRecoveryMode::kPointInTimeRecovery,
                                         WalRecoveryMode::kSkipAnyCorruptedRecords));

}  // namespace
}  // namespace kvlsm
