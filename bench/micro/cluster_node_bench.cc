// Node on a simulated network with zero latency: the coordinator's cost per Put and Get
// next to the local DB operations it performs, and anti-entropy traffic (hashes and key
// states sent) against the number of keys that differ. Run in a release build:
//   kvlsm_micro_bench --benchmark_filter=ClusterNode
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "absl/strings/str_format.h"
#include "kvlsm/db.h"
#include "kvlsm/cluster/node.h"
#include "kvlsm/cluster/ring.h"
#include "kvlsm/cluster/sibling_merge_operator.h"
#include "kvlsm/cluster/sim_network.h"
#include "kvlsm/env.h"

namespace kvlsm::cluster {
namespace {

const std::string kValue(100, 'v');

std::string Key(uint64_t i) { return absl::StrFormat("key%010d", i); }

// Three Nodes (N = 3) on a network without latency, anti-entropy every `ae_micros`.
class BenchCluster {
 public:
  explicit BenchCluster(uint64_t ae_micros, int depth = 5) {
    SimNetworkOptions options;
    options.default_link.min_latency_micros = 0;
    options.default_link.jitter_micros = 0;
    net_ = *SimNetwork::New(options);
    RingOptions ring_options;
    ring_options.tokens_per_node = 4;
    ring_ = Ring(ring_options);
    for (NodeId id = 1; id <= 3; ++id) {
      (void)net_->AddNode(id);
      (void)ring_.AddNode(RingNode(id));
    }
    for (NodeId id = 1; id <= 3; ++id) {
      NodeOptions node_options;
      node_options.id = id;
      node_options.path = "/node";
      node_options.env = net_->env(id);
      node_options.anti_entropy_interval_micros = ae_micros;
      node_options.merkle = {.fanout = 4, .depth = depth, .seed = 0};
      auto node = Node::Open(node_options, ring_, net_->clock(id), net_->transport(id));
      if (!node.ok()) std::abort();
      Node* raw = node->get();
      nodes_.push_back(*std::move(node));
      (void)net_->Attach(
          id, [raw](NodeId from, std::string bytes) { (void)raw->Receive(from, bytes); });
    }
  }

  bool Put(NodeId at, const std::string& key, const PutOptions& options = {}) {
    bool ok = false, done = false;
    nodes_[at - 1]->Put(key, Context(), kValue, options, [&](absl::StatusOr<Context> r) {
      ok = r.ok();
      done = true;
    });
    net_->RunUntil([&] { return done; }, 10000000);
    return ok;
  }

  bool Get(NodeId at, const std::string& key) {
    bool ok = false, done = false;
    nodes_[at - 1]->Get(key, {}, [&](absl::StatusOr<Siblings> r) {
      ok = r.ok() && r->values.size() == 1;
      done = true;
    });
    net_->RunUntil([&] { return done; }, 10000000);
    return ok;
  }

  SimNetwork& net() { return *net_; }
  Node& node(NodeId id) { return *nodes_[id - 1]; }

 private:
  std::unique_ptr<SimNetwork> net_;
  Ring ring_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

// The baseline: the local DB (in-memory Env, synced writes, the sibling merge operator)
// doing one 100-byte put or get.
void BM_ClusterNodeLocalDbPut(benchmark::State& state) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.create_if_missing = true;
  options.env = env.get();
  options.merge_operator = NewSiblingMergeOperator();
  auto db = *DB::Open(options, "/db");
  WriteOptions sync;
  sync.sync = true;
  uint64_t i = 0;
  for (auto _ : state) {
    if (!db->Put(sync, Key(i++), kValue).ok()) state.SkipWithError("put failed");
  }
}
BENCHMARK(BM_ClusterNodeLocalDbPut);

void BM_ClusterNodeLocalDbGet(benchmark::State& state) {
  std::unique_ptr<Env> env = NewMemEnv();
  Options options;
  options.create_if_missing = true;
  options.env = env.get();
  auto db = *DB::Open(options, "/db");
  for (uint64_t i = 0; i < 10000; ++i) (void)db->Put(WriteOptions(), Key(i), kValue);
  uint64_t i = 0;
  std::string value;
  for (auto _ : state) {
    if (!db->Get(ReadOptions(), Key(i++ % 10000), &value).ok()) state.SkipWithError("get failed");
  }
}
BENCHMARK(BM_ClusterNodeLocalDbGet);

// A Put coordinated by a replica: a local read, DvvSet::Put, the local write, two
// messages out and back, two remote read-join-writes; answered at W = 2, and the run
// continues until the third replica has answered too.
void BM_ClusterNodePut(benchmark::State& state) {
  BenchCluster cluster(0);
  uint64_t i = 0;
  for (auto _ : state) {
    if (!cluster.Put(1, Key(i++))) state.SkipWithError("put failed");
  }
  cluster.net().RunFor(1000);
  state.counters["db_writes_per_put"] =
      static_cast<double>(cluster.node(1).stats().replica_writes +
                          cluster.node(2).stats().replica_writes +
                          cluster.node(3).stats().replica_writes) /
      static_cast<double>(i);
}
BENCHMARK(BM_ClusterNodePut);

void BM_ClusterNodeGet(benchmark::State& state) {
  BenchCluster cluster(0);
  for (uint64_t i = 0; i < 10000; ++i) cluster.Put(1 + i % 3, Key(i));
  cluster.net().RunFor(1000);
  uint64_t i = 0;
  for (auto _ : state) {
    if (!cluster.Get(1 + i % 3, Key(i % 10000))) state.SkipWithError("get failed");
    ++i;
  }
}
BENCHMARK(BM_ClusterNodeGet);

// Anti-entropy traffic: 10,000 keys on three replicas, node 3 misses `d` of them (written
// while it was cut off, strict quorum), then the network heals and anti-entropy runs
// until every replica's Merkle roots agree. Counts what the nodes received and sent.
void BM_ClusterNodeAntiEntropyTraffic(benchmark::State& state) {
  const uint64_t differing = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    BenchCluster cluster(10000);
    for (uint64_t i = 0; i < 10000; ++i) cluster.Put(1, Key(i));
    (void)cluster.net().Partition({{3}});
    for (uint64_t i = 0; i < differing; ++i) {
      cluster.Put(1, Key(1000000 + i), {.sloppy = false});
    }
    cluster.net().Heal();
    cluster.net().RunFor(1000);
    NodeStats before[3] = {cluster.node(1).stats(), cluster.node(2).stats(),
                           cluster.node(3).stats()};
    state.ResumeTiming();
    const bool converged = cluster.net().RunUntil(
        [&] {
          return cluster.node(1).MerkleRoots() == cluster.node(3).MerkleRoots() &&
                 cluster.node(2).MerkleRoots() == cluster.node(3).MerkleRoots();
        },
        600000000);
    if (!converged) state.SkipWithError("anti-entropy did not converge");
    uint64_t hashes = 0, keys = 0, exchanges = 0;
    for (NodeId id = 1; id <= 3; ++id) {
      hashes += cluster.node(id).stats().anti_entropy_hashes - before[id - 1].anti_entropy_hashes;
      keys +=
          cluster.node(id).stats().anti_entropy_keys_sent - before[id - 1].anti_entropy_keys_sent;
      exchanges += cluster.node(id).stats().anti_entropy_exchanges -
                   before[id - 1].anti_entropy_exchanges;
    }
    state.counters["hashes"] = static_cast<double>(hashes);
    state.counters["keys_sent"] = static_cast<double>(keys);
    state.counters["exchanges"] = static_cast<double>(exchanges);
    state.counters["virtual_s"] = static_cast<double>(cluster.net().NowMicros()) / 1e6;
  }
}
BENCHMARK(BM_ClusterNodeAntiEntropyTraffic)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kvlsm::cluster
