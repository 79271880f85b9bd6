// WriteBatch encode (Put into a batch) and decode (Iterate over it), 16-byte keys and
// 100-byte values, batches of 100 records.
#include <string>

#include <benchmark/benchmark.h>

#include "db/write_batch_internal.h"
#include "kvlsm/write_batch.h"

namespace kvlsm {
namespace {

constexpr int kRecords = 100;

std::string Key(int i) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "key%013d", i);
  return std::string(buf, 16);
}

void BM_WriteBatchEncode(benchmark::State& state) {
  const std::string value(100, 'v');
  std::string keys[kRecords];
  for (int i = 0; i < kRecords; ++i) keys[i] = Key(i);
  WriteBatch batch;
  for (auto _ : state) {
    batch.Clear();
    for (int i = 0; i < kRecords; ++i) batch.Put(keys[i], value);
    benchmark::DoNotOptimize(batch.ApproximateSize());
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_WriteBatchEncode);

class CountingHandler final : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override {
    bytes += key.size() + value.size();
  }
  void Delete(std::string_view key) override { bytes += key.size(); }
  void Merge(std::string_view key, std::string_view value) override { bytes += value.size(); }
  size_t bytes = 0;
};

void BM_WriteBatchDecode(benchmark::State& state) {
  const std::string value(100, 'v');
  WriteBatch batch;
  for (int i = 0; i < kRecords; ++i) batch.Put(Key(i), value);
  CountingHandler handler;
  for (auto _ : state) {
    absl::Status s = batch.Iterate(&handler);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_WriteBatchDecode);

}  // namespace
}  // namespace kvlsm
