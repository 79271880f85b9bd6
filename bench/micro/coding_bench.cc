// Varint and fixed-width coding micro-benchmarks: every key length, sequence trailer and
// block handle kvlsm reads or writes goes through these.
//
// Values are drawn so that their encoded lengths are mixed the way a block's are: mostly
// one-byte lengths and shared-prefix counts (state.range(0) == 1), or uniformly 1 to 10
// bytes long (state.range(0) == 10), which defeats the one-byte fast path.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "util/coding.h"
#include "util/random.h"

namespace kvlsm {
namespace {

constexpr size_t kValues = 4096;

std::vector<uint64_t> MixedValues(int max_bytes) {
  Random rnd(7);
  std::vector<uint64_t> values(kValues);
  for (uint64_t& value : values) {
    const int bits = 7 * (1 + static_cast<int>(rnd.Uniform(max_bytes)));
    value = rnd.Next() >> (64 - std::min(bits, 64));
  }
  return values;
}

void BM_PutVarint64(benchmark::State& state) {
  const std::vector<uint64_t> values = MixedValues(static_cast<int>(state.range(0)));
  std::string buffer;
  for (auto _ : state) {
    buffer.clear();
    for (uint64_t value : values) PutVarint64(&buffer, value);
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kValues));
}
BENCHMARK(BM_PutVarint64)->ArgName("max_bytes")->Arg(1)->Arg(10);

void BM_GetVarint64(benchmark::State& state) {
  const std::vector<uint64_t> values = MixedValues(static_cast<int>(state.range(0)));
  std::string encoded;
  for (uint64_t value : values) PutVarint64(&encoded, value);
  for (auto _ : state) {
    std::string_view input = encoded;
    uint64_t sum = 0, value = 0;
    while (GetVarint64(&input, &value)) sum += value;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kValues));
}
BENCHMARK(BM_GetVarint64)->ArgName("max_bytes")->Arg(1)->Arg(10);

// Varint32s as block entries carry them: shared, non-shared and value lengths.
void BM_GetVarint32Ptr(benchmark::State& state) {
  const std::vector<uint64_t> values = MixedValues(static_cast<int>(state.range(0)));
  std::string encoded;
  for (uint64_t value : values) PutVarint32(&encoded, static_cast<uint32_t>(value));
  for (auto _ : state) {
    const char* p = encoded.data();
    const char* const limit = p + encoded.size();
    uint32_t sum = 0, value = 0;
    while (p != nullptr && p < limit) {
      p = GetVarint32Ptr(p, limit, &value);
      sum += value;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kValues));
}
BENCHMARK(BM_GetVarint32Ptr)->ArgName("max_bytes")->Arg(1)->Arg(5);

// The 8-byte (sequence << 8 | type) trailer of every internal key.
void BM_DecodeFixed64(benchmark::State& state) {
  std::string encoded;
  for (uint64_t value : MixedValues(10)) PutFixed64(&encoded, value);
  for (auto _ : state) {
    uint64_t sum = 0;
    for (size_t at = 0; at < encoded.size(); at += 8) sum += DecodeFixed64(encoded.data() + at);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kValues));
}
BENCHMARK(BM_DecodeFixed64);

}  // namespace
}  // namespace kvlsm
