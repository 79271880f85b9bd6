// The I/O-error loops (docs/reliability.md, "I/O errors"), shared by io_error_test.cc and
// the DB::Resume tests.
//
// A FaultPoint names a scenario (a flush, a range compaction, a run of WAL writes that
// seals a memtable, a recovery that writes tables and switches the MANIFEST), a kind of
// operation, N, an error (EIO or ENOSPC) and whether the fault persists. FaultedDb builds
// the scenario's DB on the in-memory Env, makes operation N of that kind fail, runs the
// scenario, and checks:
//   - the failure surfaces with its cause ("injected fault", the errno's status code);
//   - the DB stays readable, with exactly the acknowledged writes, and once it is
//     read-only (kvlsm.background-error) refuses writes, naming the cause;
//   - no file handle whose Sync failed is ever synced again successfully (a failed fsync
//     is never retried and taken for success);
//   - after the DB is closed and the fault cleared, the files as the OS holds them (a
//     process crash) reopen with every acknowledged write, and the files after a power
//     cut (unsynced data dropped) reopen with every durable write, each time a prefix of
//     the writes, with an intact MANIFEST.
#ifndef KVLSM_TESTS_RELIABILITY_IO_ERROR_LOOP_H_
#define KVLSM_TESTS_RELIABILITY_IO_ERROR_LOOP_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

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

enum class Scenario { kFlush, kCompaction, kWalWrites, kRecovery };

// Also the suffix of the parameterized tests' names.
inline const char* ScenarioName(Scenario s) {
  switch (s) {
    case Scenario::kFlush:
      return "Flush";
    case Scenario::kCompaction:
      return "Compaction";
    case Scenario::kWalWrites:
      return "WalWrites";
    case Scenario::kRecovery:
      return "Recovery";
  }
  return "Unknown";
}

inline const char* OpName(FaultInjectionEnv::Op op) {
  switch (op) {
    case FaultInjectionEnv::Op::kWrite:
      return "write";
    case FaultInjectionEnv::Op::kSync:
      return "sync";
    case FaultInjectionEnv::Op::kRename:
      return "rename";
    case FaultInjectionEnv::Op::kOpen:
      return "open";
    case FaultInjectionEnv::Op::kRead:
      return "read";
  }
  return "?";
}

struct FaultPoint {
  Scenario scenario = Scenario::kFlush;
  FaultInjectionEnv::Op op = FaultInjectionEnv::Op::kWrite;
  int64_t n = 1;
  FaultInjectionEnv::Error error = FaultInjectionEnv::Error::kIOError;
  bool persistent = false;

  std::string ToString() const {
    return absl::StrFormat("%s: %s #%d fails with %s%s", ScenarioName(scenario), OpName(op), n,
                           error == FaultInjectionEnv::Error::kIOError ? "EIO" : "ENOSPC",
                           persistent ? ", persistently" : ", once");
  }
};

// Watches every operation: the kind of file the first injected failure hit, and Syncs
// that succeed on a handle whose earlier Sync failed.
class AuditEnv final : public InterceptEnv {
 public:
  using InterceptEnv::InterceptEnv;

  int64_t sync_retries() const {
    MutexLock l(&mu_);
    return sync_retries_;
  }
  std::string failed_file_kind() const {
    MutexLock l(&mu_);
    return failed_file_kind_;
  }

 protected:
  void After(const Operation& op, const absl::Status& result) override {
    MutexLock l(&mu_);
    if (!result.ok() && MessageContains(result, "injected fault") && failed_file_kind_.empty()) {
      failed_file_kind_ =
          op.kind == OpKind::kSyncDir ? "directory" : std::string(DbFileKind(op.file));
    }
    if (op.kind != OpKind::kSync) return;
    if (!result.ok()) {
      failed_syncs_.insert(op.handle);
    } else if (failed_syncs_.contains(op.handle)) {
      ++sync_retries_;
    }
  }

 private:
  mutable Mutex mu_;
  std::set<uint64_t> failed_syncs_ ABSL_GUARDED_BY(mu_);
  int64_t sync_retries_ ABSL_GUARDED_BY(mu_) = 0;
  std::string failed_file_kind_ ABSL_GUARDED_BY(mu_);
};

// One DB built for a scenario, hit by one fault. Methods report failures through gtest;
// call them with ASSERT_NO_FATAL_FAILURE.
class FaultedDb {
 public:
  explicit FaultedDb(const FaultPoint& point)
      : point_(point),
        base_(NewMemEnv()),
        faults_(base_.get()),
        env_(&faults_),
        history_(WorkloadOptions{.seed = 9, .num_keys = 100}) {
    options_.env = &env_;
    options_.create_if_missing = true;
    options_.merge_operator = std::make_shared<PlusAppendOperator>();
    options_.block_size = 1024;
    // Only the WAL scenario fills memtables; the others seal them by Flush alone.
    options_.write_buffer_size = point.scenario == Scenario::kWalWrites ? 64 << 10 : 4 << 20;
  }

  // Writes that fill the memtable in the WAL scenario up to about where the action's
  // writes seal it.
  static constexpr int kWalPrepareWrites = 170;
  static constexpr int kWalActionWrites = 60;

  DB* db() const { return db_.get(); }
  History* history() { return &history_; }
  FaultInjectionEnv* faults() { return &faults_; }
  const absl::Status& action_status() const { return action_status_; }
  // Whether the fault fired: false once N is past the operations the scenario does.
  bool hit() const { return faults_.InjectedFailures() > 0; }
  bool read_only() const {
    return db_ != nullptr && db_->GetProperty("kvlsm.background-error") != "OK";
  }
  std::string failed_file_kind() const { return env_.failed_file_kind(); }
  // Reads may fail (never return wrong data) while the fault stops reads or opens.
  bool reads_may_fail() const {
    return point_.op == FaultInjectionEnv::Op::kRead ||
           (point_.op == FaultInjectionEnv::Op::kOpen && point_.persistent);
  }

  // Issues the next workload write; records its outcome in the history.
  absl::Status WriteNext() {
    const WorkloadWrite write = MakeWrite(history_.options(), history_.next_id());
    WriteBatch batch = write.ToBatch();
    const absl::Status s = db_->Write(WriteOptions{.sync = write.sync}, &batch);
    history_.Record(write, s.ok());
    return s;
  }

  // Builds the DB the scenario starts from. No fault is armed yet.
  void Prepare() {
    OpenDb();
    switch (point_.scenario) {
      case Scenario::kFlush:
        for (int i = 0; i < 120; ++i) ASSERT_OK(WriteNext());
        break;
      case Scenario::kCompaction:
        // Three overlapping level-0 tables (and today's CompactRange merges nothing, so
        // the loop covers what it does: sealing an empty memtable and syncing the WAL).
        for (int table = 0; table < 3; ++table) {
          for (int i = 0; i < 40; ++i) ASSERT_OK(WriteNext());
          ASSERT_OK(db_->Flush());
          history_.MarkDurable();
        }
        break;
      case Scenario::kWalWrites:
        for (int i = 0; i < kWalPrepareWrites; ++i) ASSERT_OK(WriteNext());
        break;
      case Scenario::kRecovery:
        for (int i = 0; i < 100; ++i) ASSERT_OK(WriteNext());
        db_.reset();  // Closed cleanly: the WAL holds the writes; Open will flush them.
        break;
    }
  }

  // Arms the fault and runs the scenario's action, then waits for background work.
  void Act() {
    faults_.FailOperation(point_.op, point_.n, point_.error, point_.persistent);
    switch (point_.scenario) {
      case Scenario::kFlush:
        action_status_ = db_->Flush();
        if (action_status_.ok()) history_.MarkDurable();
        break;
      case Scenario::kCompaction:
        action_status_ = db_->CompactRange(std::nullopt, std::nullopt);
        break;
      case Scenario::kWalWrites:
        for (int i = 0; i < kWalActionWrites && action_status_.ok(); ++i) {
          action_status_ = WriteNext();
        }
        break;
      case Scenario::kRecovery: {
        auto db = DB::Open(options_, "/db");
        action_status_ = db.status();
        if (db.ok()) db_ = *std::move(db);
        break;
      }
    }
    WaitForBackgroundWork();
  }

  // The checks while the DB is open after the fault (the fault still armed).
  void CheckAfterFault() {
    if (!action_status_.ok()) {
      EXPECT_TRUE(MessageContains(action_status_, "injected fault")) << action_status_;
      EXPECT_EQ(action_status_.code(), point_.error == FaultInjectionEnv::Error::kIOError
                                           ? absl::StatusCode::kInternal
                                           : absl::StatusCode::kResourceExhausted)
          << action_status_;
    }
    if (db_ == nullptr) return;
    if (read_only()) {
      const std::string error = *db_->GetProperty("kvlsm.background-error");
      EXPECT_NE(error.find("injected fault"), std::string::npos) << error;
      const absl::Status refused = WriteNext();
      EXPECT_FALSE(refused.ok());
      EXPECT_TRUE(MessageContains(refused, "read-only")) << refused;
      EXPECT_TRUE(MessageContains(refused, "injected fault")) << refused;
    } else if (!point_.persistent) {
      // Not read-only, and the fault is gone: the DB takes writes.
      EXPECT_OK(WriteNext());
    }
    ASSERT_NO_FATAL_FAILURE(CheckReadable());
  }

  // Every acknowledged write is readable, and nothing else (reads may fail only while
  // the fault stops reads or opens).
  void CheckReadable() {
    Model live;
    const absl::Status scan = ReadAll(db_.get(), &live);
    if (!scan.ok() && reads_may_fail()) return;
    ASSERT_OK(scan);
    ASSERT_OK(history_.CheckLive(live));
    // Point reads agree with the scan, now known to be right.
    for (int k = 0; k < history_.options().num_keys; ++k) {
      const std::string key = WorkloadKey(k);
      std::string read;
      const absl::Status s = db_->Get(ReadOptions(), key, &read);
      if (!s.ok() && !absl::IsNotFound(s) && reads_may_fail()) continue;
      SCOPED_TRACE(key);
      auto it = live.find(key);
      if (it == live.end()) {
        ASSERT_TRUE(absl::IsNotFound(s)) << s;
      } else {
        ASSERT_OK(s);
        ASSERT_EQ(read, it->second);
      }
    }
  }

  // Closes the DB, clears the fault, and reopens the files as a process crash and as a
  // power cut leave them.
  void CloseAndCheckReopen() {
    db_.reset();
    faults_.ClearFaults();
    EXPECT_EQ(env_.sync_retries(), 0) << "a Sync that failed was retried and succeeded";

    // What the OS holds: every acknowledged write must come back.
    DbImage image;
    ASSERT_OK(ReadImage(base_.get(), "/db", &image));
    {
      std::unique_ptr<Env> copy = NewMemEnv();
      ASSERT_OK(WriteImage(copy.get(), "/db", image));
      ASSERT_OK(CheckManifestIntact(copy.get(), "/db"));
      Options options = options_;
      options.env = copy.get();
      auto db = DB::Open(options, "/db");
      ASSERT_OK(db);
      Model recovered;
      ASSERT_OK(ReadAll(db->get(), &recovered));
      History history = history_;
      SCOPED_TRACE("after a process crash");
      ASSERT_OK(history.CheckRecovered(recovered, /*all_acknowledged=*/true));
    }
    // After a power cut: every durable write must come back.
    SCOPED_TRACE("after a power cut");
    ASSERT_OK(faults_.DropUnsyncedData());
    ASSERT_OK(CheckManifestIntact(base_.get(), "/db"));
    OpenDb();
    Model recovered;
    ASSERT_OK(ReadAll(db_.get(), &recovered));
    ASSERT_OK(history_.CheckRecovered(recovered, /*all_acknowledged=*/false));
    db_.reset();
  }

 private:
  void OpenDb() {
    auto db = DB::Open(options_, "/db");
    ASSERT_OK(db);
    db_ = *std::move(db);
  }

  // Until no sealed memtable waits for its flush, or the DB is read-only.
  void WaitForBackgroundWork() {
    if (db_ == nullptr) return;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (db_->GetProperty("kvlsm.num-immutable-mem-table") != "0" && !read_only() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  const FaultPoint point_;
  std::unique_ptr<Env> base_;
  FaultInjectionEnv faults_;
  AuditEnv env_;
  Options options_;
  std::unique_ptr<DB> db_;
  History history_;
  absl::Status action_status_;
};

// Points tried, by outcome, for the printed figures.
struct LoopStats {
  int points = 0;
  std::map<std::string, int> by_scenario;
  std::map<std::string, int> by_failed_file;
  int read_only = 0;
  int action_failed = 0;

  void Count(const FaultPoint& point, const FaultedDb& db) {
    ++points;
    ++by_scenario[ScenarioName(point.scenario)];
    ++by_failed_file[db.failed_file_kind()];
    read_only += db.read_only();
    action_failed += !db.action_status().ok();
  }

  std::string ToString() const {
    std::string out = absl::StrFormat("%d I/O-error points (", points);
    for (const auto& [name, n] : by_scenario) absl::StrAppendFormat(&out, "%s %d, ", name, n);
    absl::StrAppendFormat(&out, "action failed at %d, read-only after %d; failed operation on:",
                          action_failed, read_only);
    for (const auto& [kind, n] : by_failed_file) absl::StrAppendFormat(&out, " %s=%d", kind, n);
    return out + ")";
  }
};

// The operation kinds, errors and persistence every scenario is tried with.
inline constexpr FaultInjectionEnv::Op kAllOps[] = {
    FaultInjectionEnv::Op::kWrite, FaultInjectionEnv::Op::kSync, FaultInjectionEnv::Op::kOpen,
    FaultInjectionEnv::Op::kRename, FaultInjectionEnv::Op::kRead};
inline constexpr FaultInjectionEnv::Error kAllErrors[] = {FaultInjectionEnv::Error::kIOError,
                                                          FaultInjectionEnv::Error::kNoSpace};
// No scenario does this many operations of one kind; reaching it fails the test.
inline constexpr int64_t kMaxOperationsPerKind = 1000;

// Tries every point of `scenario`: for each operation kind, error and persistence, N = 1,
// 2, ... until the scenario no longer reaches operation N. Each point gets a fresh
// FaultedDb, checked after the fault; then between(point, &db) runs (the DB still open,
// the fault still armed), and the DB is closed and reopened as a crash and a power cut
// leave it.
template <typename Between>
void RunFaultPoints(Scenario scenario, LoopStats* stats, Between between) {
  for (FaultInjectionEnv::Op op : kAllOps) {
    for (FaultInjectionEnv::Error error : kAllErrors) {
      for (bool persistent : {false, true}) {
        int64_t n = 1;
        for (; n < kMaxOperationsPerKind; ++n) {
          const FaultPoint point{scenario, op, n, error, persistent};
          SCOPED_TRACE(point.ToString());
          FaultedDb db(point);
          ASSERT_NO_FATAL_FAILURE(db.Prepare());
          ASSERT_NO_FATAL_FAILURE(db.Act());
          if (!db.hit()) {
            // N is past the last operation of this kind: the scenario succeeded.
            ASSERT_OK(db.action_status());
            break;
          }
          stats->Count(point, db);
          ASSERT_NO_FATAL_FAILURE(db.CheckAfterFault());
          ASSERT_NO_FATAL_FAILURE(between(point, &db));
          ASSERT_NO_FATAL_FAILURE(db.CloseAndCheckReopen());
        }
        ASSERT_LT(n, kMaxOperationsPerKind);
      }
    }
  }
}

// The name suffix of a parameterized test over scenarios.
inline std::string ScenarioTestName(const testing::TestParamInfo<Scenario>& info) {
  return ScenarioName(info.param);
}

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_RELIABILITY_IO_ERROR_LOOP_H_
