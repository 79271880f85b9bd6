// Simulated power loss at any moment. The power goes out at a random file-system
// operation: one of the writer's, of a background flush (or compaction), or of a
// recovery; from then on every operation fails, so nothing later reaches the disk. The
// fault-injecting Env then drops what was not synced (file tails, directory entries not
// made durable by a SyncDir) and the DB is reopened. Every synced write (and everything a
// successful Flush covered) must be there, the recovered state must be the state after a
// prefix of the writes (no holes), and the MANIFEST must be intact.
//
// Half the cycles go further than dropping every unsynced byte: each file keeps a random
// prefix of its unsynced tail, as a file system that wrote some of its dirty pages before
// the cut leaves it, so recovery meets torn records and half-written edits too.
//
// The writes are the shared workload (reliability/workload.h): puts, deletes and merges in
// synced and unsynced batches, with flushes, range compactions, reads and snapshots
// between them, under compaction policies small enough that background compactions run
// every few flushes.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "kvlsm/fault_injection_env.h"
#include "reliability/db_image.h"
#include "reliability/intercept_env.h"
#include "reliability/workload.h"
#include "testutil/test_plugins.h"
#include "testutil/testutil.h"
#include "util/mutex.h"

namespace kvlsm::test {
namespace {

// Refuses every operation after a chosen one, as a machine without power would.
class PowerCutEnv final : public InterceptEnv {
 public:
  using InterceptEnv::InterceptEnv;

  // Lets `operations` more operations happen, then cuts the power.
  void CutAfter(int64_t operations) {
    MutexLock l(&mu_);
    armed_ = true;
    remaining_ = operations;
  }
  // Cuts the power now, unless it is already cut.
  void CutNow() {
    MutexLock l(&mu_);
    armed_ = true;
    remaining_ = 0;
  }
  bool cut() const {
    MutexLock l(&mu_);
    return !cut_file_kind_.empty();
  }
  // The kind of file (DbFileKind, or "directory") of the first refused operation, or ""
  // when none was.
  std::string cut_file_kind() const {
    MutexLock l(&mu_);
    return cut_file_kind_;
  }
  // The power is back.
  void Restore() {
    MutexLock l(&mu_);
    armed_ = false;
    cut_file_kind_.clear();
  }

 protected:
  absl::Status Before(const Operation& op) override {
    MutexLock l(&mu_);
    if (!armed_) return absl::OkStatus();
    if (remaining_ > 0) {
      --remaining_;
      return absl::OkStatus();
    }
    if (cut_file_kind_.empty()) {
      const bool directory = op.kind == OpKind::kSyncDir || op.kind == OpKind::kCreateDir ||
                             op.kind == OpKind::kRemoveDir;
      cut_file_kind_ = directory ? "directory" : std::string(DbFileKind(op.file));
    }
    return absl::InternalError(absl::StrFormat("I/O error: %s (power cut)", op.file));
  }

 private:
  mutable Mutex mu_;
  bool armed_ ABSL_GUARDED_BY(mu_) = false;
  int64_t remaining_ ABSL_GUARDED_BY(mu_) = 0;
  std::string cut_file_kind_ ABSL_GUARDED_BY(mu_);
};

// Operations a cut is chosen among: about what one cycle's workload does.
constexpr int kMaxCutOperations = 250;
// Operations a cut during recovery is chosen among.
constexpr int kMaxRecoveryCutOperations = 60;
// A fresh DB every this many cycles; the DBs alternate between a small leveled and a
// small size-tiered compaction policy, so that compactions run (and get cut) often.
constexpr int kCyclesPerDb = 40;

struct Stats {
  int cycles = 0;
  int cuts_in_workload = 0;  // The power went out during the workload's I/O.
  int cuts_in_recovery = 0;  // ... during DB::Open.
  int cuts_when_idle = 0;    // ... after the workload, background work possibly running.
  std::map<std::string, int> cuts_by_file;  // Kind of file the cut operation was on.
  int partial_tail_cycles = 0;
  int files_with_partial_tail = 0;
  int writes_acknowledged = 0;
  int writes_synced = 0;
  int recovered_beyond_durable = 0;  // Unsynced writes that survived a cut.
  int flushes = 0;
  int compactions = 0;
  int snapshot_reads = 0;
};

class PowerLossTest : public testing::Test {
 protected:
  PowerLossTest() : base_(NewMemEnv()), faults_(base_.get()), env_(&faults_) {
    options_.env = &env_;
    options_.create_if_missing = true;
    options_.write_buffer_size = 64 << 10;
    options_.max_write_buffer_number = 3;
    options_.block_size = 1024;
    options_.merge_operator = std::make_shared<PlusAppendOperator>();
    workload_.num_keys = 150;
    workload_.max_value_size = 2000;
  }

  // Fails the test unless the power is out: a DB call may fail only then.
  void ExpectCut(const absl::Status& s) {
    ASSERT_TRUE(env_.cut()) << "failed with the power on: " << s;
  }

  // One step of the workload; sets *stop once the power is out.
  void Step(DB* db, History* history, Random* rnd, bool* stop) {
    const uint64_t r = rnd->Uniform(100);
    if (r < 80) {
      const WorkloadWrite write = MakeWrite(history->options(), history->next_id());
      WriteBatch batch = write.ToBatch();
      const absl::Status s = db->Write(WriteOptions{.sync = write.sync}, &batch);
      history->Record(write, s.ok());
      if (!s.ok()) {
        *stop = true;
        return ExpectCut(s);
      }
      ++stats_.writes_acknowledged;
      stats_.writes_synced += write.sync;
    } else if (r < 84) {
      const absl::Status s = db->Flush();
      if (!s.ok()) {
        *stop = true;
        return ExpectCut(s);
      }
      history->MarkDurable();
      ++stats_.flushes;
    } else if (r < 88) {
      std::optional<std::string> begin, end;
      if (rnd->OneIn(2)) begin = WorkloadKey(rnd->Uniform(workload_.num_keys / 2));
      if (rnd->OneIn(2))
        end = WorkloadKey(workload_.num_keys / 2 + rnd->Uniform(workload_.num_keys / 2));
      const absl::Status s = db->CompactRange(begin, end);
      if (!s.ok()) {
        *stop = true;
        return ExpectCut(s);
      }
      ++stats_.compactions;
    } else if (r < 96) {
      const std::string key = WorkloadKey(rnd->Uniform(workload_.num_keys));
      std::string value;
      const absl::Status s = db->Get(ReadOptions(), key, &value);
      auto expected = history->Current().find(key);
      if (s.ok()) {
        ASSERT_NE(expected, history->Current().end()) << key << " should not exist";
        ASSERT_EQ(value, expected->second) << key;
      } else if (absl::IsNotFound(s)) {
        ASSERT_EQ(expected, history->Current().end()) << key << " is missing";
      } else {
        *stop = true;
        return ExpectCut(s);
      }
    } else {
      // A snapshot read: a write after the snapshot must stay invisible through it.
      const Snapshot* snapshot = db->GetSnapshot();
      const Model at_snapshot = history->Current();
      const WorkloadWrite write = MakeWrite(history->options(), history->next_id());
      WriteBatch batch = write.ToBatch();
      absl::Status s = db->Write(WriteOptions{.sync = write.sync}, &batch);
      history->Record(write, s.ok());
      Model seen;
      if (s.ok()) s = ReadAll(db, &seen, snapshot);
      db->ReleaseSnapshot(snapshot);
      if (!s.ok()) {
        *stop = true;
        return ExpectCut(s);
      }
      ASSERT_EQ(seen, at_snapshot) << DescribeDifference(at_snapshot, seen);
      ++stats_.snapshot_reads;
    }
  }

  // After a cut, each file keeps a random prefix of the unsynced tail it lost (`before`:
  // the files as they were before the unsynced data was dropped).
  void KeepPartOfUnsyncedTails(const DbImage& before, Random* rnd) {
    DbImage after;
    ASSERT_OK(ReadImage(base_.get(), "/db", &after));
    for (const auto& [name, contents] : after) {
      auto it = before.find(name);
      if (it == before.end()) continue;
      const std::string& lost = it->second;
      // Only a file cut back to its synced prefix (not one a rename put back).
      if (lost.size() <= contents.size() || !lost.starts_with(contents)) continue;
      const size_t kept = rnd->Uniform(lost.size() - contents.size() + 1);
      if (kept == 0) continue;
      ASSERT_OK(WriteStringToFile(base_.get(), lost.substr(0, contents.size() + kept),
                                  "/db/" + name, /*sync=*/true));
      ++stats_.files_with_partial_tail;
    }
  }

  // One cycle: open (verifying what was recovered), run the workload until the power goes
  // out, drop what was not durable.
  void Cycle(History* history, Random* rnd) {
    const bool cut_in_recovery = rnd->OneIn(8);
    if (cut_in_recovery) env_.CutAfter(1 + rnd->Uniform(kMaxRecoveryCutOperations));
    {
      auto db = DB::Open(options_, "/db");
      if (!db.ok()) {
        ASSERT_NO_FATAL_FAILURE(ExpectCut(db.status()));
      }
      if (env_.cut()) {
        // The cut came during recovery (Open may still succeed when only the removal of
        // an obsolete file failed); the next cycle checks what survived.
        ++stats_.cuts_in_recovery;
      } else {
        env_.Restore();  // Recovery finished before the chosen operation.
        Model recovered;
        ASSERT_OK(ReadAll(db->get(), &recovered));
        stats_.recovered_beyond_durable += LastWrite(recovered) > history->last_durable();
        ASSERT_OK(history->CheckRecovered(recovered, /*all_acknowledged=*/false));
        env_.CutAfter(1 + rnd->Uniform(kMaxCutOperations));
        const int steps = 1 + static_cast<int>(rnd->Uniform(100));
        bool stop = false;
        for (int i = 0; i < steps && !stop; ++i) {
          ASSERT_NO_FATAL_FAILURE(Step(db->get(), history, rnd, &stop));
        }
        if (env_.cut()) {
          ++stats_.cuts_in_workload;
        } else {
          env_.CutNow();  // Background flushes may still be running.
          ++stats_.cuts_when_idle;
        }
      }
      // The DB object dies without power: nothing it does now reaches the disk.
    }
    if (!env_.cut_file_kind().empty()) ++stats_.cuts_by_file[env_.cut_file_kind()];
    env_.Restore();
    const bool partial_tails = rnd->OneIn(2);
    DbImage before;
    if (partial_tails) ASSERT_OK(ReadImage(base_.get(), "/db", &before));
    ASSERT_OK(faults_.DropUnsyncedData());
    if (partial_tails) {
      ASSERT_NO_FATAL_FAILURE(KeepPartOfUnsyncedTails(before, rnd));
      ++stats_.partial_tail_cycles;
    }
    if (env_.FileExists("/db/CURRENT")) ASSERT_OK(CheckManifestIntact(base_.get(), "/db"));
    ++stats_.cycles;
  }

  std::unique_ptr<Env> base_;
  FaultInjectionEnv faults_;
  PowerCutEnv env_;
  Options options_;
  WorkloadOptions workload_;
  Stats stats_;
};

TEST_F(PowerLossTest, CutAtRandomOperationsKeepsSyncedWritesAndAPrefix) {
  const uint64_t seed = TestSeed(20251121);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  const int cycles = LongTestsEnabled() ? 20000 : 1200;
  for (int db_number = 0; stats_.cycles < cycles; ++db_number) {
    workload_.seed = seed + db_number;
    options_.compaction_policy =
        db_number % 2 == 0 ? SmallLeveledCompaction() : SmallSizeTieredCompaction();
    History history(workload_);
    ASSERT_OK(DestroyDB("/db", options_));
    for (int i = 0; i < kCyclesPerDb && stats_.cycles < cycles; ++i) {
      SCOPED_TRACE(absl::StrFormat("DB %d, cycle %d", db_number, i));
      ASSERT_NO_FATAL_FAILURE(Cycle(&history, &rnd));
    }
  }
  EXPECT_GT(stats_.cuts_by_file["sst"] + stats_.cuts_by_file["idx"], 0);
  EXPECT_GT(stats_.cuts_by_file["manifest"], 0);
  EXPECT_GT(stats_.recovered_beyond_durable, 0);
  std::string by_file;
  for (const auto& [kind, n] : stats_.cuts_by_file) {
    absl::StrAppendFormat(&by_file, " %s=%d", kind.empty() ? "none" : kind, n);
  }
  std::printf(
      "power-loss cycles: %d (cut in workload %d, in recovery %d, when idle %d; cut "
      "operation on:%s); partial unsynced tails kept in %d cycles (%d files); writes "
      "acknowledged %d (synced %d); unsynced writes survived in %d cycles; flushes %d, "
      "range compactions %d, snapshot reads %d\n",
      stats_.cycles, stats_.cuts_in_workload, stats_.cuts_in_recovery, stats_.cuts_when_idle,
      by_file.c_str(), stats_.partial_tail_cycles, stats_.files_with_partial_tail,
      stats_.writes_acknowledged, stats_.writes_synced, stats_.recovered_beyond_durable,
      stats_.flushes, stats_.compactions, stats_.snapshot_reads);
}

}  // namespace
}  // namespace kvlsm::test
