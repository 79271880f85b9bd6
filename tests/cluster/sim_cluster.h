// Test helper: a cluster of kvlsm Nodes on a SimNetwork, with crash and restart. Peers'
// liveness comes from SWIM gossip (a Membership beside each Node, as an application runs
// it) or, for unit tests that need an exact detection time, from an oracle that asks the
// network whether messages get through.
#ifndef KVLSM_TESTS_CLUSTER_SIM_CLUSTER_H_
#define KVLSM_TESTS_CLUSTER_SIM_CLUSTER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "kvlsm/cluster/history_checker.h"
#include "kvlsm/cluster/membership.h"
#include "kvlsm/cluster/node.h"
#include "kvlsm/cluster/ring.h"
#include "kvlsm/cluster/sim_network.h"
#include "testutil/testutil.h"

namespace kvlsm::cluster {

struct SimClusterOptions {
  int nodes = 5;
  int replication_factor = 3;
  int tokens_per_node = 4;
  SimNetworkOptions network;
  // Applied to every node (id, path, env are filled in).
  NodeOptions node;
  // Gossip (true) or the oracle: every detector_period_micros each node marks a peer
  // down once it has been unreachable for detection_micros.
  bool gossip = false;
  MembershipOptions membership;
  uint64_t detector_period_micros = 100000;
  uint64_t detection_micros = 300000;

  SimClusterOptions() {
    node.request_timeout_micros = 300000;
    node.merkle = {.fanout = 4, .depth = 3, .seed = 0};
    node.anti_entropy_interval_micros = 50000;
    node.hint_replay_interval_micros = 100000;
    node.write_buffer_size = 256u << 10;
    membership.protocol_period_micros = 100000;
    membership.ping_timeout_micros = 20000;
    membership.suspicion_timeout_micros = 400000;
    membership.join_retry_micros = 100000;
    membership.down_probe_periods = 2;
  }
};

class SimCluster {
 public:
  explicit SimCluster(SimClusterOptions options) : options_(std::move(options)) {
    absl::StatusOr<std::unique_ptr<SimNetwork>> net = SimNetwork::New(options_.network);
    EXPECT_OK(net);
    net_ = *std::move(net);
    RingOptions ring_options;
    ring_options.replication_factor = options_.replication_factor;
    ring_options.tokens_per_node = options_.tokens_per_node;
    ring_ = Ring(ring_options);
    for (NodeId id = 1; id <= static_cast<NodeId>(options_.nodes); ++id) {
      EXPECT_OK(net_->AddNode(id));
      EXPECT_OK(ring_.AddNode(RingNode(id)));
    }
    for (NodeId id : net_->nodes()) EXPECT_OK(Open(id));
    if (!options_.gossip) ScheduleDetector();
  }

  ~SimCluster() {
    stopping_ = true;
    memberships_.clear();
    nodes_.clear();
  }

  SimNetwork& net() { return *net_; }
  const Ring& ring() const { return ring_; }
  Node* node(NodeId id) {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : it->second.get();
  }
  Membership* membership(NodeId id) {
    auto it = memberships_.find(id);
    return it == memberships_.end() ? nullptr : it->second.get();
  }
  std::vector<NodeId> ids() const { return net_->nodes(); }

  // Opens node `id` on its (surviving) Env and attaches it to the network.
  absl::Status Open(NodeId id) {
    NodeOptions options = options_.node;
    options.id = id;
    options.path = "/node";
    options.env = net_->env(id);
    absl::StatusOr<std::unique_ptr<Node>> node =
        Node::Open(options, ring_, net_->clock(id), net_->transport(id));
    if (!node.ok()) return node.status();
    Node* raw = node->get();
    nodes_[id] = *std::move(node);
    Membership* gossip = nullptr;
    if (options_.gossip) {
      MembershipOptions membership = options_.membership;
      membership.self = id;
      membership.seeds = net_->nodes();
      absl::StatusOr<std::unique_ptr<Membership>> started = Membership::Start(
          membership, net_->clock(id), net_->transport(id), [raw](NodeId peer, MemberState state) {
            raw->SetPeerUp(peer, state == MemberState::kAlive || state == MemberState::kSuspect);
          });
      if (!started.ok()) return started.status();
      gossip = started->get();
      memberships_[id] = *std::move(started);
    }
    return net_->Attach(
        id,
        [raw, gossip, id](NodeId from, std::string bytes) {
          // Nodes only send well-formed messages: a rejection is a bug.
          const bool membership = Membership::IsMembershipMessage(bytes);
          absl::Status s = membership && gossip != nullptr ? gossip->Receive(from, bytes)
                                                           : raw->Receive(from, bytes);
          EXPECT_TRUE(s.ok()) << "node " << id << " rejected a message from " << from << ": " << s;
        },
        [this, id] {
          memberships_.erase(id);
          nodes_.erase(id);
        });
  }

  absl::Status Crash(NodeId id) { return net_->Crash(id); }
  absl::Status Restart(NodeId id) {
    if (absl::Status s = net_->Restart(id); !s.ok()) return s;
    return Open(id);
  }

  // Runs `count` operations' worth of virtual time until `done` or max.
  bool RunUntil(const std::function<bool()>& done, uint64_t max_micros) {
    return net_->RunUntil(done, max_micros);
  }

  // The final replica contents for CheckHistory.
  FinalReplicaState Final() {
    FinalReplicaState state;
    for (auto& [id, node] : nodes_) {
      absl::StatusOr<std::vector<std::pair<std::string, DvvSet>>> contents = node->LocalContents();
      EXPECT_OK(contents);
      if (!contents.ok()) continue;
      auto& store = state.stores[id];
      for (auto& [key, dvv] : *contents) store.emplace(key, dvv);
      for (const auto& [range, root] : node->MerkleRoots()) {
        state.merkle_roots.push_back({id, range, root});
      }
    }
    const Ring ring = ring_;
    const size_t n = static_cast<size_t>(options_.replication_factor);
    state.replicas_of = [ring, n](std::string_view key) { return ring.PreferenceList(key, n); };
    return state;
  }

 private:
  // Every period, each live node marks each peer up or down from reachability.
  void ScheduleDetector() {
    net_->ScheduleAfter(options_.detector_period_micros, [this] {
      if (stopping_) return;
      const uint64_t now = net_->NowMicros();
      for (NodeId a : net_->nodes()) {
        for (NodeId b : net_->nodes()) {
          if (a == b) continue;
          auto& since = unreachable_since_[{a, b}];
          if (net_->CanReach(a, b) && net_->CanReach(b, a)) {
            since = 0;
          } else if (since == 0) {
            since = now;
          }
          Node* node = this->node(a);
          if (node != nullptr) {
            node->SetPeerUp(b, since == 0 || now - since < options_.detection_micros);
          }
        }
      }
      ScheduleDetector();
    });
  }

  SimClusterOptions options_;
  std::unique_ptr<SimNetwork> net_;
  Ring ring_;
  std::map<NodeId, std::unique_ptr<Node>> nodes_;
  std::map<NodeId, std::unique_ptr<Membership>> memberships_;
  std::map<std::pair<NodeId, NodeId>, uint64_t> unreachable_since_;
  bool stopping_ = false;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_TESTS_CLUSTER_SIM_CLUSTER_H_
