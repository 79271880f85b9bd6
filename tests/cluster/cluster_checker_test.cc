// The whole store under faults, checked: for each seed, five Nodes with SWIM gossip on a
// SimNetwork with latency, loss, duplication and clock skew run a random client workload
// (read-modify-write, blind writes, deletes) through a partition (halves, bridge or
// random), a crash with loss of unsynced data and a restart. Then the network heals, the
// clients stop, and hinted handoff and anti-entropy run until every range's replicas
// report equal Merkle roots. CheckHistory (kvlsm/cluster/history_checker.h) must find no
// lost write, dropped sibling, resurrection, stale read (strict quorum seeds), foreign
// value or divergence.
//
// 1,000 seeds in 10 cases of 100; KVLSM_LONG_TESTS=1 runs 10,000; KVLSM_TEST_SEED=s runs
// only seed s (the failure message gives it).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cluster/sim_cluster.h"
#include "kvlsm/cluster/history_checker.h"
#include "testutil/testutil.h"
#include "util/random.h"

namespace kvlsm::cluster {
namespace {

constexpr uint64_t kMs = 1000;
constexpr uint64_t kSecond = 1000000;
constexpr uint64_t kWorkloadMicros = 6 * kSecond;

struct ScenarioResult {
  HistoryCheckReport report;
  bool converged = false;
  std::string trace;  // faults, for the failure message
};

class Scenario {
 public:
  explicit Scenario(uint64_t seed) : seed_(seed), rnd_(seed * 0x9e3779b97f4a7c15ull + 1) {
    SimClusterOptions options;
    options.nodes = 5;
    options.gossip = true;
    options.network.seed = seed;
    options.network.default_link.min_latency_micros = 300;
    options.network.default_link.jitter_micros = 2000;
    options.network.default_link.tail_mean_micros = 500;
    options.network.default_link.loss = 0.005;
    options.network.default_link.duplicate = 0.01;
    options.network.max_clock_offset_micros = 2 * kSecond;
    options.network.max_clock_drift_ppm = 2000;
    options.network.trace = [this](std::string_view line) { trace_ += std::string(line) + "\n"; };
    strict_ = seed % 4 == 0;
    quorum_ = HistoryQuorum{.n = 3, .r = 2, .w = 2, .sloppy = !strict_};
    cluster_ = std::make_unique<SimCluster>(options);
  }

  ScenarioResult Run() {
    SimNetwork& net = cluster_->net();
    ScheduleFaults();
    for (int client = 0; client < 3; ++client) ScheduleClient(client, 20 * kMs);
    net.RunFor(kWorkloadMicros);
    stopped_ = true;
    // Heal everything and let in-flight requests finish.
    net.Heal();
    for (NodeId id : cluster_->ids()) {
      if (cluster_->node(id) == nullptr) EXPECT_OK(cluster_->Restart(id));
    }
    ScenarioResult result;
    for (int round = 0; round < 120 && !result.converged; ++round) {
      net.RunFor(500 * kMs);
      result.converged = Converged();
    }
    absl::StatusOr<HistoryCheckReport> report =
        CheckHistory(history_.operations(), cluster_->Final());
    EXPECT_OK(report);
    if (report.ok()) result.report = *std::move(report);
    result.trace = trace_;
    if (!result.converged) result.trace += Divergence();
    return result;
  }

  // What keeps the replicas apart, for the failure message.
  std::string Divergence() {
    std::string out;
    std::map<std::pair<Token, Token>, std::map<uint64_t, std::vector<NodeId>>> roots;
    for (NodeId id : cluster_->ids()) {
      Node* node = cluster_->node(id);
      if (node == nullptr) continue;
      out += absl::StrFormat("node %d: %d hints; believes down:", id, node->hint_count());
      for (NodeId peer : cluster_->ids()) {
        if (!node->IsPeerUp(peer)) out += absl::StrFormat(" %d", peer);
      }
      out += absl::StrFormat("; %d anti-entropy exchanges", node->stats().anti_entropy_exchanges);
      if (Membership* gossip = cluster_->membership(id); gossip != nullptr) {
        out += "; gossip:";
        for (const Member& m : gossip->Members()) {
          out += absl::StrFormat(" %d=%s/%d", m.id, MemberStateName(m.state), m.incarnation);
        }
      }
      out += "\n";
      for (const auto& [range, root] : node->MerkleRoots()) {
        roots[{range.start, range.end}][root].push_back(id);
      }
    }
    for (const auto& [range, by_root] : roots) {
      if (by_root.size() == 1) continue;
      out += absl::StrFormat("range (%x, %x] differs:", range.first, range.second);
      for (const auto& [root, nodes] : by_root) {
        out += absl::StrFormat(" %x on %s;", root, absl::StrJoin(nodes, ","));
      }
      out += "\n";
    }
    return out;
  }

  const History& history() const { return history_; }

 private:
  NodeId RandomNode() {
    const std::vector<NodeId> ids = cluster_->ids();
    return ids[rnd_.Uniform(ids.size())];
  }

  void ScheduleFaults() {
    SimNetwork& net = cluster_->net();
    const NodeId skewed = RandomNode();
    net.ScheduleAfter(300 * kMs, [this, &net, skewed] {
      EXPECT_OK(net.SetClockSkew(
          skewed, static_cast<int64_t>(rnd_.Uniform(3 * kSecond)) - static_cast<int64_t>(kSecond),
          static_cast<double>(rnd_.Uniform(20000)) - 10000));
    });
    const uint64_t partition_at = 500 * kMs + rnd_.Uniform(kSecond);
    net.ScheduleAfter(partition_at, [this, &net] {
      switch (seed_ % 3) {
        case 0:
          net.PartitionHalves();
          break;
        case 1:
          net.PartitionBridge();
          break;
        default:
          net.PartitionRandom();
          break;
      }
    });
    net.ScheduleAfter(partition_at + kSecond + rnd_.Uniform(kSecond), [&net] { net.Heal(); });
    const NodeId victim = RandomNode();
    const uint64_t crash_at = 2 * kSecond + rnd_.Uniform(2 * kSecond);
    net.ScheduleAfter(crash_at, [this, victim] { EXPECT_OK(cluster_->Crash(victim)); });
    net.ScheduleAfter(crash_at + 300 * kMs + rnd_.Uniform(kSecond),
                      [this, victim] { EXPECT_OK(cluster_->Restart(victim)); });
  }

  GetOptions ReadOptions() const { return {.n = 3, .r = 2, .sloppy = quorum_.sloppy}; }
  PutOptions WriteOptions() const { return {.n = 3, .w = 2, .sloppy = quorum_.sloppy}; }

  void ScheduleClient(int client, uint64_t delay) {
    cluster_->net().ScheduleAfter(delay, [this, client] {
      if (stopped_) return;
      RunClientStep(client);
    });
  }

  // One client operation; the next is scheduled when it completes.
  void RunClientStep(int client) {
    SimNetwork& net = cluster_->net();
    const NodeId at = RandomNode();
    Node* node = cluster_->node(at);
    const uint64_t pause = 5 * kMs + rnd_.Uniform(100 * kMs);
    if (node == nullptr) {  // crashed: try another node later
      ScheduleClient(client, pause);
      return;
    }
    const std::string key = absl::StrFormat("k%d", rnd_.Uniform(4));
    const uint64_t kind = rnd_.Uniform(10);
    if (kind < 3) {  // blind write
      Put(client, at, key, Context(), pause);
      return;
    }
    // Read, then write (or delete) with the context read.
    const uint64_t id = history_.InvokeGet(key, quorum_, net.NowMicros());
    node->Get(key, ReadOptions(),
              [this, client, at, key, id, kind, pause](absl::StatusOr<Siblings> result) {
                history_.CompleteGet(id, cluster_->net().NowMicros(), result);
                if (!result.ok() || stopped_ || cluster_->node(at) == nullptr) {
                  ScheduleClient(client, pause);
                  return;
                }
                if (kind < 8) {
                  Put(client, at, key, result->context, pause);
                  return;
                }
                const uint64_t del = history_.InvokeDelete(key, result->context, quorum_,
                                                           cluster_->net().NowMicros());
                cluster_->node(at)->Delete(key, result->context, WriteOptions(),
                                           [this, client, del, pause](absl::Status status) {
                                             history_.CompleteDelete(
                                                 del, cluster_->net().NowMicros(), status);
                                             ScheduleClient(client, pause);
                                           });
              });
  }

  void Put(int client, NodeId at, const std::string& key, const Context& context, uint64_t pause) {
    const std::string value = absl::StrFormat("c%d-%d", client, ++writes_);
    const uint64_t id =
        history_.InvokePut(key, value, context, quorum_, cluster_->net().NowMicros());
    cluster_->node(at)->Put(key, context, value, WriteOptions(),
                            [this, client, id, pause](absl::StatusOr<Context> result) {
                              history_.CompletePut(id, cluster_->net().NowMicros(), result);
                              ScheduleClient(client, pause);
                            });
  }

  // Every range's replicas report the same Merkle root, no hint is left, and every
  // node's gossip sees every other node alive (a restarted node that never refuted its
  // death would be caught here even though hint probes deliver its hints).
  bool Converged() {
    std::map<std::pair<Token, Token>, std::set<uint64_t>> roots;
    for (NodeId id : cluster_->ids()) {
      Node* node = cluster_->node(id);
      if (node == nullptr || node->hint_count() != 0) return false;
      if (Membership* gossip = cluster_->membership(id); gossip != nullptr) {
        for (NodeId peer : cluster_->ids()) {
          if (gossip->StateOf(peer) != MemberState::kAlive) return false;
        }
      }
      for (const auto& [range, root] : node->MerkleRoots()) {
        roots[{range.start, range.end}].insert(root);
      }
    }
    for (const auto& [range, set] : roots) {
      if (set.size() != 1) return false;
    }
    return true;
  }

  uint64_t seed_;
  Random rnd_;
  bool strict_ = false;
  HistoryQuorum quorum_;
  std::string trace_;
  std::unique_ptr<SimCluster> cluster_;
  History history_;
  bool stopped_ = false;
  int writes_ = 0;
};

// Runs seeds [first, first + count) (or only $KVLSM_TEST_SEED) and expects no violation.
void CheckSeeds(uint64_t first, uint64_t count) {
  const char* only = std::getenv("KVLSM_TEST_SEED");
  if (only != nullptr && *only != '\0') {
    first = test::TestSeed(0);
    count = 1;
  }
  uint64_t acknowledged = 0, operations = 0, stale_checked = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    SCOPED_TRACE(test::SeedTrace(seed));
    Scenario scenario(seed);
    ScenarioResult result = scenario.Run();
    EXPECT_TRUE(result.converged) << "replicas did not converge; faults:\n" << result.trace;
    EXPECT_TRUE(result.report.ok()) << result.report.ToString() << "faults:\n" << result.trace;
    if (!result.converged || !result.report.ok()) return;  // one seed's story is enough
    acknowledged += result.report.acknowledged_puts + result.report.acknowledged_deletes;
    operations += scenario.history().operations().size();
    stale_checked += result.report.reads_checked_for_staleness;
  }
  std::printf(
      "seeds %llu..%llu: %llu operations, %llu acknowledged writes and deletes, %llu "
      "strict reads checked\n",
      static_cast<unsigned long long>(first), static_cast<unsigned long long>(first + count - 1),
      static_cast<unsigned long long>(operations), static_cast<unsigned long long>(acknowledged),
      static_cast<unsigned long long>(stale_checked));
  // The workload must do something for the check to mean anything.
  EXPECT_GT(acknowledged, count * 10) << "of " << operations << " operations";
}

class ClusterCheckerTest : public ::testing::TestWithParam<int> {};

TEST_P(ClusterCheckerTest, NoViolationUnderPartitionsCrashesAndSkew) {
  const uint64_t per_case = test::LongTestsEnabled() ? 1000 : 100;
  CheckSeeds(1 + static_cast<uint64_t>(GetParam()) * per_case, per_case);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ClusterCheckerTest, ::testing::Range(0, 10));

}  // namespace
}  // namespace kvlsm::cluster
