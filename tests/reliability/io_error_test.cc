// I/O-error loops: for each scenario (a flush, a range compaction, WAL writes that seal a
// memtable, a recovery that writes tables and switches the MANIFEST), each kind of
// operation (write, sync, open, rename, read), EIO and ENOSPC, once and persistently:
// fail operation N = 1, 2, ... of that kind until N passes the number the scenario does.
// reliability/io_error_loop.h lists what is checked at each point; resume_test.cc goes on
// past each fault with DB::Resume.
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "reliability/intercept_env.h"
#include "reliability/io_error_loop.h"
#include "testutil/testutil.h"

namespace kvlsm::test {
namespace {

class IoErrorLoopTest : public testing::TestWithParam<Scenario> {};

TEST_P(IoErrorLoopTest, EveryOperationFailsOnceAndPersistently) {
  LoopStats stats;
  ASSERT_NO_FATAL_FAILURE(RunFaultPoints(GetParam(), &stats, [](const FaultPoint&, FaultedDb*) {}));
  EXPECT_GT(stats.points, 0);
  std::printf("%s: %s\n", ScenarioName(GetParam()), stats.ToString().c_str());
}

// The DB the focused tests below start from: `env`, created when missing.
Options SmallDbOptions(Env* env) {
  Options options;
  options.env = env;
  options.create_if_missing = true;
  return options;
}

// Writes three overlapping level-0 tables of 40 puts each, recording them in *model.
void WriteThreeTables(DB* db, Model* model) {
  for (int table = 0; table < 3; ++table) {
    for (int i = 0; i < 40; ++i) {
      const std::string key = absl::StrFormat("key%03d", (i * 7 + table) % 60);
      const std::string value = absl::StrFormat("value-%d-%d", table, i);
      ASSERT_OK(db->Put(WriteOptions(), key, value));
      (*model)[key] = value;
    }
    ASSERT_OK(db->Flush());
  }
}

// An I/O error opening the MANIFEST during DB::Open is the I/O error, not DataLoss (which
// would tell the user the DB is damaged). Open's second file open is the MANIFEST (the
// first reads CURRENT); failing it once with EIO gives Internal, as every other failed
// operation does.
TEST(IoErrorTest, IoErrorOpeningTheManifestIsNotDataLoss) {
  std::unique_ptr<Env> base = NewMemEnv();
  FaultInjectionEnv env(base.get());
  const Options options = SmallDbOptions(&env);
  {
    auto db = DB::Open(options, "/db");
    ASSERT_OK(db);
    ASSERT_OK((*db)->Put(WriteOptions{.sync = true}, "key", "value"));
  }
  env.FailOperation(FaultInjectionEnv::Op::kOpen, 2, FaultInjectionEnv::Error::kIOError,
                    /*persistent=*/false);
  auto db = DB::Open(options, "/db");
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(MessageContains(db.status(), "MANIFEST")) << db.status();
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInternal) << db.status();
}

// Fails the first Sync of a MANIFEST after Arm().
class FailManifestSyncEnv final : public InterceptEnv {
 public:
  using InterceptEnv::InterceptEnv;
  void Arm() { armed_ = true; }

 protected:
  absl::Status Before(const Operation& op) override {
    if (op.kind != OpKind::kSync || DbFileKind(op.file) != "manifest" || !armed_.exchange(false)) {
      return absl::OkStatus();
    }
    return absl::InternalError(absl::StrFormat("I/O error: sync %s (injected fault)", op.file));
  }

 private:
  std::atomic<bool> armed_{false};
};

// A compaction whose MANIFEST sync fails keeps its output tables: the edit naming them is
// in the MANIFEST file (appended and flushed; only the fsync failed, so after a process
// restart, or a clean close, the OS still has it). Deleting them would make the reopen fail
// with DataLoss ("table file ..., named by the MANIFEST, cannot be read").
TEST(IoErrorTest, CompactionKeepsItsOutputsWhenTheManifestSyncFails) {
  std::unique_ptr<Env> base = NewMemEnv();
  FailManifestSyncEnv env(base.get());
  const Options options = SmallDbOptions(&env);
  Model model;
  {
    auto db = DB::Open(options, "/db");
    ASSERT_OK(db);
    ASSERT_NO_FATAL_FAILURE(WriteThreeTables(db->get(), &model));
    env.Arm();
    const absl::Status s = (*db)->CompactRange(std::nullopt, std::nullopt);
    ASSERT_FALSE(s.ok());  // The MANIFEST sync failed.
  }
  // A restart: no power cut, so the MANIFEST holds the compaction's edit.
  auto db = DB::Open(options, "/db");
  ASSERT_OK(db);
  Model recovered;
  ASSERT_OK(ReadAll(db->get(), &recovered));
  EXPECT_TRUE(recovered == model);
}

// A compaction whose inputs all fail at their first read (here a persistent EIO on reads)
// reports the I/O error. (It once saw an empty input: DataLoss from the entry-count check
// with paranoid_checks, and without them a successful compaction that lost every key.)
TEST(IoErrorTest, CompactionReadErrorIsReported) {
  for (bool paranoid : {true, false}) {
    SCOPED_TRACE(paranoid ? "paranoid_checks" : "no paranoid_checks");
    std::unique_ptr<Env> base = NewMemEnv();
    FaultInjectionEnv env(base.get());
    Options options = SmallDbOptions(&env);
    options.paranoid_checks = paranoid;
    Model model;
    {
      auto db = DB::Open(options, "/db");
      ASSERT_OK(db);
      ASSERT_NO_FATAL_FAILURE(WriteThreeTables(db->get(), &model));
      env.FailOperation(FaultInjectionEnv::Op::kRead, 1, FaultInjectionEnv::Error::kIOError,
                        /*persistent=*/true);
      const absl::Status s = (*db)->CompactRange(std::nullopt, std::nullopt);
      EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
      EXPECT_TRUE(MessageContains(s, "injected fault")) << s;
      env.ClearFaults();
    }
    auto db = DB::Open(options, "/db");
    ASSERT_OK(db);
    Model recovered;
    ASSERT_OK(ReadAll(db->get(), &recovered));
    EXPECT_EQ(recovered.size(), model.size());
    EXPECT_TRUE(recovered == model);
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, IoErrorLoopTest,
                         testing::Values(Scenario::kFlush, Scenario::kCompaction,
                                         Scenario::kWalWrites, Scenario::kRecovery),
                         ScenarioTestName);

}  // namespace
}  // namespace kvlsm::test
