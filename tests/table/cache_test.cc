// Tests for NewLRUCache (src/cache/lru_cache.cc): hits and misses, LRU eviction under a
// byte capacity, pinning, Erase and replacement of pinned entries, exactly-once deleters,
// usage and stats, a randomized comparison with a model, and concurrent use.
#include "cache/lru_cache.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kvlsm/cache.h"
#include "testutil/testutil.h"
#include "util/random.h"

namespace kvlsm {
namespace {

using test::SeedTrace;
using test::TestSeed;

// A cached value that counts its own deletions in a tracker shared by the test.
struct Tracker {
  std::atomic<int> deletions{0};
  std::atomic<int> bad_deletions{0};  // deleter called with a key that is not the value's
  std::mutex mu;
  std::multiset<int> deleted_ids;  // guarded by mu
};

struct TestValue {
  int id;
  std::string key;
  Tracker* tracker;
};

void DeleteTestValue(std::string_view key, void* value) {
  auto* v = static_cast<TestValue*>(value);
  v->tracker->deletions.fetch_add(1);
  if (key != v->key) v->tracker->bad_deletions.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(v->tracker->mu);
    v->tracker->deleted_ids.insert(v->id);
  }
  delete v;
}

class CacheTest : public testing::Test {
 protected:
  // A single-shard cache, so that LRU order and capacity are exact.
  void MakeCache(size_t capacity) { cache_ = NewLRUCache(capacity, /*shard_bits=*/0); }

  Cache::Handle* Insert(const std::string& key, int id, size_t charge = 1) {
    return cache_->Insert(key, new TestValue{id, key, &tracker_}, charge, &DeleteTestValue);
  }
  // Inserts and releases at once.
  void Put(const std::string& key, int id, size_t charge = 1) {
    cache_->Release(Insert(key, id, charge));
  }
  int IdOf(Cache::Handle* h) { return static_cast<TestValue*>(cache_->Value(h))->id; }
  // The id cached for key, or -1; releases its handle.
  int Get(const std::string& key) {
    Cache::Handle* h = cache_->Lookup(key);
    if (h == nullptr) return -1;
    const int id = IdOf(h);
    cache_->Release(h);
    return id;
  }
  int Deletions() const { return tracker_.deletions.load(); }
  bool Deleted(int id) {
    std::lock_guard<std::mutex> lock(tracker_.mu);
    return tracker_.deleted_ids.count(id) > 0;
  }

  Tracker tracker_;  // declared before cache_, so it outlives it
  std::shared_ptr<Cache> cache_;
};

TEST_F(CacheTest, HitAndMiss) {
  MakeCache(1000);
  EXPECT_EQ(Get("a"), -1);
  Put("a", 1);
  Put("b", 2);
  EXPECT_EQ(Get("a"), 1);
  EXPECT_EQ(Get("b"), 2);
  EXPECT_EQ(Get("c"), -1);
  EXPECT_EQ(Get(""), -1);
  Put("", 3);  // the empty key is a key like any other
  EXPECT_EQ(Get(""), 3);
  const Cache::Stats stats = cache_->GetStats();
  EXPECT_EQ(stats.hits, 3u);
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(stats.inserts, 3u);
  EXPECT_EQ(stats.evictions, 0u);
  EXPECT_EQ(Deletions(), 0);
}

TEST_F(CacheTest, KeysAreComparedByBytes) {
  MakeCache(1000);
  Put(std::string("a\0b", 3), 1);
  Put(std::string("a\0c", 3), 2);
  Put("a", 3);
  EXPECT_EQ(Get(std::string("a\0b", 3)), 1);
  EXPECT_EQ(Get(std::string("a\0c", 3)), 2);
  EXPECT_EQ(Get("a"), 3);
}

TEST_F(CacheTest, EvictsLeastRecentlyUsedFirst) {
  MakeCache(10);
  for (int i = 0; i < 10; ++i) Put("k" + std::to_string(i), i);
  EXPECT_EQ(cache_->GetUsage(), 10u);
  EXPECT_EQ(Get("k0"), 0);  // k0 becomes the most recently used; k1 the least
  Put("k10", 10);
  EXPECT_EQ(Get("k1"), -1);
  EXPECT_TRUE(Deleted(1));
  EXPECT_EQ(Get("k0"), 0);
  Put("k11", 11, 3);  // needs three entries' room: k2, k3, k4 go
  for (int i : {2, 3, 4}) EXPECT_EQ(Get("k" + std::to_string(i)), -1) << i;
  for (int i : {0, 5, 6, 7, 8, 9, 10, 11}) EXPECT_EQ(Get("k" + std::to_string(i)), i) << i;
  EXPECT_EQ(cache_->GetUsage(), 10u);
  EXPECT_EQ(cache_->GetStats().evictions, 4u);
  EXPECT_EQ(Deletions(), 4);
}

TEST_F(CacheTest, UnpinnedUsageNeverExceedsCapacity) {
  const uint64_t seed = TestSeed(401);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (int shard_bits : {0, 2, 4}) {
    cache_ = NewLRUCache(5000, shard_bits);
    for (int i = 0; i < 5000; ++i) {
      Put("k" + std::to_string(rnd.Uniform(2000)), i, 1 + rnd.Uniform(100));
      ASSERT_LE(cache_->GetUsage(), 5000u) << "shard_bits=" << shard_bits << " i=" << i;
    }
    EXPECT_GT(cache_->GetUsage(), 3000u);  // and the cache is actually used
  }
}

TEST_F(CacheTest, PinnedEntriesAreNotEvicted) {
  MakeCache(3);
  Cache::Handle* pinned = Insert("pinned", 100);
  for (int i = 0; i < 20; ++i) Put("k" + std::to_string(i), i);
  EXPECT_FALSE(Deleted(100));
  EXPECT_EQ(IdOf(pinned), 100);
  EXPECT_EQ(Get("pinned"), 100);  // still in the cache, and counted in usage
  EXPECT_EQ(cache_->GetUsage(), 3u);
  EXPECT_EQ(Get("k19"), 19);
  EXPECT_EQ(Get("k18"), 18);
  EXPECT_EQ(Get("k17"), -1);  // pinned took one unit: only two others fit
  cache_->Release(pinned);
  EXPECT_EQ(Get("pinned"), 100);
}

TEST_F(CacheTest, OversizedEntryLivesWhilePinnedAndGoesOnRelease) {
  MakeCache(10);
  Put("small", 1, 4);
  Cache::Handle* big = Insert("big", 2, 50);  // over capacity: everything else goes
  EXPECT_TRUE(Deleted(1));
  EXPECT_EQ(cache_->GetUsage(), 50u);
  Cache::Handle* again = cache_->Lookup("big");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(IdOf(again), 2);
  cache_->Release(again);
  EXPECT_FALSE(Deleted(2));
  cache_->Release(big);  // the last Handle: evicted at once
  EXPECT_TRUE(Deleted(2));
  EXPECT_EQ(cache_->GetUsage(), 0u);
  EXPECT_EQ(Get("big"), -1);
}

TEST_F(CacheTest, ZeroCapacityCachesNothingButHandlesWork) {
  MakeCache(0);
  Cache::Handle* h = Insert("a", 1, 1);
  EXPECT_EQ(IdOf(h), 1);
  EXPECT_EQ(Get("a"), 1);  // visible while pinned
  cache_->Release(h);
  EXPECT_EQ(Get("a"), -1);
  EXPECT_EQ(Deletions(), 1);
  Put("zero-charge", 2, 0);  // a zero charge never exceeds any capacity
  EXPECT_EQ(Get("zero-charge"), 2);
}

TEST_F(CacheTest, EraseWhilePinnedDefersTheDeleter) {
  MakeCache(100);
  Cache::Handle* h = Insert("a", 1, 7);
  Put("b", 2, 5);
  cache_->Erase("a");
  EXPECT_EQ(Get("a"), -1);
  EXPECT_EQ(cache_->GetUsage(), 5u);  // an erased entry no longer counts
  EXPECT_FALSE(Deleted(1));
  EXPECT_EQ(IdOf(h), 1);  // the Handle still reads its value
  cache_->Erase("a");     // erasing again, or an absent key, does nothing
  cache_->Erase("nope");
  EXPECT_FALSE(Deleted(1));
  cache_->Release(h);
  EXPECT_TRUE(Deleted(1));
  EXPECT_EQ(Deletions(), 1);
  cache_->Erase("b");  // unpinned: freed at once
  EXPECT_TRUE(Deleted(2));
  EXPECT_EQ(cache_->GetUsage(), 0u);
}

TEST_F(CacheTest, ReplacementWhilePinnedDefersTheDeleter) {
  MakeCache(100);
  Cache::Handle* old_handle = Insert("k", 1, 10);
  Cache::Handle* new_handle = Insert("k", 2, 20);
  EXPECT_EQ(IdOf(old_handle), 1);
  EXPECT_EQ(IdOf(new_handle), 2);
  EXPECT_EQ(Get("k"), 2);
  EXPECT_EQ(cache_->GetUsage(), 20u);
  EXPECT_FALSE(Deleted(1));
  cache_->Release(old_handle);
  EXPECT_TRUE(Deleted(1));
  EXPECT_FALSE(Deleted(2));
  cache_->Release(new_handle);
  EXPECT_EQ(Get("k"), 2);
  Put("k", 3, 5);  // replacing an unpinned entry frees it at once
  EXPECT_TRUE(Deleted(2));
  EXPECT_EQ(cache_->GetUsage(), 5u);
  EXPECT_EQ(cache_->GetStats().evictions, 0u);  // replacement is not eviction
}

TEST_F(CacheTest, DestroyingTheCacheFreesEveryEntryOnce) {
  MakeCache(1000);
  for (int i = 0; i < 100; ++i) Put("k" + std::to_string(i), i, 1 + i % 7);
  cache_->Erase("k5");
  Put("k6", 1000);
  const int before = Deletions();
  EXPECT_EQ(before, 2);
  cache_.reset();
  EXPECT_EQ(Deletions(), 101);
  EXPECT_EQ(tracker_.bad_deletions.load(), 0);
  std::lock_guard<std::mutex> lock(tracker_.mu);
  std::set<int> unique(tracker_.deleted_ids.begin(), tracker_.deleted_ids.end());
  EXPECT_EQ(unique.size(), tracker_.deleted_ids.size());
}

TEST_F(CacheTest, NullDeleterIsAllowed) {
  MakeCache(1);
  int value = 7;
  cache_->Release(cache_->Insert("a", &value, 1, nullptr));
  Cache::Handle* h = cache_->Lookup("a");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(cache_->Value(h), &value);
  cache_->Release(h);
  cache_->Release(cache_->Insert("b", &value, 1, nullptr));  // evicts "a"
  EXPECT_EQ(cache_->Lookup("a"), nullptr);
}

TEST_F(CacheTest, NewIdIsUniqueAcrossThreads) {
  MakeCache(1000);
  std::vector<std::vector<uint64_t>> ids(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, &ids, t] {
      for (int i = 0; i < 10000; ++i) ids[t].push_back(cache_->NewId());
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<uint64_t> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 40000u);
  EXPECT_EQ(all.count(0), 0u);
  // Another cache numbers independently.
  EXPECT_EQ(NewLRUCache(10)->NewId(), 1u);
}

TEST_F(CacheTest, ShardCountFollowsCapacity) {
  struct Case {
    size_t capacity;
    int requested;
    int expected;
  };
  const Case cases[] = {
      {0, -1, 0},       {1 << 20, -1, 1},  {(1 << 20) - 1, -1, 0},
      {8 << 20, -1, 4}, {32 << 20, -1, 6}, {size_t{1} << 40, -1, 6},
      {1 << 20, 0, 0},  {1 << 10, 3, 3},   {1 << 20, 40, kLRUCacheMaxShardBits},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(LRUCacheShardBits(c.capacity, c.requested), c.expected)
        << c.capacity << " bytes, shard_bits " << c.requested;
  }
  EXPECT_EQ(NewLRUCache(12345, 3)->GetCapacity(), 12345u);
}

// Random operations on a one-shard cache, compared with a straightforward model of the
// contract: the same hits and misses, the same usage, the same entries freed.
TEST_F(CacheTest, MatchesModelUnderRandomOperations) {
  const uint64_t seed = TestSeed(402);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  constexpr size_t kCapacity = 60;
  MakeCache(kCapacity);

  struct ModelEntry {
    int id;
    size_t charge;
    int pins;
    bool in_cache;
  };
  std::map<int, ModelEntry> entries;  // by id: every entry not yet freed
  std::map<std::string, int> table;   // key -> id of the in-cache entry
  std::list<int> lru;                 // ids of unpinned in-cache entries, oldest first
  std::vector<std::pair<Cache::Handle*, int>> held;
  std::set<int> freed;
  size_t usage = 0;
  int next_id = 0;

  auto free_if_dead = [&](int id) {
    ModelEntry& e = entries.at(id);
    if (!e.in_cache && e.pins == 0) {
      freed.insert(id);
      entries.erase(id);
    }
  };
  auto detach = [&](const std::string& key) {
    const int id = table.at(key);
    ModelEntry& e = entries.at(id);
    if (e.pins == 0) lru.remove(id);
    e.in_cache = false;
    usage -= e.charge;
    table.erase(key);
    free_if_dead(id);
  };
  auto key_of = [&](int id) {
    for (const auto& [key, table_id] : table) {
      if (table_id == id) return key;
    }
    ADD_FAILURE() << "id " << id << " not in table";
    return std::string();
  };
  auto evict = [&] {
    while (usage > kCapacity && !lru.empty()) detach(key_of(lru.front()));
  };

  for (int step = 0; step < 20000; ++step) {
    SCOPED_TRACE(testing::Message() << "step " << step);
    const std::string key = "k" + std::to_string(rnd.Uniform(40));
    const uint64_t op = rnd.Uniform(100);
    if (op < 30) {  // Insert, sometimes keeping the Handle
      const int id = next_id++;
      const size_t charge = rnd.Uniform(10);
      Cache::Handle* h = Insert(key, id, charge);
      if (table.count(key) > 0) detach(key);
      entries[id] = ModelEntry{id, charge, 1, true};
      table[key] = id;
      usage += charge;
      evict();
      held.emplace_back(h, id);
    } else if (op < 70) {  // Lookup
      Cache::Handle* h = cache_->Lookup(key);
      auto it = table.find(key);
      ASSERT_EQ(h != nullptr, it != table.end());
      if (h != nullptr) {
        ASSERT_EQ(IdOf(h), it->second);
        ModelEntry& e = entries.at(it->second);
        if (e.pins++ == 0) lru.remove(e.id);
        held.emplace_back(h, e.id);
      }
    } else if (op < 80) {  // Erase
      cache_->Erase(key);
      if (table.count(key) > 0) detach(key);
    }
    // Release some held handles, oldest or newest.
    while (!held.empty() && (held.size() > 5 || rnd.OneIn(2))) {
      const size_t index = rnd.OneIn(2) ? 0 : held.size() - 1;
      auto [h, id] = held[index];
      held.erase(held.begin() + static_cast<ptrdiff_t>(index));
      cache_->Release(h);
      ModelEntry& e = entries.at(id);
      if (--e.pins == 0) {
        if (e.in_cache) {
          lru.push_back(id);
          evict();
        } else {
          free_if_dead(id);
        }
      }
    }
    ASSERT_EQ(cache_->GetUsage(), usage);
    ASSERT_EQ(static_cast<size_t>(Deletions()), freed.size());
  }
  for (auto [h, id] : held) cache_->Release(h);
  std::lock_guard<std::mutex> lock(tracker_.mu);
  EXPECT_EQ(std::set<int>(tracker_.deleted_ids.begin(), tracker_.deleted_ids.end()), freed);
}

// Four threads insert, look up, hold and release entries of a small key space for a few
// hundred milliseconds. Every value seen matches its key, and at the end every inserted
// value has been freed exactly once.
TEST_F(CacheTest, ConcurrentUse) {
  const uint64_t seed = TestSeed(403);
  SCOPED_TRACE(SeedTrace(seed));
  cache_ = NewLRUCache(200, /*shard_bits=*/2);
  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> inserted{0};
  std::atomic<int> mismatches{0};
  std::atomic<uint64_t> operations{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Random rnd(seed + t);
      std::vector<Cache::Handle*> held;
      uint64_t ops = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const int k = static_cast<int>(rnd.Uniform(500));
        const std::string key = "key" + std::to_string(k);
        const uint64_t op = rnd.Uniform(10);
        Cache::Handle* h = nullptr;
        if (op < 3) {
          h = Insert(key, k, 1 + rnd.Uniform(4));
          inserted.fetch_add(1, std::memory_order_relaxed);
        } else if (op < 9) {
          h = cache_->Lookup(key);
        } else {
          cache_->Erase(key);
        }
        if (h != nullptr) {
          const auto* v = static_cast<TestValue*>(cache_->Value(h));
          if (v->id != k || v->key != key) mismatches.fetch_add(1);
          held.push_back(h);
        }
        while (held.size() > 8 || (!held.empty() && rnd.OneIn(3))) {
          const size_t i = rnd.Uniform(held.size());
          cache_->Release(held[i]);
          held[i] = held.back();
          held.pop_back();
        }
        ++ops;
      }
      for (Cache::Handle* h : held) cache_->Release(h);
      operations.fetch_add(ops);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop.store(true);
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_GT(operations.load(), 1000u);
  const Cache::Stats stats = cache_->GetStats();
  EXPECT_EQ(stats.inserts, static_cast<uint64_t>(inserted.load()));
  EXPECT_GT(stats.hits, 0u);
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_LE(cache_->GetUsage(), 200u);  // nothing is pinned any more
  cache_.reset();
  EXPECT_EQ(Deletions(), inserted.load());
  EXPECT_EQ(tracker_.bad_deletions.load(), 0);
}

}  // namespace
}  // namespace kvlsm
