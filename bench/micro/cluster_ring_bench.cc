// Ring lookups: the preference list of a key on a 1,000-node ring with 16 tokens each.
// Tokens are random: the lookup does the same work on any placement, and building a
// balanced 1,000-node ring with the allocator takes minutes (kvlsm_ring_sweep measures
// allocation). Target: median <= 100 ns per lookup (docs/cluster.md).
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "absl/strings/str_cat.h"
#include "kvlsm/cluster/ring.h"
#include "util/random.h"

namespace kvlsm::cluster {
namespace {

Ring RandomRing(int nodes, int zones) {
  Ring ring;
  Random rnd(42);
  for (int i = 0; i < nodes; ++i) {
    std::vector<Token> tokens;
    for (int t = 0; t < 16; ++t) tokens.push_back(rnd.Next());
    const RingNode node(static_cast<NodeId>(i + 1), 1.0,
                        zones > 0 ? absl::StrCat("zone", i % zones) : std::string());
    if (!ring.AddNodeWithTokens(node, tokens).ok()) std::abort();
  }
  return ring;
}

std::vector<std::string> Keys() {
  std::vector<std::string> keys;
  for (int i = 0; i < 4096; ++i) keys.push_back(absl::StrCat("user:", i * 7919));
  return keys;
}

// Args: replicas, fallbacks, zones.
void BM_ClusterRingPreferenceList(benchmark::State& state) {
  static const Ring* plain = new Ring(RandomRing(1000, 0));
  static const Ring* zoned = new Ring(RandomRing(1000, 3));
  const Ring& ring = state.range(2) > 0 ? *zoned : *plain;
  const std::vector<std::string> keys = Keys();
  std::vector<NodeId> out;
  out.reserve(16);
  size_t i = 0;
  for (auto _ : state) {
    // The whole lookup: hashing the key, the search and the walk.
    ring.PreferenceListForToken(KeyToken(keys[i++ & 4095]), state.range(0), state.range(1), &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ClusterRingPreferenceList)
    ->Args({3, 0, 0})
    ->Args({3, 2, 0})
    ->Args({3, 0, 3})
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

// The allocating convenience form, for comparison.
void BM_ClusterRingPreferenceListVector(benchmark::State& state) {
  static const Ring* ring = new Ring(RandomRing(1000, 0));
  const std::vector<std::string> keys = Keys();
  size_t i = 0;
  for (auto _ : state) {
    std::vector<NodeId> list = ring->PreferenceList(keys[i++ & 4095], 3);
    benchmark::DoNotOptimize(list.data());
  }
}
BENCHMARK(BM_ClusterRingPreferenceListVector)->Repetitions(5)->ReportAggregatesOnly(true);

// One join into a balanced ring of state.range(0) nodes (token allocation plus the
// transfer plan).
void BM_ClusterRingAddNode(benchmark::State& state) {
  Ring base;
  for (int i = 1; i <= state.range(0); ++i) {
    if (!base.AddNode(RingNode(static_cast<NodeId>(i))).ok()) std::abort();
  }
  for (auto _ : state) {
    state.PauseTiming();
    Ring ring = base;
    state.ResumeTiming();
    auto transfers = ring.AddNode(RingNode(1000000));
    benchmark::DoNotOptimize(transfers);
  }
}
BENCHMARK(BM_ClusterRingAddNode)->Arg(50)->Arg(200)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace kvlsm::cluster
