// Concurrency: 4 writers and 4 readers (point reads, iterators, snapshots) at once. Each
// writer t writes batches {"t<t>-<i>" = i, "t<t>-count" = i+1}; a reader that sees
// count c at some snapshot must see every key t<t>-0 .. t<t>-(c-1) at that snapshot.
// Run under the tsan preset too (KVLSM_PRESET=tsan scripts/run-tests -R Concurrency).
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

constexpr int kWriters = 4;
constexpr int kReaders = 4;

std::string Key(int t, uint64_t i) { return "t" + std::to_string(t) + "-" + std::to_string(i); }
std::string CountKey(int t) { return "t" + std::to_string(t) + "-count"; }

TEST(DBConcurrencyTest, WritersAndReadersAgree) {
  auto env = NewMemEnv();
  Options options;
  options.env = env.get();
  options.create_if_missing = true;
  options.write_buffer_size = 256 << 10;  // Memtable switches during the run.
  auto opened = DB::Open(options, "/db");
  ASSERT_OK(opened);
  DB* db = opened->get();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> writes{0}, reads{0}, scans{0};
  auto fail = [&failed](const std::string& what) {
    if (!failed.exchange(true)) ADD_FAILURE() << what;
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; std::chrono::steady_clock::now() < deadline && !failed; ++i) {
        WriteBatch batch;
        batch.Put(Key(t, i), std::to_string(i));
        batch.Put(CountKey(t), std::to_string(i + 1));
        absl::Status s = db->Write(WriteOptions{.sync = i % 64 == 0}, &batch);
        if (!s.ok()) return fail("write: " + s.ToString());
        ++writes;
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      Random rnd(1000 + r);
      while (std::chrono::steady_clock::now() < deadline && !failed) {
        const int t = static_cast<int>(rnd.Uniform(kWriters));
        if (r % 2 == 0) {
          // Point reads at a snapshot: count c implies key c-1 is present.
          const Snapshot* snap = db->GetSnapshot();
          ReadOptions ro;
          ro.snapshot = snap;
          std::string count, value;
          absl::Status s = db->Get(ro, CountKey(t), &count);
          if (s.ok()) {
            const uint64_t c = std::stoull(count);
            const uint64_t probe = rnd.Uniform(c);
            s = db->Get(ro, Key(t, probe), &value);
            if (!s.ok() || value != std::to_string(probe)) {
              fail("point read of " + Key(t, probe) + " at count " + count + ": " + s.ToString() +
                   " '" + value + "'");
            }
          } else if (!absl::IsNotFound(s)) {
            fail("get count: " + s.ToString());
          }
          db->ReleaseSnapshot(snap);
          ++reads;
        } else {
          // A full scan is one consistent snapshot: sorted, and counts match the keys.
          std::vector<uint64_t> seen(kWriters, 0), counts(kWriters, 0);
          auto it = db->NewIterator(ReadOptions());
          std::string prev;
          for (it->SeekToFirst(); it->Valid(); it->Next()) {
            const std::string key(it->key());
            if (!prev.empty() && key <= prev) fail("iterator out of order at " + key);
            prev = key;
            const int writer = key[1] - '0';
            if (key.ends_with("-count")) {
              counts[writer] = std::stoull(std::string(it->value()));
            } else {
              ++seen[writer];
            }
          }
          if (!it->status().ok()) fail("scan: " + it->status().ToString());
          for (int w = 0; w < kWriters; ++w) {
            if (seen[w] != counts[w]) {
              fail("scan saw " + std::to_string(seen[w]) + " keys of writer " + std::to_string(w) +
                   " but count " + std::to_string(counts[w]));
            }
          }
          ++scans;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_GT(writes.load(), 100u);
  EXPECT_GT(reads.load(), 10u);
  EXPECT_GT(scans.load(), 2u);
  std::printf("concurrency: %llu writes, %llu snapshot reads, %llu scans\n",
              static_cast<unsigned long long>(writes.load()),
              static_cast<unsigned long long>(reads.load()),
              static_cast<unsigned long long>(scans.load()));
  ASSERT_FALSE(failed.load());

  // Everything acknowledged is there after a reopen.
  std::vector<uint64_t> counts(kWriters);
  for (int t = 0; t < kWriters; ++t) {
    std::string count;
    ASSERT_OK(db->Get(ReadOptions(), CountKey(t), &count));
    counts[t] = std::stoull(count);
  }
  opened->reset();
  opened = DB::Open(options, "/db");
  ASSERT_OK(opened);
  for (int t = 0; t < kWriters; ++t) {
    std::string value;
    ASSERT_OK((*opened)->Get(ReadOptions(), Key(t, counts[t] - 1), &value));
  }
}

}  // namespace
}  // namespace kvlsm
