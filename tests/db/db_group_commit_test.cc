// Group commit: writers that queue up while a sync is in progress share the next WAL write
// and its one fdatasync.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "kvlsm/fault_injection_env.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

// A WAL file whose Sync takes 5 ms, like a slow disk, and is counted.
class SlowSyncFile final : public WritableFile {
 public:
  SlowSyncFile(std::unique_ptr<WritableFile> base, std::atomic<int>* syncs, Env* env)
      : base_(std::move(base)), syncs_(syncs), env_(env) {}
  absl::Status Append(std::string_view data) override { return base_->Append(data); }
  absl::Status Flush() override { return base_->Flush(); }
  absl::Status Sync() override {
    syncs_->fetch_add(1);
    env_->SleepForMicroseconds(5000);
    return base_->Sync();
  }
  absl::Status Close() override { return base_->Close(); }

 private:
  std::unique_ptr<WritableFile> base_;
  std::atomic<int>* syncs_;
  Env* env_;
};

class SlowSyncEnv final : public FaultInjectionEnv {
 public:
  explicit SlowSyncEnv(Env* base) : FaultInjectionEnv(base) {}
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& fname) override {
    auto file = FaultInjectionEnv::NewWritableFile(fname);
    if (!file.ok() || !fname.ends_with(".log")) return file;
    return std::unique_ptr<WritableFile>(
        std::make_unique<SlowSyncFile>(*std::move(file), &wal_syncs, this));
  }
  std::atomic<int> wal_syncs{0};
};

TEST(DBGroupCommitTest, ConcurrentSyncWritersShareSyncs) {
  auto base = NewMemEnv();
  SlowSyncEnv env(base.get());
  Options options;
  options.env = &env;
  options.create_if_missing = true;
  auto db = DB::Open(options, "/db");
  ASSERT_OK(db);
  constexpr int kThreads = 8;
  constexpr int kWritesEach = 20;
  const int syncs_before = env.wal_syncs.load();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesEach; ++i) {
        const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!(*db)->Put(WriteOptions{.sync = true}, key, "v").ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  const int syncs = env.wal_syncs.load() - syncs_before;
  std::printf("group commit: %d sync writes from %d threads took %d WAL syncs\n",
              kThreads * kWritesEach, kThreads, syncs);
  // Each group has one sync, and writers that queued during a 5 ms sync form the next
  // group: far fewer syncs than writes.
  EXPECT_GE(syncs, kWritesEach);  // At least the writes of one thread, which are serial.
  EXPECT_LE(syncs, kThreads * kWritesEach / 2);
  // Everything is there.
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWritesEach; ++i) {
      std::string value;
      ASSERT_OK((*db)->Get(ReadOptions(), "t" + std::to_string(t) + "-" + std::to_string(i),
                           &value));
    }
  }
  db->reset();
}

}  // namespace
}  // namespace kvlsm
