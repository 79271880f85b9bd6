// A five-node kvlsm cluster in one process, on a simulated network: a write during a
// partition, a crash, the hint a stand-in keeps and hands back, a read repair and an
// anti-entropy exchange, printed as they happen.
//
//   ./cluster_sim [seed]
//
// Every node is a kvlsm::cluster::Node on the SimNetwork's in-memory Env, with a Membership
// (SWIM gossip) beside it telling the Node which peers are up, wired as an application
// wires them to a real transport.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kvlsm/cluster/membership.h"
#include "kvlsm/cluster/node.h"
#include "kvlsm/cluster/ring.h"
#include "kvlsm/cluster/sim_network.h"

namespace {

constexpr uint64_t kMs = 1000;

struct Process {
  std::unique_ptr<kvlsm::cluster::Node> node;
  std::unique_ptr<kvlsm::cluster::Membership> membership;
};

class Cluster {
 public:
  Cluster(kvlsm::cluster::SimNetwork* net, kvlsm::cluster::Ring ring)
      : net_(net), ring_(std::move(ring)) {}

  // Starts (or restarts) a node's process on its surviving Env.
  void Start(kvlsm::cluster::NodeId id) {
    kvlsm::cluster::NodeOptions options;
    options.id = id;
    options.path = "/data";
    options.env = net_->env(id);
    options.request_timeout_micros = 300 * kMs;
    options.hint_replay_interval_micros = 200 * kMs;
    options.anti_entropy_interval_micros = 100 * kMs;
    options.merkle = {.fanout = 4, .depth = 3, .seed = 0};
    options.trace = [this](std::string_view line) { Print(std::string(line)); };
    auto node = kvlsm::cluster::Node::Open(options, ring_, net_->clock(id), net_->transport(id));
    Check(node.status());
    kvlsm::cluster::MembershipOptions gossip;
    gossip.self = id;
    gossip.seeds = net_->nodes();
    gossip.protocol_period_micros = 100 * kMs;
    gossip.ping_timeout_micros = 20 * kMs;
    gossip.suspicion_timeout_micros = 400 * kMs;
    kvlsm::cluster::Node* raw = node->get();
    auto membership = kvlsm::cluster::Membership::Start(
        gossip, net_->clock(id), net_->transport(id),
        [this, raw, id](kvlsm::cluster::NodeId peer, kvlsm::cluster::MemberState state) {
          Print("node " + std::to_string(id) + " sees node " + std::to_string(peer) + " " +
                std::string(kvlsm::cluster::MemberStateName(state)));
          raw->SetPeerUp(peer, state == kvlsm::cluster::MemberState::kAlive ||
                                   state == kvlsm::cluster::MemberState::kSuspect);
        });
    Check(membership.status());
    kvlsm::cluster::Membership* members = membership->get();
    processes_[id] = Process{*std::move(node), *std::move(membership)};
    Check(net_->Attach(
        id,
        [raw, members](kvlsm::cluster::NodeId from, std::string bytes) {
          if (kvlsm::cluster::Membership::IsMembershipMessage(bytes)) {
            (void)members->Receive(from, bytes);
          } else {
            (void)raw->Receive(from, bytes);
          }
        },
        [this, id] { processes_.erase(id); }));
  }

  kvlsm::cluster::Node* node(kvlsm::cluster::NodeId id) { return processes_.at(id).node.get(); }

  void Print(const std::string& line) {
    std::printf("[%8.3f s] %s\n", static_cast<double>(net_->NowMicros()) / 1e6, line.c_str());
  }

  static void Check(const absl::Status& status) {
    if (!status.ok()) {
      std::fprintf(stderr, "error: %s\n", status.ToString().c_str());
      std::exit(1);
    }
  }

 private:
  kvlsm::cluster::SimNetwork* net_;
  kvlsm::cluster::Ring ring_;
  std::map<kvlsm::cluster::NodeId, Process> processes_;
};

}  // namespace

int main(int argc, char** argv) {
  kvlsm::cluster::SimNetworkOptions net_options;
  net_options.seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 42;
  auto created = kvlsm::cluster::SimNetwork::New(net_options);
  Cluster::Check(created.status());
  kvlsm::cluster::SimNetwork& net = **created;

  kvlsm::cluster::RingOptions ring_options;
  ring_options.tokens_per_node = 4;
  kvlsm::cluster::Ring ring(ring_options);
  for (kvlsm::cluster::NodeId id = 1; id <= 5; ++id) {
    Cluster::Check(net.AddNode(id));
    Cluster::Check(ring.AddNode(kvlsm::cluster::RingNode(id)).status());
  }
  Cluster cluster(&net, ring);
  for (kvlsm::cluster::NodeId id = 1; id <= 5; ++id) cluster.Start(id);
  net.RunFor(500 * kMs);

  const std::string key = "cart:alice";
  const std::vector<kvlsm::cluster::NodeId> replicas = ring.PreferenceList(key, 3);
  cluster.Print("replicas of \"" + key + "\": nodes " + std::to_string(replicas[0]) + ", " +
                std::to_string(replicas[1]) + ", " + std::to_string(replicas[2]));

  // 1. Partition the third replica away, then crash it.
  const kvlsm::cluster::NodeId lost = replicas[2];
  std::vector<kvlsm::cluster::NodeId> others;
  for (kvlsm::cluster::NodeId id = 1; id <= 5; ++id) {
    if (id != lost) others.push_back(id);
  }
  Cluster::Check(net.Partition({{lost}, others}));
  cluster.Print("partition: node " + std::to_string(lost) + " is cut off");
  net.RunFor(1000 * kMs);
  Cluster::Check(net.Crash(lost));
  cluster.Print("crash node " + std::to_string(lost));

  // 2. A write with W = ALL still succeeds: a stand-in takes the hint.
  bool done = false;
  cluster.node(replicas[0])->Put(
      key, kvlsm::cluster::Context(), "milk", {.consistency = kvlsm::cluster::Consistency::kAll},
      [&](absl::StatusOr<kvlsm::cluster::Context> result) {
        cluster.Print("put \"milk\" with W = ALL: " + result.status().ToString());
        done = true;
      });
  net.RunUntil([&] { return done; }, 5000 * kMs);

  // 3. Heal and restart: the hint goes home.
  net.Heal();
  Cluster::Check(net.Restart(lost));
  cluster.Start(lost);
  cluster.Print("heal, restart node " + std::to_string(lost));
  net.RunFor(2000 * kMs);

  // 4. A replica misses a write (strict quorum while it is cut off); a read repairs it.
  Cluster::Check(net.Partition({{replicas[1]}}));
  done = false;
  cluster.node(replicas[0])->Put(key + ":note", kvlsm::cluster::Context(), "gift wrap",
                                 {.w = 2, .sloppy = false},
                                 [&](absl::StatusOr<kvlsm::cluster::Context> result) {
                                   cluster.Print("put without node " +
                                                 std::to_string(replicas[1]) + ": " +
                                                 result.status().ToString());
                                   done = true;
                                 });
  net.RunUntil([&] { return done; }, 5000 * kMs);
  net.Heal();
  done = false;
  cluster.node(replicas[2])->Get(key + ":note", {.consistency = kvlsm::cluster::Consistency::kAll},
                                 [&](absl::StatusOr<kvlsm::cluster::Siblings> result) {
                                   cluster.Print("get with R = ALL: " +
                                                 (result.ok() ? std::to_string(result->values.size()) +
                                                                    " value(s)"
                                                              : result.status().ToString()));
                                   done = true;
                                 });
  net.RunUntil([&] { return done; }, 5000 * kMs);
  net.RunFor(2000 * kMs);

  const kvlsm::cluster::NodeStats& stats = cluster.node(replicas[0])->stats();
  cluster.Print("node " + std::to_string(replicas[0]) + ": " + std::to_string(stats.puts) +
                " puts coordinated, " + std::to_string(stats.read_repairs) + " read repairs");
  return 0;
}
