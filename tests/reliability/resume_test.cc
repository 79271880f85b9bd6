// DB::Resume after I/O errors: the second half of the I/O-error loops.
//
// For every point of the loops of io_error_test.cc (each scenario, operation kind, N,
// EIO and ENOSPC, once and persistently) that leaves the DB read-only:
//   - while a persistent fault lasts, Resume either fails with the cause and the DB stays
//     read-only, or (when Resume's own I/O misses the fault) succeeds;
//   - once the fault is cleared, Resume succeeds, kvlsm.background-error is "OK", and the
//     DB takes synced and unsynced writes and flushes again;
//   - the DB still holds exactly the acknowledged writes, and after closing, every one of
//     them survives a process crash and every durable one a power cut, as a prefix: a
//     write acknowledged after Resume never survives without the writes acknowledged
//     before the fault (so a resumed DB must not count on a WAL whose sync failed);
//   - no Sync that failed is retried on the same file and taken for success
//     (AuditEnv, in FaultedDb::CloseAndCheckReopen).
#include <cstdio>

#include <gtest/gtest.h>

#include "reliability/io_error_loop.h"
#include "testutil/testutil.h"

namespace kvlsm::test {
namespace {

class ResumeTest : public testing::TestWithParam<Scenario> {};

// Resume, with the fault still there (when persistent) and then cleared; then writes.
void ResumeAndWrite(const FaultPoint& point, FaultedDb* db) {
  if (point.persistent) {
    const absl::Status still = db->db()->Resume();
    if (!still.ok()) {
      EXPECT_TRUE(MessageContains(still, "injected fault")) << still;
      EXPECT_TRUE(db->read_only());
      EXPECT_FALSE(db->WriteNext().ok());
    }
  }
  db->faults()->ClearFaults();
  ASSERT_OK(db->db()->Resume());
  EXPECT_EQ(db->db()->GetProperty("kvlsm.background-error"), "OK");
  for (int i = 0; i < 30; ++i) ASSERT_OK(db->WriteNext());
  ASSERT_OK(db->db()->Flush());
  db->history()->MarkDurable();
  for (int i = 0; i < 10; ++i) ASSERT_OK(db->WriteNext());  // Some synced, some not.
  ASSERT_NO_FATAL_FAILURE(db->CheckReadable());
}

TEST_P(ResumeTest, WritesAgainOnceTheFaultClears) {
  LoopStats stats;
  int resumed = 0;
  ASSERT_NO_FATAL_FAILURE(
      RunFaultPoints(GetParam(), &stats, [&](const FaultPoint& point, FaultedDb* db) {
        if (db->db() == nullptr || !db->read_only()) return;
        ASSERT_NO_FATAL_FAILURE(ResumeAndWrite(point, db));
        ++resumed;
      }));
  std::printf("%s: resumed after %d of %s\n", ScenarioName(GetParam()), resumed,
              stats.ToString().c_str());
}

// On a healthy DB, Resume is OK and changes nothing.
TEST(ResumeHealthyTest, ResumeWithoutAnErrorIsANoOp) {
  FaultedDb db(FaultPoint{Scenario::kFlush});
  ASSERT_NO_FATAL_FAILURE(db.Prepare());
  ASSERT_OK(db.db()->Resume());
  ASSERT_OK(db.WriteNext());
  ASSERT_NO_FATAL_FAILURE(db.CheckReadable());
  ASSERT_NO_FATAL_FAILURE(db.CloseAndCheckReopen());
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ResumeTest,
                         testing::Values(Scenario::kFlush, Scenario::kCompaction,
                                         Scenario::kWalWrites),
                         ScenarioTestName);

}  // namespace
}  // namespace kvlsm::test
