// The sharded LRU block cache (src/cache/lru_cache.cc), 16-byte keys shaped like block
// cache keys (cache id + block offset):
//   BM_CacheLookupHit    Lookup + Release of resident entries
//   BM_CacheInsertEvict  Insert + Release of new keys into a full cache, so that every
//                        insert evicts the least recently used entry of its shard
// Each runs on 1 and 2 threads sharing one cache.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "kvlsm/cache.h"

namespace kvlsm {
namespace {

// Lookup: n entries of 512 bytes in a 64 MiB cache of 64 shards (n = 100k is about 50 MiB),
// so all stay resident. With n = 1000 the keys, table and entries stay in the CPU caches and
// the benchmark measures the code path (hash, two lock round trips); with n = 100k (about
// 12 MiB of keys, buckets and entries) it includes cache misses on them.
// Insert: 4 KiB entries into a 4 MiB cache of 8 shards (1024 entries).
constexpr size_t kLookupCharge = 512;
constexpr size_t kInsertCharge = 4096;

// Written with two 8-byte stores (host byte order), not EncodeFixed64's byte stores, so
// that hashing a key just built does not stall on a failed store-to-load forward.
std::string BlockKey(uint64_t id, uint64_t offset) {
  const uint64_t words[2] = {id, offset};
  return std::string(reinterpret_cast<const char*>(words), sizeof(words));
}

void NoopDeleter(std::string_view, void*) {}

int dummy_value;

struct LookupFixture {
  std::shared_ptr<Cache> cache = NewLRUCache(size_t{64} << 20);
  std::string keys;  // key i is bytes [16 i, 16 i + 16): flat, so that the benchmark's own
                     // key storage adds little to the cache's misses
  explicit LookupFixture(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
      const std::string key = BlockKey(1, i * kInsertCharge);
      keys += key;
      cache->Release(cache->Insert(key, &dummy_value, kLookupCharge, &NoopDeleter));
    }
  }
  std::string_view Key(uint64_t i) const { return std::string_view(keys).substr(16 * i, 16); }
};

// One fixture per size, made by the first thread that asks and kept for the process, so
// that every run and thread of a size share it.
LookupFixture& FixtureOf(uint64_t n) {
  static std::mutex mu;
  static auto* fixtures = new std::map<uint64_t, std::unique_ptr<LookupFixture>>;
  std::lock_guard<std::mutex> lock(mu);
  std::unique_ptr<LookupFixture>& slot = (*fixtures)[n];
  if (slot == nullptr) slot = std::make_unique<LookupFixture>(n);
  return *slot;
}

void BM_CacheLookupHit(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  LookupFixture& fixture = FixtureOf(n);
  Cache& cache = *fixture.cache;
  // Threads walk the keys from different starting points with a stride that scatters them.
  uint64_t i = static_cast<uint64_t>(state.thread_index()) * 7919;
  uint64_t misses = 0;
  for (auto _ : state) {
    Cache::Handle* h = cache.Lookup(fixture.Key(i % n));
    if (h == nullptr) {
      ++misses;
    } else {
      benchmark::DoNotOptimize(cache.Value(h));
      cache.Release(h);
    }
    i += 104729;
  }
  if (misses > 0) state.SkipWithError("resident entries were evicted");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CacheLookupHit)->Arg(1000)->Arg(100000)->Threads(1)->Threads(2)->UseRealTime();

void BM_CacheInsertEvict(benchmark::State& state) {
  static std::shared_ptr<Cache> cache = NewLRUCache(size_t{4} << 20, /*shard_bits=*/3);
  static std::atomic<uint64_t> next_id{1};
  // Each thread (and each run) inserts keys no one else uses.
  const uint64_t id = next_id.fetch_add(1);
  const Cache::Stats before = cache->GetStats();
  uint64_t offset = 0;
  for (auto _ : state) {
    const std::string key = BlockKey(id, offset);
    cache->Release(cache->Insert(key, &dummy_value, kInsertCharge, &NoopDeleter));
    offset += kInsertCharge;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if (state.thread_index() == 0) {
    const Cache::Stats after = cache->GetStats();
    state.counters["evictions_per_insert"] =
        static_cast<double>(after.evictions - before.evictions) /
        static_cast<double>(after.inserts - before.inserts);
  }
}
BENCHMARK(BM_CacheInsertEvict)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace kvlsm
