// MemTable micro-benchmarks: Add of 16-byte keys with 100-byte values (random and
// sequential key order) and point lookups of existing keys through GetContext.
//
// Each benchmark works on a memtable of a fixed number of entries: 10k (~1.5 MiB of arena,
// cache-resident), 100k (~15 MiB) and 400k (~60 MiB, about a default 64 MiB write buffer).
// Beyond the caches every skiplist level visited costs a memory access, so per-operation
// cost grows with the table.
// Insert benchmarks start a fresh memtable, outside the timed region, whenever the current
// one is full.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "base/dbformat.h"
#include "base/get_context.h"
#include "kvlsm/comparator.h"
#include "memtable/memtable.h"
#include "util/coding.h"
#include "util/random.h"

namespace kvlsm {
namespace {

constexpr size_t kKeySize = 16;
constexpr size_t kValueSize = 100;

// n distinct 16-byte keys: big-endian counters (sequential) or the same keys shuffled.
std::vector<std::string> MakeKeys(size_t n, bool random) {
  std::vector<std::string> keys(n);
  for (size_t i = 0; i < n; ++i) {
    std::string key(kKeySize, '\0');
    for (size_t b = 0; b < 8; ++b) key[kKeySize - 1 - b] = static_cast<char>(i >> (8 * b));
    // Spread the counter over the leading bytes too, so comparisons do not all end early.
    std::string prefix(8, '\0');
    EncodeFixed64(prefix.data(), i * 0x9e3779b97f4a7c15ull);
    std::copy(prefix.begin(), prefix.end(), key.begin());
    keys[i] = std::move(key);
  }
  std::sort(keys.begin(), keys.end());
  if (random) {
    Random rnd(301);
    for (size_t i = n - 1; i > 0; --i) std::swap(keys[i], keys[rnd.Uniform(i + 1)]);
  }
  return keys;
}

void BM_MemTableInsert(benchmark::State& state) {
  const bool random = state.range(0) != 0;
  const size_t n = static_cast<size_t>(state.range(1));
  const std::vector<std::string> keys = MakeKeys(n, random);
  const std::string value(kValueSize, 'v');
  const InternalKeyComparator icmp(BytewiseComparator());
  auto mem = std::make_unique<MemTable>(icmp);
  size_t i = 0;
  SequenceNumber seq = 0;
  for (auto _ : state) {
    if (i == n) {
      state.PauseTiming();
      mem = std::make_unique<MemTable>(icmp);
      i = 0;
      state.ResumeTiming();
    }
    mem->Add(++seq, ValueType::kPut, keys[i++], value);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["arena_MiB"] = static_cast<double>(mem->ApproximateMemoryUsage()) / (1 << 20);
}
BENCHMARK(BM_MemTableInsert)
    ->ArgNames({"random", "entries"})
    ->Args({1, 10000})
    ->Args({1, 100000})
    ->Args({0, 100000})
    ->Args({1, 400000})
    ->Args({0, 400000});

void BM_MemTableGet(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<std::string> keys = MakeKeys(n, /*random=*/true);
  const std::string value(kValueSize, 'v');
  const InternalKeyComparator icmp(BytewiseComparator());
  MemTable mem(icmp);
  SequenceNumber seq = 0;
  for (const std::string& key : keys) mem.Add(++seq, ValueType::kPut, key, value);
  // Look the keys up in an order unrelated to insertion.
  std::vector<size_t> order(n);
  Random rnd(7);
  for (size_t i = 0; i < n; ++i) order[i] = rnd.Uniform(n);
  size_t i = 0;
  std::string result;
  size_t found = 0;
  for (auto _ : state) {
    const std::string& key = keys[order[i]];
    if (++i == n) i = 0;
    GetContext ctx(nullptr, key, &result);
    mem.Get(key, kMaxSequenceNumber, &ctx);
    found += ctx.Finish().ok();
  }
  if (found != static_cast<size_t>(state.iterations())) state.SkipWithError("key not found");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_MemTableGet)->ArgNames({"entries"})->Arg(10000)->Arg(100000)->Arg(400000);

}  // namespace
}  // namespace kvlsm
