// Compaction seen from the DB: snapshots keep the versions they see, deletes give space
// back, policies can be switched between opens, power cuts during compactions lose nothing
// acknowledged and leave no orphans, FIFO drops the oldest tables, writers slow down while
// compaction is behind, and bad compaction options are refused.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "kvlsm/compaction_policy.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "kvlsm/fault_injection_env.h"
#include "testutil/crash_history.h"
#include "testutil/test_plugins.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using Model = std::map<std::string, std::string>;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%08d", i);
  return buf;
}

class DBCompactionTest : public testing::Test {
 protected:
  DBCompactionTest() : base_(NewMemEnv()), env_(std::make_unique<FaultInjectionEnv>(base_.get())) {
    options_.env = env_.get();
    options_.create_if_missing = true;
    options_.write_buffer_size = 64 << 10;
    options_.compaction_policy = test::SmallLeveledCompaction();
  }

  void Open() {
    db_.reset();
    auto db = DB::Open(options_, "/db");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  std::string Get(std::string_view key, const Snapshot* snapshot = nullptr) {
    ReadOptions ro;
    ro.snapshot = snapshot;
    std::string value;
    absl::Status s = db_->Get(ro, key, &value);
    if (absl::IsNotFound(s)) return "NOT_FOUND";
    if (!s.ok()) return s.ToString();
    return value;
  }

  uint64_t Property(std::string_view name) { return std::stoull(*db_->GetProperty(name)); }

  int TablesInAllLevels() {
    int total = 0;
    for (int level = 0; level < 7; ++level) {
      total += static_cast<int>(Property(absl::StrCat("kvlsm.num-files-at-level", level)));
    }
    return total;
  }

  size_t FilesEndingWith(std::string_view suffix) {
    auto children = env_->GetChildren("/db");
    EXPECT_TRUE(children.ok());
    size_t n = 0;
    for (const auto& name : *children) n += name.ends_with(suffix) ? 1 : 0;
    return n;
  }

  void CheckModel(const Model& model) {
    auto it = db_->NewIterator(ReadOptions());
    auto expected = model.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
      ASSERT_NE(expected, model.end()) << "extra key " << it->key();
      ASSERT_EQ(it->key(), expected->first);
      ASSERT_EQ(it->value(), expected->second) << expected->first;
    }
    ASSERT_OK(it->status());
    ASSERT_EQ(expected, model.end()) << "missing key " << expected->first;
  }

  std::unique_ptr<Env> base_;
  std::unique_ptr<FaultInjectionEnv> env_;
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(DBCompactionTest, SnapshotsKeepTheVersionsTheySeeUntilReleased) {
  Open();
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v1"));
  ASSERT_OK(db_->Put(WriteOptions(), "gone", "old"));
  const Snapshot* snap = db_->GetSnapshot();
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v2"));
  ASSERT_OK(db_->Delete(WriteOptions(), "gone"));
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  ASSERT_OK(test::WaitForBackgroundWork(db_.get()));
  EXPECT_EQ(Get("k", snap), "v1");
  EXPECT_EQ(Get("gone", snap), "old");
  EXPECT_EQ(Get("k"), "v2");
  EXPECT_EQ(Get("gone"), "NOT_FOUND");
  // Four entries (k: v2 and v1; gone: the value and its tombstone), one of them a deletion.
  EXPECT_EQ(Property("kvlsm.estimate-num-keys"), 3u);
  EXPECT_EQ(TablesInAllLevels(), 1);

  db_->ReleaseSnapshot(snap);
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  EXPECT_EQ(Get("k"), "v2");
  EXPECT_EQ(Get("gone"), "NOT_FOUND");
  // Only k's newest version is left; the tombstone and what it hid are gone.
  EXPECT_EQ(Property("kvlsm.estimate-num-keys"), 1u);
}

TEST_F(DBCompactionTest, FlushWritesOnlyTheVersionsSnapshotsCanSee) {
  options_.compaction_policy = NewFifoCompaction();  // Nothing but the flush rewrites.
  Open();
  for (int i = 0; i < 10; ++i) ASSERT_OK(db_->Put(WriteOptions(), "k", absl::StrCat("v", i)));
  const Snapshot* snap = db_->GetSnapshot();
  for (int i = 10; i < 20; ++i) ASSERT_OK(db_->Put(WriteOptions(), "k", absl::StrCat("v", i)));
  ASSERT_OK(db_->Delete(WriteOptions(), "gone"));
  ASSERT_OK(db_->Flush());
  // k: v19 for now, v9 for the snapshot; the tombstone stays (a table below could hold
  // "gone"): 3 entries of which 1 deletion, where all 21 versions would count 20.
  EXPECT_EQ(Property("kvlsm.estimate-num-keys"), 2u);
  EXPECT_EQ(Get("k", snap), "v9");
  EXPECT_EQ(Get("k"), "v19");
  db_->ReleaseSnapshot(snap);
}

TEST_F(DBCompactionTest, DeletingMostKeysAndCompactingGivesTheSpaceBack) {
  Open();
  const std::string value(100, 'v');
  for (int i = 0; i < 20000; ++i) ASSERT_OK(db_->Put(WriteOptions(), Key(i), value));
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  const uint64_t full = Property("kvlsm.total-table-bytes");
  for (int i = 0; i < 20000; ++i) {
    if (i % 10 != 0) ASSERT_OK(db_->Delete(WriteOptions(), Key(i)));
  }
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  ASSERT_OK(test::WaitForBackgroundWork(db_.get()));
  const uint64_t after = Property("kvlsm.total-table-bytes");
  std::printf("table bytes: %llu with 20000 keys, %llu after deleting 90%% and compacting\n",
              static_cast<unsigned long long>(full), static_cast<unsigned long long>(after));
  EXPECT_LT(after, full / 5);
  EXPECT_EQ(Property("kvlsm.estimate-num-keys"), 2000u);
  // The files on disk are the live tables only.
  EXPECT_EQ(FilesEndingWith(".sst"), static_cast<size_t>(TablesInAllLevels()));
  EXPECT_EQ(Get(Key(10)), value);
  EXPECT_EQ(Get(Key(11)), "NOT_FOUND");
}

TEST_F(DBCompactionTest, PolicyCanSwitchBetweenLeveledAndSizeTieredAcrossReopens) {
  const uint64_t seed = test::TestSeed(7);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  Model model;
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    options_.compaction_policy = round % 2 == 0 ? test::SmallLeveledCompaction() : test::SmallSizeTieredCompaction();
    ASSERT_NO_FATAL_FAILURE(Open());
    ASSERT_NO_FATAL_FAILURE(CheckModel(model));
    for (int i = 0; i < 3000; ++i) {
      const std::string key = Key(static_cast<int>(rnd.Uniform(4000)));
      if (rnd.OneIn(5)) {
        ASSERT_OK(db_->Delete(WriteOptions(), key));
        model.erase(key);
      } else {
        const std::string value = test::RandomString(&rnd, rnd.Uniform(200));
        ASSERT_OK(db_->Put(WriteOptions(), key, value));
        model[key] = value;
      }
    }
    if (round == 3) ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
    ASSERT_OK(test::WaitForBackgroundWork(db_.get()));
    ASSERT_NO_FATAL_FAILURE(CheckModel(model));
  }
}

// Each cycle opens the DB, checks what survived, then writes with small memtables (so
// flushes and compactions run) until a "power cut": from a random I/O operation on, every
// write, sync, open and rename fails, unsynced data is dropped and the DB object dies.
TEST_F(DBCompactionTest, PowerCutDuringCompactionLosesNothingAndLeavesNoOrphans) {
  const uint64_t seed = test::TestSeed(99);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  test::CrashHistory history;
  test::CrashBatchShape shape;
  shape.key_space = 300;
  shape.max_value_bytes = 400;
  shape.delete_one_in = 6;
  int cuts_in_compaction = 0;
  const int cycles = 50;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle));
    ASSERT_NO_FATAL_FAILURE(Open());
    ASSERT_NO_FATAL_FAILURE(history.CheckRecovered(db_.get()));
    // No orphans: once background work settles, the only tables on disk are live ones.
    ASSERT_OK(test::WaitForBackgroundWork(db_.get()));
    ASSERT_EQ(FilesEndingWith(".sst"), static_cast<size_t>(TablesInAllLevels()));
    ASSERT_EQ(FilesEndingWith(".idx"), static_cast<size_t>(TablesInAllLevels()));

    // The cut comes at a random file creation (flushes and compactions create most files)
    // or, rarely, at a random write.
    using Op = FaultInjectionEnv::Op;
    env_->FailOperation(Op::kOpen, 1 + static_cast<int64_t>(rnd.Uniform(16)),
                        FaultInjectionEnv::Error::kIOError, /*persistent=*/true);
    for (Op op : {Op::kWrite, Op::kSync, Op::kRename}) {
      env_->FailOperation(op, 1 + static_cast<int64_t>(rnd.Uniform(2000)),
                          FaultInjectionEnv::Error::kIOError, /*persistent=*/true);
    }
    for (int w = 0; w < 400; ++w) {
      WriteBatch batch = history.NextBatch(&rnd, shape);
      const bool sync = rnd.OneIn(8);
      if (!db_->Write(WriteOptions{.sync = sync}, &batch).ok()) break;  // The disk is gone.
      history.Acknowledge(sync);
    }
    // Let the failure reach any job in progress before the cut (or the jobs finish, when
    // no fault was reached).
    test::WaitForBackgroundWork(db_.get()).IgnoreError();
    const std::string error = *db_->GetProperty("kvlsm.background-error");
    if (error.find("compaction") != std::string::npos) ++cuts_in_compaction;
    // Every file operation fails from here: the machine is off.
    for (Op op : {Op::kWrite, Op::kSync, Op::kRename, Op::kOpen}) {
      env_->FailOperation(op, 1, FaultInjectionEnv::Error::kIOError, /*persistent=*/true);
    }
    ASSERT_OK(env_->DropUnsyncedData());
    db_.reset();
    env_->ClearFaults();
  }
  std::printf("power cuts: %d, of which %d during a compaction; %llu writes acknowledged\n",
              cycles, cuts_in_compaction,
              static_cast<unsigned long long>(history.acknowledged()));
  EXPECT_GT(cuts_in_compaction, 0);
}

TEST_F(DBCompactionTest, FifoDropsTheOldestTablesBeyondItsLimit) {
  FifoCompactionOptions fifo;
  fifo.max_total_bytes = 400 << 10;
  options_.compaction_policy = NewFifoCompaction(fifo);
  Open();
  const std::string value(1000, 'f');
  for (int i = 0; i < 3000; ++i) ASSERT_OK(db_->Put(WriteOptions(), Key(i), value));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(test::WaitForBackgroundWork(db_.get()));
  EXPECT_LE(Property("kvlsm.total-table-bytes"), uint64_t{400} << 10);
  EXPECT_GT(Property("kvlsm.num-compactions"), 0u);
  EXPECT_EQ(Get(Key(2999)), value);
  EXPECT_EQ(Get(Key(0)), "NOT_FOUND");
  // CompactRange never rewrites under FIFO; it only flushes.
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  EXPECT_EQ(Get(Key(2999)), value);
}

// A policy that takes its time: while it decides, compaction counts as running, and writers
// beyond the slowdown trigger are delayed.
class SlowPolicy final : public CompactionPolicy {
 public:
  const char* Name() const override { return "test.SlowPolicy"; }
  std::optional<CompactionPick> Pick(const CompactionPicture&) const override {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return std::nullopt;
  }
  uint64_t EstimatePendingBytes(const CompactionPicture&) const override { return 0; }
};

TEST_F(DBCompactionTest, WritesSlowDownWhileCompactionIsBehind) {
  options_.compaction_policy = std::make_shared<SlowPolicy>();
  options_.level0_slowdown_writes_trigger = 1;
  options_.level0_stop_writes_trigger = 1000;
  options_.delayed_write_rate = 1 << 20;
  Open();
  const std::string value(500, 'w');
  for (int i = 0; i < 3000; ++i) ASSERT_OK(db_->Put(WriteOptions(), Key(i), value));
  EXPECT_GT(Property("kvlsm.num-delayed-writes"), 0u);
  EXPECT_GT(Property("kvlsm.stall-micros"), 0u);
  EXPECT_NE(db_->GetProperty("kvlsm.stats")->find("delayed write groups"), std::string::npos);
}

TEST_F(DBCompactionTest, WritesAreNotHeldBackWhenNoCompactionCouldHelp) {
  // The policy never compacts: level 0 grows past every trigger, and writes go on.
  options_.compaction_policy = NewFifoCompaction();
  options_.level0_slowdown_writes_trigger = 1;
  options_.level0_stop_writes_trigger = 2;
  Open();
  const std::string value(500, 'w');
  for (int i = 0; i < 3000; ++i) ASSERT_OK(db_->Put(WriteOptions(), Key(i), value));
  ASSERT_OK(db_->Flush());
  EXPECT_GT(Property("kvlsm.num-files-at-level0"), 2u);
  EXPECT_EQ(*db_->GetProperty("kvlsm.is-write-stopped"), "0");
}

TEST_F(DBCompactionTest, StatsShowAPerLevelTable) {
  Open();
  const std::string value(200, 's');
  for (int i = 0; i < 5000; ++i) ASSERT_OK(db_->Put(WriteOptions(), Key(i % 2000), value));
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  const std::string stats = *db_->GetProperty("kvlsm.stats");
  EXPECT_NE(stats.find("kvlsm.LeveledCompaction"), std::string::npos) << stats;
  EXPECT_NE(stats.find("w-amp"), std::string::npos) << stats;
  EXPECT_NE(stats.find("  sum "), std::string::npos) << stats;
  EXPECT_NE(stats.find("write amplification:"), std::string::npos) << stats;
  EXPECT_GT(Property("kvlsm.num-compactions"), 0u);
  EXPECT_EQ(Property("kvlsm.estimate-num-keys"), 2000u);
  EXPECT_TRUE(db_->GetProperty("kvlsm.estimate-pending-compaction-bytes").has_value());
}

TEST_F(DBCompactionTest, BadCompactionOptionsAreRefused) {
  auto expect_refused = [&](const Options& options, std::string_view text) {
    auto db = DB::Open(options, "/bad");
    ASSERT_FALSE(db.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(db.status())) << db.status();
    EXPECT_TRUE(test::MessageContains(db.status(), text)) << db.status();
  };
  Options o = options_;
  o.compaction_policy = nullptr;
  expect_refused(o, "compaction_policy is null");
  o = options_;
  LeveledCompactionOptions bad;
  bad.level_size_multiplier = 0.5;
  o.compaction_policy = NewLeveledCompaction(bad);
  expect_refused(o, "Options::compaction_policy (kvlsm.LeveledCompaction): ");
  o = options_;
  o.max_background_jobs = 0;
  expect_refused(o, "max_background_jobs");
  o = options_;
  o.level0_slowdown_writes_trigger = 10;
  o.level0_stop_writes_trigger = 10;
  expect_refused(o, "level0_slowdown_writes_trigger");
  o = options_;
  o.soft_pending_compaction_bytes = 100;
  o.hard_pending_compaction_bytes = 50;
  expect_refused(o, "soft_pending_compaction_bytes");
}

TEST_F(DBCompactionTest, OneBackgroundThreadAndARateLimitStillCompactEverything) {
  options_.max_background_jobs = 1;
  options_.compaction_rate_limit = 64 << 20;
  Open();
  Model model;
  const std::string value(300, 'r');
  for (int i = 0; i < 4000; ++i) {
    const std::string key = Key(i % 1500);
    ASSERT_OK(db_->Put(WriteOptions(), key, value + key));
    model[key] = value + key;
  }
  ASSERT_OK(test::WaitForBackgroundWork(db_.get()));
  EXPECT_GT(Property("kvlsm.num-compactions"), 0u);
  ASSERT_NO_FATAL_FAILURE(CheckModel(model));
}

}  // namespace
}  // namespace kvlsm
