// kvlsm_crash_stress: the process the crash-test driver kills (docs/reliability.md,
// "Crash test").
//
// Each run opens the DB (recovering from the last kill), verifies it against the expected
// state, then writes the workload (reliability/workload.h: synced and unsynced batches of
// puts, deletes and merges) from where the DB stands, recording every acknowledged write,
// while a second thread runs flushes, range compactions and snapshot scans, until it has
// done --ops writes or is killed. Compaction policies small enough to compact every few
// flushes (leveled in even runs, size-tiered in odd ones) keep compactions running.
//
// The verification (a process crash loses nothing acknowledged, synced or not): the DB's
// "#last" value p is at least the last acknowledged write and at most one more (the write
// in flight), and the DB's contents equal the expected state after writes 1..p: no holes,
// nothing extra. The verified state becomes the new checkpoint.
//
// Flags:
//   --db=DIR --state=DIR   the DB and the expected-state directory (created when missing)
//   --seed=N               the workload's seed; the same for every run on one DB
//   --run=N                varies this run's random choices (default 0)
//   --ops=N                writes before a clean exit (default: no limit)
//   --sync_one_in=N        a write is synced with probability 1/N (default 4)
//   --kill_at=OP:FILE:N:WHEN
//                          SIGKILL itself at the N-th operation OP (append, sync, rename,
//                          remove, syncdir) on a file of kind FILE (wal, sst, idx, manifest,
//                          current, temp, any), WHEN "before" or "after" it is performed
//   --verify_only          verify and exit
// Exit status: 0 done, 1 the verification failed, 2 a DB call failed, 3 bad usage.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "crash/crash_common.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "reliability/intercept_env.h"
#include "reliability/workload.h"
#include "testutil/test_plugins.h"
#include "util/mutex.h"
#include "util/random.h"

namespace kvlsm::crash {
namespace {

using test::InterceptEnv;

// POSIX, with a kill point: the process SIGKILLs itself at a chosen operation.
class KillPointEnv final : public InterceptEnv {
 public:
  // spec: OP:FILE:N:WHEN (see the flags above).
  KillPointEnv(Env* target, const std::string& spec) : InterceptEnv(target) {
    const std::vector<std::string> parts = absl::StrSplit(spec, ':');
    if (parts.size() != 4) Flags::Usage("--kill_at needs OP:FILE:N:WHEN");
    static const std::map<std::string, OpKind> kOps = {{"append", OpKind::kAppend},
                                                       {"sync", OpKind::kSync},
                                                       {"rename", OpKind::kRename},
                                                       {"remove", OpKind::kRemove},
                                                       {"syncdir", OpKind::kSyncDir}};
    if (!kOps.contains(parts[0])) Flags::Usage("--kill_at: unknown operation " + parts[0]);
    op_ = kOps.at(parts[0]);
    file_kind_ = parts[1];
    remaining_ = std::strtoll(parts[2].c_str(), nullptr, 10);
    after_ = parts[3] == "after";
  }

 protected:
  absl::Status Before(const Operation& op) override {
    if (!after_) MaybeKill(op);
    return absl::OkStatus();
  }
  void After(const Operation& op, const absl::Status& result) override {
    if (after_) MaybeKill(op);
  }

 private:
  void MaybeKill(const Operation& op) {
    if (op.kind != op_) return;
    if (file_kind_ != "any" && test::DbFileKind(op.file) != file_kind_) return;
    if (remaining_.fetch_sub(1) == 1) {
      std::fflush(nullptr);
      ::kill(::getpid(), SIGKILL);
    }
  }

  OpKind op_ = OpKind::kAppend;
  std::string file_kind_;
  std::atomic<int64_t> remaining_{0};
  bool after_ = false;
};

[[noreturn]] void Fail(int code, const std::string& what) {
  std::fprintf(stderr, "kvlsm_crash_stress: %s\n", what.c_str());
  std::fflush(nullptr);
  std::exit(code);
}

void CheckOk(const absl::Status& s, const char* what) {
  if (!s.ok()) Fail(2, absl::StrFormat("%s: %s", what, s.ToString()));
}

class Stress {
 public:
  explicit Stress(const Flags& flags)
      : flags_(flags),
        state_(flags.Required("state")),
        rnd_(flags.Number("seed", 1) * 1000003 + flags.Number("run", 0)) {
    workload_.seed = flags.Number("seed", 1);
    workload_.num_keys = 500;
    workload_.max_value_size = 4000;
    workload_.sync_one_in = static_cast<int>(flags.Number("sync_one_in", 4));
    if (flags.Has("kill_at")) {
      kill_env_ = std::make_unique<KillPointEnv>(Env::Default(), flags.Required("kill_at"));
    }
    options_.env = kill_env_ != nullptr ? static_cast<Env*>(kill_env_.get()) : Env::Default();
    options_.create_if_missing = true;
    options_.write_buffer_size = 64 << 10;  // Flushes every few hundred writes.
    options_.max_write_buffer_number = 3;
    options_.block_size = 1024;
    options_.merge_operator = std::make_shared<test::PlusAppendOperator>();
    // Background compactions every few flushes; the policy changes from run to run.
    options_.compaction_policy = flags.Number("run", 0) % 2 == 0 ? test::SmallLeveledCompaction()
                                                                  : test::SmallSizeTieredCompaction();
  }

  int Run() {
    std::filesystem::create_directories(flags_.Required("state"));
    auto db = DB::Open(options_, flags_.Required("db"));
    CheckOk(db.status(), "opening the DB");
    db_ = *std::move(db);
    Verify();
    if (flags_.Has("verify_only")) return 0;

    std::atomic<bool> done{false};
    std::thread maintenance([&] { Maintain(done); });
    const uint64_t ops = flags_.Number("ops", UINT64_MAX);
    for (uint64_t i = 0; i < ops; ++i) WriteNext();
    done = true;
    maintenance.join();
    db_.reset();
    absl::PrintF("done: %d writes, last %d\n", ops, acked_.last);
    return 0;
  }

 private:
  // Checks the recovered DB against the expected state; makes it the new checkpoint.
  void Verify() {
    CheckOk(state_.LoadAcked(&acked_), "reading the acknowledged writes");
    uint64_t base = 0;
    CheckOk(state_.LoadCheckpoint(&base, &model_), "reading the checkpoint");
    test::Model recovered;
    CheckOk(test::ReadAll(db_.get(), &recovered), "reading the DB");
    const uint64_t p = test::LastWrite(recovered);
    if (p < acked_.last || p > acked_.last + 1) {
      Fail(1, absl::StrFormat("the DB holds writes 1..%d, but writes up to %d were acknowledged "
                              "(%d synced)",
                              p, acked_.last, acked_.last_synced));
    }
    if (p < base) Fail(1, absl::StrFormat("the DB went back from write %d to %d", base, p));
    for (uint64_t id = base + 1; id <= p; ++id)
      ApplyToModel(test::MakeWrite(workload_, id), &model_);
    if (recovered != model_) {
      Fail(1, absl::StrFormat("the DB's state is not the state after writes 1..%d: %s", p,
                              test::DescribeDifference(model_, recovered)));
    }
    CheckOk(state_.SaveCheckpoint(p, model_), "saving the checkpoint");
    acked_.last = p;
    acked_.last_synced = std::max(acked_.last_synced, p);
    CheckOk(state_.SetAcked(acked_), "recording the acknowledged writes");
    std::string levels;
    for (int level = 0; level < 7; ++level) {
      const std::string n = *db_->GetProperty(absl::StrFormat("kvlsm.num-files-at-level%d", level));
      if (n != "0") absl::StrAppendFormat(&levels, " L%d=%s", level, n);
    }
    absl::PrintF("verified: writes 1..%d (%d keys; tables:%s)\n", p, model_.size(), levels);
    std::fflush(stdout);
  }

  void WriteNext() {
    const test::WorkloadWrite write = test::MakeWrite(workload_, acked_.last + 1);
    WriteBatch batch = write.ToBatch();
    CheckOk(db_->Write(WriteOptions{.sync = write.sync}, &batch), "writing");
    acked_.last = write.id;
    if (write.sync) acked_.last_synced = write.id;
    CheckOk(state_.SetAcked(acked_), "recording the acknowledged writes");
    ApplyToModel(write, &model_);
    if (rnd_.OneIn(25)) {
      // Read back a key the write touched.
      const std::string& key = write.updates[rnd_.Uniform(write.updates.size())].key;
      std::string value;
      const absl::Status s = db_->Get(ReadOptions(), key, &value);
      auto it = model_.find(key);
      if (it == model_.end() ? !absl::IsNotFound(s) : (!s.ok() || value != it->second)) {
        Fail(1, absl::StrFormat("Get(%s) after write %d: %s", key, write.id, s.ToString()));
      }
    }
  }

  // Flushes, range compactions and snapshot scans beside the writer.
  void Maintain(const std::atomic<bool>& done) {
    Random rnd(rnd_.Next());
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + rnd.Uniform(20)));
      switch (rnd.Uniform(3)) {
        case 0:
          CheckOk(db_->Flush(), "flushing");
          break;
        case 1: {
          std::string begin = test::WorkloadKey(rnd.Uniform(workload_.num_keys));
          std::string end = test::WorkloadKey(rnd.Uniform(workload_.num_keys));
          if (begin > end) std::swap(begin, end);
          CheckOk(db_->CompactRange(begin, end), "compacting a range");
          break;
        }
        default: {
          const Snapshot* snapshot = db_->GetSnapshot();
          test::Model seen;
          CheckOk(test::ReadAll(db_.get(), &seen, snapshot), "scanning a snapshot");
          db_->ReleaseSnapshot(snapshot);
        }
      }
    }
  }

  const Flags& flags_;
  ExpectedState state_;
  Random rnd_;
  test::WorkloadOptions workload_;
  std::unique_ptr<KillPointEnv> kill_env_;
  Options options_;
  std::unique_ptr<DB> db_;
  ExpectedState::Acked acked_;
  test::Model model_;  // After write acked_.last.
};

}  // namespace
}  // namespace kvlsm::crash

int main(int argc, char** argv) {
  const kvlsm::crash::Flags flags(argc, argv);
  return kvlsm::crash::Stress(flags).Run();
}
