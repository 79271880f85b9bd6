// kvlsm_ring_sweep: replicated-ownership balance and data movement of kvlsm::cluster::Ring over a
// sweep of cluster sizes (docs/cluster.md, "Ring" quotes its output).
//
// Grows a ring from 1 to --max_nodes nodes with AddNode, then shrinks it back to
// --min_nodes removing a random node at a time. After every change it measures
//   max/mean  the largest replicated ownership over the mean (the balance target is 1.05);
//             with weights or zones, the largest ownership over the node's fair share
//   moved     the fraction of all replicated data the change transfers, next to the
//             ideal: the joining node's fair share after the join, or the leaving
//             node's before the leave (1/nodes with equal weights)
// and prints a line per --print_every sizes plus a summary. --random_tokens measures
// random token placement instead, for comparison. --churn=OPS adds, between growing and
// shrinking, OPS random joins and leaves keeping between max_nodes/2 and max_nodes nodes
// (their figures print as "churn"). --zones=K puts node i in zone i % K;
// --heavy_every=K gives every K-th node weight 2 (max/mean is then per unit of weight).
//
// Usage: kvlsm_ring_sweep [--max_nodes=500] [--min_nodes=3] [--rf=3] [--tokens=16]
//                         [--zones=0] [--heavy_every=0] [--churn=0] [--seed=1]
//                         [--print_every=1] [--random_tokens]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "kvlsm/cluster/ring.h"

namespace {

struct Flags {
  int max_nodes = 500;
  int min_nodes = 3;
  int rf = 3;
  int tokens = 16;
  int zones = 0;
  uint64_t seed = 1;
  int print_every = 1;
  int heavy_every = 0;
  int churn = 0;
  bool random_tokens = false;
};

bool ParseFlag(const char* arg, const char* name, long long* value) {
  const size_t len = std::strlen(name);
  if (std::strncmp(arg, name, len) != 0 || arg[len] != '=') return false;
  *value = std::atoll(arg + len + 1);
  return true;
}

uint64_t NextRandom(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The largest ratio of replicated ownership to fair share (1.0 is perfect balance; with
// equal weights it is max/mean).
double MaxOverMean(const kvlsm::cluster::Ring& ring) {
  const auto ownership = ring.ReplicatedOwnership();
  const auto shares = ring.FairOwnership();
  double max = 0;
  for (size_t i = 0; i < shares.size(); ++i) max = std::max(max, ownership[i].second / shares[i]);
  return max;
}

// The fair share of all stored data of node `id` on `ring`.
double FairFraction(const kvlsm::cluster::Ring& ring, kvlsm::cluster::NodeId id) {
  const auto nodes = ring.Nodes();
  const auto shares = ring.FairOwnership();
  double total = 0, mine = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    total += shares[i];
    if (nodes[i].id == id) mine = shares[i];
  }
  return mine / total;
}

// The fraction of all stored data (copies = min(rf, nodes) rings' worth) transferred.
double Moved(const std::vector<kvlsm::cluster::RangeTransfer>& transfers, int copies) {
  double moved = 0;
  for (const auto& t : transfers) moved += t.range.Fraction();
  return moved / copies;
}

struct Stats {
  double worst_balance = 0;
  int worst_balance_nodes = 0;
  double worst_moved_ratio = 0;
  int worst_moved_nodes = 0;
  double sum_balance = 0;
  int samples = 0;
  void Add(double balance, double moved_ratio, int nodes, int min_nodes) {
    if (nodes < min_nodes) return;
    if (balance > worst_balance) {
      worst_balance = balance;
      worst_balance_nodes = nodes;
    }
    if (moved_ratio > worst_moved_ratio) {
      worst_moved_ratio = moved_ratio;
      worst_moved_nodes = nodes;
    }
    sum_balance += balance;
    ++samples;
  }
};

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    long long v = 0;
    if (ParseFlag(argv[i], "--max_nodes", &v)) {
      flags.max_nodes = static_cast<int>(v);
    } else if (ParseFlag(argv[i], "--min_nodes", &v)) {
      flags.min_nodes = static_cast<int>(v);
    } else if (ParseFlag(argv[i], "--rf", &v)) {
      flags.rf = static_cast<int>(v);
    } else if (ParseFlag(argv[i], "--tokens", &v)) {
      flags.tokens = static_cast<int>(v);
    } else if (ParseFlag(argv[i], "--zones", &v)) {
      flags.zones = static_cast<int>(v);
    } else if (ParseFlag(argv[i], "--seed", &v)) {
      flags.seed = static_cast<uint64_t>(v);
    } else if (ParseFlag(argv[i], "--churn", &v)) {
      flags.churn = static_cast<int>(v);
    } else if (ParseFlag(argv[i], "--heavy_every", &v)) {
      flags.heavy_every = static_cast<int>(v);
    } else if (ParseFlag(argv[i], "--print_every", &v)) {
      flags.print_every = std::max(1, static_cast<int>(v));
    } else if (std::strcmp(argv[i], "--random_tokens") == 0) {
      flags.random_tokens = true;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  kvlsm::cluster::RingOptions options;
  options.replication_factor = flags.rf;
  options.tokens_per_node = flags.tokens;
  auto created = kvlsm::cluster::Ring::Create(options);
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
    return 2;
  }
  kvlsm::cluster::Ring ring = *std::move(created);
  uint64_t rng = flags.seed;
  std::printf("# rf=%d tokens=%d zones=%d seed=%llu allocation=%s\n", flags.rf, flags.tokens,
              flags.zones, static_cast<unsigned long long>(flags.seed),
              flags.random_tokens ? "random" : "kvlsm");
  std::printf("%-6s %6s %9s %10s %10s %9s\n", "op", "nodes", "max/mean", "moved", "ideal", "ms");
  Stats joins, leaves;
  std::vector<kvlsm::cluster::NodeId> ids;
  const auto start_all = std::chrono::steady_clock::now();
  for (int nodes = 1; nodes <= flags.max_nodes; ++nodes) {
    kvlsm::cluster::RingNode node;
    node.id = static_cast<kvlsm::cluster::NodeId>(nodes);
    if (flags.zones > 0) node.zone = "z" + std::to_string(nodes % flags.zones);
    if (flags.heavy_every > 0 && nodes % flags.heavy_every == 0) node.weight = 2.0;
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<std::vector<kvlsm::cluster::RangeTransfer>> transfers;
    if (flags.random_tokens) {
      std::vector<kvlsm::cluster::Token> tokens;
      for (int t = 0; t < flags.tokens; ++t) tokens.push_back(NextRandom(&rng));
      transfers = ring.AddNodeWithTokens(node, tokens);
    } else {
      transfers = ring.AddNode(node);
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!transfers.ok()) {
      std::fprintf(stderr, "join %d: %s\n", nodes, transfers.status().ToString().c_str());
      return 1;
    }
    ids.push_back(node.id);
    const double balance = MaxOverMean(ring);
    const double moved = Moved(*transfers, std::min(flags.rf, nodes));
    const double ideal = FairFraction(ring, node.id);
    joins.Add(balance, moved / ideal, nodes, flags.min_nodes + 1);
    if (nodes % flags.print_every == 0 || nodes == flags.max_nodes) {
      std::printf("%-6s %6d %9.4f %10.6f %10.6f %9.2f\n", "join", nodes, balance, moved, ideal, ms);
    }
  }
  Stats churn;
  kvlsm::cluster::NodeId next_id = static_cast<kvlsm::cluster::NodeId>(flags.max_nodes) + 1;
  for (int op = 0; op < flags.churn && !flags.random_tokens; ++op) {
    const bool leave =
        static_cast<int>(ring.node_count()) > std::max(flags.max_nodes / 2, 1) &&
        (static_cast<int>(ring.node_count()) >= flags.max_nodes || NextRandom(&rng) % 2 == 0);
    absl::StatusOr<std::vector<kvlsm::cluster::RangeTransfer>> transfers;
    double ideal = 0;
    const int before = static_cast<int>(ring.node_count());
    if (leave) {
      const size_t victim = NextRandom(&rng) % ids.size();
      ideal = FairFraction(ring, ids[victim]);
      transfers = ring.RemoveNode(ids[victim]);
      ids.erase(ids.begin() + victim);
    } else {
      kvlsm::cluster::RingNode node;
      node.id = next_id++;
      if (flags.zones > 0) node.zone = "z" + std::to_string(node.id % flags.zones);
      if (flags.heavy_every > 0 && node.id % flags.heavy_every == 0) node.weight = 2.0;
      transfers = ring.AddNode(node);
      ids.push_back(node.id);
      if (transfers.ok()) ideal = FairFraction(ring, node.id);
    }
    if (!transfers.ok()) {
      std::fprintf(stderr, "churn %d: %s\n", op, transfers.status().ToString().c_str());
      return 1;
    }
    const double balance = MaxOverMean(ring);
    const double moved = Moved(*transfers, std::min(flags.rf, std::max(before, 1)));
    churn.Add(balance, moved / ideal, static_cast<int>(ring.node_count()), 0);
    if (op % flags.print_every == 0) {
      std::printf("%-6s %6zu %9.4f %10.6f %10.6f %9s\n", "churn", ring.node_count(), balance, moved,
                  ideal, leave ? "leave" : "join");
    }
  }
  for (int nodes = static_cast<int>(ring.node_count());
       nodes > flags.min_nodes && !flags.random_tokens; --nodes) {
    const size_t victim = NextRandom(&rng) % ids.size();
    const kvlsm::cluster::NodeId id = ids[victim];
    ids.erase(ids.begin() + victim);
    const double ideal = FairFraction(ring, id);
    const auto start = std::chrono::steady_clock::now();
    auto transfers = ring.RemoveNode(id);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!transfers.ok()) {
      std::fprintf(stderr, "leave %d: %s\n", nodes, transfers.status().ToString().c_str());
      return 1;
    }
    const double balance = MaxOverMean(ring);
    const double moved = Moved(*transfers, std::min(flags.rf, nodes));
    leaves.Add(balance, moved / ideal, nodes - 1, flags.min_nodes);
    if ((nodes - 1) % flags.print_every == 0 || nodes - 1 == flags.min_nodes) {
      std::printf("%-6s %6d %9.4f %10.6f %10.6f %9.2f\n", "leave", nodes - 1, balance, moved, ideal,
                  ms);
    }
  }
  const double total_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_all).count();
  std::printf(
      "# joins  %d..%d: worst max/mean %.4f (at %d nodes), mean max/mean %.4f, "
      "worst moved/ideal %.3f (at %d nodes)\n",
      flags.min_nodes, flags.max_nodes, joins.worst_balance, joins.worst_balance_nodes,
      joins.samples ? joins.sum_balance / joins.samples : 0.0, joins.worst_moved_ratio,
      joins.worst_moved_nodes);
  if (leaves.samples > 0) {
    std::printf(
        "# leaves %d..%d: worst max/mean %.4f (at %d nodes), mean max/mean %.4f, "
        "worst moved/ideal %.3f (at %d nodes)\n",
        flags.max_nodes - 1, flags.min_nodes, leaves.worst_balance, leaves.worst_balance_nodes,
        leaves.sum_balance / leaves.samples, leaves.worst_moved_ratio, leaves.worst_moved_nodes);
  }
  if (churn.samples > 0) {
    std::printf(
        "# churn  %d operations: worst max/mean %.4f (at %d nodes), mean max/mean %.4f, "
        "worst moved/ideal %.3f\n",
        churn.samples, churn.worst_balance, churn.worst_balance_nodes,
        churn.sum_balance / churn.samples, churn.worst_moved_ratio);
  }
  std::printf("# total %.1f s, final ring %zu nodes, %zu tokens\n", total_s, ring.node_count(),
              ring.token_count());
  return 0;
}
