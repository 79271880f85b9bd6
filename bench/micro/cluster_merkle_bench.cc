// Merkle trees: the cost of keeping a tree current on the write path (target <= 1 us per
// write) and the exchange between two replicas of 10 million keys differing in 100
// (target: at most 5,000 hashes exchanged). Run in a release build:
//   kvlsm_micro_bench --benchmark_filter=ClusterMerkle
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "kvlsm/cluster/merkle.h"
#include "kvlsm/cluster/merkle_exchange.h"
#include "util/random.h"

namespace kvlsm::cluster {
namespace {

// Replica data generated on the fly: keys "key%010u" for i in [0, count), in key order,
// value "value-i", except for the overrides (a changed value, or absent).
class GeneratedData : public Iterator {
 public:
  GeneratedData(uint64_t count, const std::map<uint64_t, std::string>* changed,
                const std::set<uint64_t>* absent)
      : count_(count), changed_(changed), absent_(absent) {}

  bool Valid() const override { return index_ < count_; }
  void SeekToFirst() override { Position(0); }
  void SeekToLast() override { Position(count_ == 0 ? 0 : count_ - 1); }
  void Seek(std::string_view target) override { Position(Parse(target)); }
  void SeekForPrev(std::string_view target) override { Position(Parse(target)); }
  void Next() override { Position(index_ + 1); }
  void Prev() override { Position(index_ == 0 ? count_ : index_ - 1); }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  static uint64_t Parse(std::string_view key) {
    return key.size() > 3 ? std::strtoull(std::string(key.substr(3)).c_str(), nullptr, 10) : 0;
  }
  void Position(uint64_t index) {
    while (index < count_ && absent_->count(index)) ++index;
    index_ = index;
    if (index_ >= count_) return;
    char buf[32];
    std::snprintf(buf, sizeof(buf), "key%010llu", static_cast<unsigned long long>(index_));
    key_ = buf;
    auto it = changed_->find(index_);
    if (it != changed_->end()) {
      value_ = it->second;
    } else {
      std::snprintf(buf, sizeof(buf), "value-%llu", static_cast<unsigned long long>(index_));
      value_ = buf;
    }
  }

  uint64_t count_;
  const std::map<uint64_t, std::string>* changed_;
  const std::set<uint64_t>* absent_;
  uint64_t index_ = 0;
  std::string key_, value_;
};

void BM_ClusterMerkleUpdate(benchmark::State& state) {
  MerkleOptions options;  // fanout 4, depth 10: 1,048,576 leaves
  MerkleTree tree = *MerkleTree::Create(options, TokenRange{});
  Random rnd(1);
  std::vector<std::string> keys, values;
  for (int i = 0; i < 4096; ++i) {
    keys.push_back("user:" + std::to_string(rnd.Next()));
    values.push_back(std::string(100, static_cast<char>('a' + i % 26)));
  }
  size_t i = 0;
  for (auto _ : state) {
    // A write replacing a 100-byte value with another.
    const size_t k = i++ & 4095;
    benchmark::DoNotOptimize(tree.Update(keys[k], values[k], values[(k + 1) & 4095]));
  }
}
BENCHMARK(BM_ClusterMerkleUpdate);

// Two replicas of 10M keys differing in 100 (70 values changed, 15 keys only on the
// initiator, 15 only on the responder). Args: fanout, depth.
void BM_ClusterMerkleExchange10M(benchmark::State& state) {
  constexpr uint64_t kKeys = 10'000'000;
  MerkleOptions options;
  options.fanout = static_cast<int>(state.range(0));
  options.depth = static_cast<int>(state.range(1));
  Random rnd(7);
  std::map<uint64_t, std::string> none, changed;
  std::set<uint64_t> absent_a, absent_b;
  while (changed.size() < 70) changed[rnd.Uniform(kKeys)] = "changed";
  while (absent_b.size() < 15) {
    const uint64_t k = rnd.Uniform(kKeys);
    if (!changed.count(k)) absent_b.insert(k);
  }
  while (absent_a.size() < 15) {
    const uint64_t k = rnd.Uniform(kKeys);
    if (!changed.count(k) && !absent_b.count(k)) absent_a.insert(k);
  }
  GeneratedData data_a(kKeys, &none, &absent_a), data_b(kKeys, &changed, &absent_b);
  const MerkleTree tree_a = *MerkleTree::Build(options, TokenRange{}, &data_a);
  const MerkleTree tree_b = *MerkleTree::Build(options, TokenRange{}, &data_b);
  MerkleExchange::Stats stats;
  size_t found = 0;
  for (auto _ : state) {
    MerkleExchange exchange(&tree_a);
    while (!exchange.done()) {
      std::string bytes;
      exchange.NextRequest().EncodeTo(&bytes);
      const MerkleRequest request = *MerkleRequest::Decode(bytes);
      const MerkleResponse response = *AnswerMerkleRequest(tree_b, request, &data_b);
      bytes.clear();
      response.EncodeTo(&bytes);
      if (!exchange.HandleResponse(*MerkleResponse::Decode(bytes), &data_a).ok()) std::abort();
    }
    stats = exchange.stats();
    found = exchange.differing_keys().size();
  }
  if (found != 100) state.SkipWithError("the exchange did not find the 100 differing keys");
  state.counters["keys_found"] = static_cast<double>(found);
  state.counters["hashes"] = static_cast<double>(stats.tree_hashes + stats.entry_hashes);
  state.counters["tree_hashes"] = static_cast<double>(stats.tree_hashes);
  state.counters["entry_hashes"] = static_cast<double>(stats.entry_hashes);
  state.counters["rounds"] = static_cast<double>(stats.rounds);
  state.counters["bytes"] = static_cast<double>(stats.request_bytes + stats.response_bytes);
  state.counters["tree_MiB"] =
      static_cast<double>((tree_a.leaf_count() * options.fanout - 1) / (options.fanout - 1)) * 8.0 /
      (1 << 20);
}
BENCHMARK(BM_ClusterMerkleExchange10M)
    ->Args({4, 10})
    ->Args({8, 7})
    ->Args({16, 5})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_ClusterMerkleBuild(benchmark::State& state) {
  std::map<uint64_t, std::string> none;
  std::set<uint64_t> absent;
  GeneratedData data(static_cast<uint64_t>(state.range(0)), &none, &absent);
  for (auto _ : state)
    benchmark::DoNotOptimize(MerkleTree::Build(MerkleOptions(), TokenRange{}, &data));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ClusterMerkleBuild)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kvlsm::cluster
