// Power cuts and I/O errors during a flush and its MANIFEST write, and during a recovery.
// For every point in the sequence of writes, syncs, opens and renames: fail that
// operation, cut the power (drop everything unsynced), reopen, and check that every synced
// write is there.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "kvlsm/fault_injection_env.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using Op = FaultInjectionEnv::Op;

std::string Key(int i) { return "key" + std::to_string(i); }
std::string Value(int i) { return std::string(200, 'a' + i % 26) + std::to_string(i); }

// Writes keys 0..n-1, each synced.
void PutSynced(DB* db, int n) {
  for (int i = 0; i < n; ++i) ASSERT_OK(db->Put(WriteOptions{.sync = true}, Key(i), Value(i)));
}

// Checks that keys 0..n-1 hold their values.
void ExpectAllPresent(DB* db, int n) {
  for (int i = 0; i < n; ++i) {
    std::string value;
    ASSERT_OK(db->Get(ReadOptions(), Key(i), &value));
    ASSERT_EQ(value, Value(i));
  }
}

struct Case {
  Op op;
  const char* name;
};

class DBFlushFaultTest : public testing::TestWithParam<Case> {};
class DBRecoveryFaultTest : public testing::TestWithParam<Case> {};

TEST_P(DBFlushFaultTest, PowerCutAtEveryOperationOfAFlush) {
  const Op op = GetParam().op;
  int points = 0;
  for (int n = 1; n <= 40; ++n) {
    SCOPED_TRACE(std::string(GetParam().name) + " #" + std::to_string(n));
    auto base = NewMemEnv();
    FaultInjectionEnv env(base.get());
    Options options;
    options.env = &env;
    options.create_if_missing = true;
    options.write_buffer_size = 1 << 20;  // Only the explicit Flush seals the memtable.
    constexpr int kKeys = 200;
    {
      auto db = DB::Open(options, "/db");
      ASSERT_OK(db);
      ASSERT_NO_FATAL_FAILURE(PutSynced(db->get(), kKeys));
      const int64_t before = env.OperationCount(op);
      env.FailOperation(op, n, FaultInjectionEnv::Error::kIOError, /*persistent=*/false);
      absl::Status flushed = (*db)->Flush();
      const int64_t used = env.OperationCount(op) - before;
      if (flushed.ok() && env.InjectedFailures() == 0) {
        // The flush needed fewer than n operations of this kind: every point was tried.
        env.ClearFaults();
        break;
      }
      ++points;
      if (!flushed.ok()) {
        EXPECT_TRUE(test::MessageContains(flushed, "injected fault")) << flushed;
        EXPECT_NE((*db)->GetProperty("kvlsm.background-error"), "OK");
        // Writes are refused with the cause; reads go on.
        absl::Status w = (*db)->Put(WriteOptions(), "after", "x");
        EXPECT_TRUE(test::MessageContains(w, "read-only")) << w;
        std::string value;
        EXPECT_OK((*db)->Get(ReadOptions(), Key(0), &value));
      }
      EXPECT_GE(used, 1);
      env.ClearFaults();
      ASSERT_OK(env.DropUnsyncedData());  // The power cut.
    }
    auto db = DB::Open(options, "/db");
    ASSERT_OK(db);
    ASSERT_NO_FATAL_FAILURE(ExpectAllPresent(db->get(), kKeys));
    // And the DB works on: a flush now succeeds.
    ASSERT_OK((*db)->Put(WriteOptions(), "later", "x"));
    ASSERT_OK((*db)->Flush());
  }
  EXPECT_GT(points, 0);
  std::printf("flush fault points tried for %s: %d\n", GetParam().name, points);
}

// Opening a DB whose WAL holds data writes that data as tables, starts a new MANIFEST and
// switches CURRENT to it (a rename): cut the power at each of those operations.
TEST_P(DBRecoveryFaultTest, PowerCutAtEveryOperation) {
  const Op op = GetParam().op;
  int points = 0;
  for (int n = 1; n <= 40; ++n) {
    SCOPED_TRACE(std::string(GetParam().name) + " #" + std::to_string(n));
    auto base = NewMemEnv();
    FaultInjectionEnv env(base.get());
    Options options;
    options.env = &env;
    options.create_if_missing = true;
    constexpr int kKeys = 100;
    {
      auto db = DB::Open(options, "/db");
      ASSERT_OK(db);
      ASSERT_NO_FATAL_FAILURE(PutSynced(db->get(), kKeys));
    }
    env.FailOperation(op, n, FaultInjectionEnv::Error::kNoSpace, /*persistent=*/false);
    {
      auto db = DB::Open(options, "/db");
      const bool failed = env.InjectedFailures() > 0;
      env.ClearFaults();
      if (!failed) {
        ASSERT_OK(db);
        break;  // Every point was tried.
      }
      ++points;
      if (!db.ok()) {
        EXPECT_TRUE(test::MessageContains(db.status(), "injected fault")) << db.status();
      }
      ASSERT_OK(env.DropUnsyncedData());
    }
    auto db = DB::Open(options, "/db");
    ASSERT_OK(db);
    ASSERT_NO_FATAL_FAILURE(ExpectAllPresent(db->get(), kKeys));
  }
  EXPECT_GT(points, 0);
  std::printf("recovery fault points tried for %s: %d\n", GetParam().name, points);
}

INSTANTIATE_TEST_SUITE_P(Ops, DBFlushFaultTest,
                         testing::Values(Case{Op::kWrite, "write"}, Case{Op::kSync, "sync"},
                                         Case{Op::kOpen, "open"}),
                         [](const testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });
INSTANTIATE_TEST_SUITE_P(Ops, DBRecoveryFaultTest,
                         testing::Values(Case{Op::kWrite, "write"}, Case{Op::kSync, "sync"},
                                         Case{Op::kOpen, "open"}, Case{Op::kRename, "rename"}),
                         [](const testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace kvlsm
