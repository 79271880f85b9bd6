// The blocked Bloom filter (src/table/bloom_filter.cc) at 10 bits/key: building (AddKey +
// Finish, per key) and querying present keys (hit) and absent keys (miss). Keys are 16
// bytes, like a user key of a typical table. The argument is the number of keys in the
// filter: 10k keys make a 12 KiB filter (fits L1), 100k keys 122 KiB (L2), 1M keys
// 1.2 MiB (L3 on a machine with 1 MiB of L2), 10M keys 12 MiB (L3), so the larger sizes
// include a cache miss on the filter block. Queries are independent, so the CPU overlaps
// some of those misses: this is throughput, not the latency of a single query.
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "kvlsm/filter_policy.h"

namespace kvlsm {
namespace {

// Key i: distinct for distinct i; the second half makes the bytes look less sequential.
// Written with two 8-byte stores (host byte order): EncodeFixed64's byte stores would make
// the hash's 8-byte loads wait for a failed store-to-load forward, which is an artifact of
// building the key just before the query and costs about 4 ns here.
inline std::string_view Key(uint64_t i, char buf[16]) {
  const uint64_t words[2] = {i, i * 0x9e3779b97f4a7c15ull};
  std::memcpy(buf, words, sizeof(words));
  return std::string_view(buf, 16);
}

void BM_BloomAdd(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  auto policy = NewBloomFilterPolicy(10);
  char buf[16];
  std::string filter;
  for (auto _ : state) {
    std::unique_ptr<FilterBuilder> builder = policy->NewBuilder();
    for (uint64_t i = 0; i < n; ++i) builder->AddKey(Key(i, buf));
    filter.clear();
    builder->Finish(&filter);
    benchmark::DoNotOptimize(filter.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["filter_bytes"] = static_cast<double>(filter.size());
}
BENCHMARK(BM_BloomAdd)->Arg(10000)->Arg(1000000);

// A filter of n keys, built once per size and shared by the query benchmarks.
struct BuiltFilter {
  std::shared_ptr<const FilterPolicy> policy = NewBloomFilterPolicy(10);
  std::string bytes;
  std::unique_ptr<FilterReader> reader;
};

// Benchmarks run one at a time, so the unsynchronized map is safe.
const BuiltFilter& FilterOf(uint64_t n) {
  static auto* cached = new std::map<uint64_t, std::unique_ptr<BuiltFilter>>;
  std::unique_ptr<BuiltFilter>& slot = (*cached)[n];
  if (slot == nullptr) {
    auto f = std::make_unique<BuiltFilter>();
    std::unique_ptr<FilterBuilder> builder = f->policy->NewBuilder();
    char buf[16];
    for (uint64_t i = 0; i < n; ++i) builder->AddKey(Key(i, buf));
    builder->Finish(&f->bytes);
    f->reader = std::move(*f->policy->NewReader(f->bytes));
    slot = std::move(f);
  }
  return *slot;
}

// Queries keys first, first + 1, ... (wrapping after n); the hash scatters them over the
// filter, so consecutive queries touch unrelated blocks.
void Query(benchmark::State& state, uint64_t first) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  const FilterReader& reader = *FilterOf(n).reader;
  char buf[16];
  uint64_t i = 0;
  uint64_t matches = 0;
  for (auto _ : state) {
    matches += reader.KeyMayMatch(Key(first + i, buf)) ? 1 : 0;
    if (++i == n) i = 0;
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["match_rate"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
}

void BM_BloomQueryHit(benchmark::State& state) { Query(state, 0); }
void BM_BloomQueryMiss(benchmark::State& state) { Query(state, uint64_t{1} << 40); }
BENCHMARK(BM_BloomQueryHit)->Arg(10000)->Arg(100000)->Arg(1000000)->Arg(10000000);
BENCHMARK(BM_BloomQueryMiss)->Arg(10000)->Arg(100000)->Arg(1000000)->Arg(10000000);

}  // namespace
}  // namespace kvlsm
