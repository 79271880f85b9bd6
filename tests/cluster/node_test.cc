// Node on a simulated network: quorums and their errors, siblings, deletes, sloppy quorum
// with hinted handoff, read repair, anti-entropy, and join/leave streaming.
#include "kvlsm/cluster/node.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cluster/sim_cluster.h"
#include "testutil/testutil.h"

namespace kvlsm::cluster {
namespace {

constexpr uint64_t kSecond = 1000000;

// Runs a request to completion on the simulated network and returns its result.
template <typename T>
class Pending {
 public:
  std::function<void(T)> Callback() {
    return [this](T result) { result_.emplace(std::move(result)); };
  }
  T Wait(SimCluster* cluster) {
    EXPECT_TRUE(cluster->RunUntil([this] { return result_.has_value(); }, 10 * kSecond));
    return result_.has_value() ? *std::move(result_) : T(absl::InternalError("no answer"));
  }

 private:
  std::optional<T> result_;
};

absl::StatusOr<Siblings> Get(SimCluster* c, NodeId at, const std::string& key,
                             GetOptions options = {}) {
  Pending<absl::StatusOr<Siblings>> pending;
  c->node(at)->Get(key, options, pending.Callback());
  return pending.Wait(c);
}

absl::StatusOr<Context> Put(SimCluster* c, NodeId at, const std::string& key,
                            const std::string& value, const Context& context = Context(),
                            PutOptions options = {}) {
  Pending<absl::StatusOr<Context>> pending;
  c->node(at)->Put(key, context, value, options, pending.Callback());
  return pending.Wait(c);
}

absl::Status Delete(SimCluster* c, NodeId at, const std::string& key, const Context& context,
                    PutOptions options = {}) {
  Pending<absl::Status> pending;
  c->node(at)->Delete(key, context, options, pending.Callback());
  return pending.Wait(c);
}

std::vector<std::string> Values(const DvvSet& state) {
  std::vector<std::string> values;
  for (const auto& sibling : state.siblings()) values.push_back(sibling.value);
  return values;
}

SimClusterOptions Quiet(int nodes) {
  SimClusterOptions options;
  options.nodes = nodes;
  options.node.anti_entropy_interval_micros = 0;  // off unless a test wants it
  return options;
}

TEST(NodeTest, PutOnOneNodeGetOnAnother) {
  SimCluster cluster(Quiet(3));
  ASSERT_OK(Put(&cluster, 1, "k", "v1"));
  absl::StatusOr<Siblings> read = Get(&cluster, 2, "k");
  ASSERT_OK(read);
  EXPECT_EQ(read->values, std::vector<std::string>{"v1"});
  // W = 2 acknowledged; the third replica gets it too.
  cluster.net().RunFor(kSecond);
  for (NodeId id : cluster.ids()) {
    absl::StatusOr<DvvSet> state = cluster.node(id)->LocalState("k");
    ASSERT_OK(state);
    EXPECT_EQ(Values(*state), std::vector<std::string>{"v1"}) << "node " << id;
  }
}

TEST(NodeTest, ConcurrentPutsBecomeSiblingsAndAReadContextResolvesThem) {
  SimCluster cluster(Quiet(3));
  ASSERT_OK(Put(&cluster, 1, "cart", "milk"));
  ASSERT_OK(Put(&cluster, 2, "cart", "eggs"));  // blind: concurrent with "milk"
  absl::StatusOr<Siblings> read = Get(&cluster, 3, "cart");
  ASSERT_OK(read);
  EXPECT_EQ(read->values.size(), 2u);
  ASSERT_OK(Put(&cluster, 3, "cart", "milk+eggs", read->context));
  read = Get(&cluster, 1, "cart", {.consistency = Consistency::kAll});
  ASSERT_OK(read);
  EXPECT_EQ(read->values, std::vector<std::string>{"milk+eggs"});
}

TEST(NodeTest, DeleteRemovesWhatItsContextSaw) {
  SimCluster cluster(Quiet(3));
  ASSERT_OK(Put(&cluster, 1, "k", "a"));
  absl::StatusOr<Siblings> read = Get(&cluster, 2, "k");
  ASSERT_OK(read);
  ASSERT_OK(Delete(&cluster, 2, "k", read->context));
  read = Get(&cluster, 3, "k", {.consistency = Consistency::kAll});
  ASSERT_OK(read);
  EXPECT_TRUE(read->values.empty());
  EXPECT_FALSE(read->context.empty()) << "the tombstone's history is returned";
}

TEST(NodeTest, BadRequestOptionsAreInvalidArgument) {
  SimCluster cluster(Quiet(3));
  absl::StatusOr<Siblings> read = Get(&cluster, 1, "k", {.n = 2, .r = 3});
  EXPECT_TRUE(absl::IsInvalidArgument(read.status())) << read.status();
  read = Get(&cluster, 1, "k", {.n = 4});
  EXPECT_TRUE(absl::IsInvalidArgument(read.status())) << read.status();
  EXPECT_TRUE(test::MessageContains(read.status(), "replication factor"));
  absl::StatusOr<Context> put = Put(&cluster, 1, std::string(70000, 'k'), "v");
  EXPECT_TRUE(absl::IsInvalidArgument(put.status())) << put.status();
}

TEST(NodeTest, TooFewLiveReplicasIsUnavailableWithCounts) {
  SimCluster cluster(Quiet(3));
  ASSERT_OK(cluster.Crash(2));
  ASSERT_OK(cluster.Crash(3));
  cluster.net().RunFor(kSecond);  // the detector marks them down
  absl::StatusOr<Context> put = Put(&cluster, 1, "k", "v");
  EXPECT_TRUE(absl::IsUnavailable(put.status())) << put.status();
  EXPECT_TRUE(test::MessageContains(put.status(), "1 of the 2 replicas required are up"))
      << put.status();
  // ONE still works.
  EXPECT_OK(Put(&cluster, 1, "k", "v", Context(), {.consistency = Consistency::kOne}));
}

TEST(NodeTest, UnansweredStrictQuorumTimesOutSayingHowManyAnswered) {
  SimCluster cluster(Quiet(3));
  ASSERT_OK(cluster.net().Partition({{1}, {2, 3}}));
  // Before the detector notices, a strict quorum asks all three and hears only itself.
  absl::StatusOr<Context> put =
      Put(&cluster, 1, "k", "v", Context(), {.consistency = Consistency::kAll, .sloppy = false});
  EXPECT_TRUE(absl::IsDeadlineExceeded(put.status())) << put.status();
  EXPECT_TRUE(test::MessageContains(put.status(), "1 of 3 required acknowledgements"))
      << put.status();
  absl::StatusOr<Siblings> read = Get(&cluster, 1, "k", {.sloppy = false});
  EXPECT_TRUE(absl::IsDeadlineExceeded(read.status())) << read.status();
  EXPECT_TRUE(test::MessageContains(read.status(), "1 of 2 required replies")) << read.status();
}

// The key's three replicas, and a node that is none of them.
struct Placement {
  std::vector<NodeId> replicas;
  NodeId other = 0;
};
Placement PlacementOf(SimCluster& cluster, const std::string& key) {
  Placement p;
  p.replicas = cluster.ring().PreferenceList(key, 3);
  for (NodeId id : cluster.ids()) {
    if (std::find(p.replicas.begin(), p.replicas.end(), id) == p.replicas.end()) p.other = id;
  }
  return p;
}

TEST(NodeTest, SloppyQuorumStoresAHintAndHandsItOffWhenTheReplicaReturns) {
  SimCluster cluster(Quiet(5));
  const Placement p = PlacementOf(cluster, "k");
  const NodeId down = p.replicas[2];
  ASSERT_OK(cluster.Crash(down));
  cluster.net().RunFor(kSecond);
  // W = ALL succeeds through a stand-in.
  ASSERT_OK(Put(&cluster, p.replicas[0], "k", "v", Context(), {.consistency = Consistency::kAll}));
  size_t hints = 0;
  for (NodeId id : cluster.ids()) {
    if (cluster.node(id) != nullptr) hints += cluster.node(id)->hint_count();
  }
  EXPECT_EQ(hints, 1u);
  ASSERT_OK(cluster.Restart(down));
  ASSERT_TRUE(cluster.RunUntil(
      [&] {
        absl::StatusOr<DvvSet> state = cluster.node(down)->LocalState("k");
        return state.ok() && Values(*state) == std::vector<std::string>{"v"};
      },
      5 * kSecond));
  cluster.net().RunFor(kSecond);
  uint64_t delivered = 0;
  for (NodeId id : cluster.ids()) {
    EXPECT_EQ(cluster.node(id)->hint_count(), 0u) << "node " << id;
    delivered += cluster.node(id)->stats().hints_delivered;
  }
  EXPECT_EQ(delivered, 1u);
}

TEST(NodeTest, AFullHintStoreRefusesAndTheWriteFailsWithTheReason) {
  SimClusterOptions options = Quiet(5);
  options.node.max_hint_bytes = 16;  // no hint fits
  SimCluster cluster(options);
  const Placement p = PlacementOf(cluster, "k");
  ASSERT_OK(cluster.Crash(p.replicas[2]));
  cluster.net().RunFor(kSecond);
  absl::StatusOr<Context> put =
      Put(&cluster, p.replicas[0], "k", "v", Context(), {.consistency = Consistency::kAll});
  EXPECT_TRUE(absl::IsUnavailable(put.status())) << put.status();
  EXPECT_TRUE(test::MessageContains(put.status(), "hint store full")) << put.status();
  // The refusal makes ALL impossible at once: it fails without waiting for the others.
  EXPECT_TRUE(test::MessageContains(put.status(), "1 of 3 replicas failed")) << put.status();
}

TEST(NodeTest, HintsExpireWhileTheOwnerStaysDown) {
  SimClusterOptions options = Quiet(5);
  options.node.max_hint_age_micros = 2 * kSecond;
  SimCluster cluster(options);
  const Placement p = PlacementOf(cluster, "k");
  ASSERT_OK(cluster.Crash(p.replicas[2]));
  cluster.net().RunFor(kSecond);
  ASSERT_OK(Put(&cluster, p.replicas[0], "k", "v", Context(), {.consistency = Consistency::kAll}));
  cluster.net().RunFor(5 * kSecond);
  uint64_t expired = 0;
  for (NodeId id : cluster.ids()) {
    if (cluster.node(id) == nullptr) continue;
    EXPECT_EQ(cluster.node(id)->hint_count(), 0u);
    expired += cluster.node(id)->stats().hints_expired;
  }
  EXPECT_EQ(expired, 1u);
}

TEST(NodeTest, ReadRepairUpdatesAStaleReplica) {
  SimCluster cluster(Quiet(3));
  ASSERT_OK(cluster.net().Partition({{1, 2}, {3}}));
  ASSERT_OK(Put(&cluster, 1, "k", "v", Context(), {.sloppy = false}));
  cluster.net().Heal();
  cluster.net().RunFor(kSecond);
  absl::StatusOr<DvvSet> stale = cluster.node(3)->LocalState("k");
  ASSERT_OK(stale);
  EXPECT_TRUE(Values(*stale).empty());
  ASSERT_OK(Get(&cluster, 1, "k", {.consistency = Consistency::kAll}));
  cluster.net().RunFor(kSecond);
  absl::StatusOr<DvvSet> repaired = cluster.node(3)->LocalState("k");
  ASSERT_OK(repaired);
  EXPECT_EQ(Values(*repaired), std::vector<std::string>{"v"});
  EXPECT_EQ(cluster.node(1)->stats().read_repairs, 1u);
}

TEST(NodeTest, AntiEntropyRepairsOnlyTheDifferingKeys) {
  SimClusterOptions options = Quiet(3);
  SimCluster cluster(options);
  for (int i = 0; i < 200; ++i) ASSERT_OK(Put(&cluster, 1, absl::StrFormat("k%03d", i), "v"));
  cluster.net().RunFor(kSecond);
  ASSERT_OK(cluster.net().Partition({{1, 2}, {3}}));
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(Put(&cluster, 1, absl::StrFormat("new%d", i), "v", Context(), {.sloppy = false}));
  }
  cluster.net().Heal();
  // Anti-entropy is off; reopen node 3 with it on (the others answer regardless).
  ASSERT_NE(cluster.node(3)->MerkleRoots(), cluster.node(1)->MerkleRoots());
  ASSERT_OK(cluster.Crash(3));
  ASSERT_OK(cluster.net().Restart(3));
  NodeOptions node_options = options.node;
  node_options.id = 3;
  node_options.path = "/node";
  node_options.env = cluster.net().env(3);
  node_options.anti_entropy_interval_micros = 50000;
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Open(node_options, cluster.ring(), cluster.net().clock(3), cluster.net().transport(3));
  ASSERT_OK(node);
  Node* three = node->get();
  ASSERT_OK(cluster.net().Attach(
      3, [three](NodeId from, std::string bytes) { EXPECT_OK(three->Receive(from, bytes)); }));
  ASSERT_TRUE(cluster.RunUntil(
      [&] { return three->MerkleRoots() == cluster.node(1)->MerkleRoots(); }, 20 * kSecond));
  EXPECT_EQ(three->stats().anti_entropy_keys_repaired, 10u);
  EXPECT_EQ(three->stats().anti_entropy_keys_sent, 10u);
  EXPECT_GT(three->stats().anti_entropy_hashes, 0u);
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<DvvSet> state = three->LocalState(absl::StrFormat("new%d", i));
    ASSERT_OK(state);
    EXPECT_EQ(Values(*state), std::vector<std::string>{"v"});
  }
  cluster.net().Detach(3);
}

TEST(NodeTest, AJoiningNodeReceivesItsRangesAndALeavingNodeHandsThemOff) {
  SimClusterOptions options = Quiet(4);
  SimCluster cluster(options);
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) {
    keys.push_back(absl::StrFormat("key%03d", i));
    ASSERT_OK(Put(&cluster, 1 + i % 4, keys.back(), "v"));
  }
  cluster.net().RunFor(kSecond);
  // Node 5 joins: every node installs the new ring; node 5 opens with it.
  Ring joined = cluster.ring();
  ASSERT_OK(joined.AddNode(RingNode(5)));
  ASSERT_OK(cluster.net().AddNode(5));
  NodeOptions node_options = options.node;
  node_options.id = 5;
  node_options.path = "/node";
  node_options.env = cluster.net().env(5);
  absl::StatusOr<std::unique_ptr<Node>> five =
      Node::Open(node_options, joined, cluster.net().clock(5), cluster.net().transport(5));
  ASSERT_OK(five);
  Node* raw = five->get();
  ASSERT_OK(cluster.net().Attach(
      5, [raw](NodeId from, std::string bytes) { EXPECT_OK(raw->Receive(from, bytes)); }));
  for (NodeId id = 1; id <= 4; ++id) ASSERT_OK(cluster.node(id)->SetRing(joined));
  ASSERT_TRUE(cluster.RunUntil(
      [&] {
        for (NodeId id = 1; id <= 4; ++id) {
          if (cluster.node(id)->streams_in_progress() != 0) return false;
        }
        return true;
      },
      10 * kSecond));
  size_t owned = 0;
  for (const std::string& key : keys) {
    std::vector<NodeId> replicas = joined.PreferenceList(key, 3);
    if (std::find(replicas.begin(), replicas.end(), 5) == replicas.end()) continue;
    ++owned;
    absl::StatusOr<DvvSet> state = raw->LocalState(key);
    ASSERT_OK(state);
    EXPECT_EQ(Values(*state), std::vector<std::string>{"v"}) << key;
  }
  EXPECT_GT(owned, 20u);
  EXPECT_EQ(raw->stats().stream_keys_received, owned);

  // The replica each range moved away from dropped the keys once node 5 acknowledged.
  size_t moved = 0, dropped = 0;
  std::string reissue_key;  // a key whose dropping node had coordinated its write
  NodeId reissue_at = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::vector<NodeId> before = cluster.ring().PreferenceList(keys[i], 3);
    const std::vector<NodeId> after = joined.PreferenceList(keys[i], 3);
    for (NodeId id : before) {
      if (std::find(after.begin(), after.end(), id) != after.end()) continue;
      ++moved;
      absl::StatusOr<DvvSet> state = cluster.node(id)->LocalState(keys[i]);
      ASSERT_OK(state);
      EXPECT_TRUE(state->history().empty()) << keys[i] << " still on node " << id;
      if (id == static_cast<NodeId>(1 + i % 4)) {
        reissue_key = keys[i];
        reissue_at = id;
      }
    }
  }
  for (NodeId id = 1; id <= 4; ++id) dropped += cluster.node(id)->stats().stream_keys_dropped;
  EXPECT_GT(moved, 20u);
  EXPECT_EQ(dropped, moved);
  // That node wrote the key under dot (node, 1) and no longer has it; a blind write it
  // coordinates now must take (node, 2): a reissued (node, 1) would be taken by the
  // replicas for the old write, and the new value would vanish.
  ASSERT_NE(reissue_at, 0u);
  ASSERT_OK(Put(&cluster, reissue_at, reissue_key, "w"));
  cluster.net().RunFor(kSecond);
  for (NodeId id : joined.PreferenceList(reissue_key, 3)) {
    Node* node = id == 5 ? raw : cluster.node(id);
    absl::StatusOr<DvvSet> state = node->LocalState(reissue_key);
    ASSERT_OK(state);
    EXPECT_EQ(Values(*state), (std::vector<std::string>{"v", "w"})) << "node " << id;
  }

  // Node 2 leaves: it streams its ranges to their new replicas.
  Ring left = joined;
  ASSERT_OK(left.RemoveNode(2));
  ASSERT_OK(raw->SetRing(left));
  for (NodeId id : {1, 2, 3, 4}) ASSERT_OK(cluster.node(id)->SetRing(left));
  ASSERT_TRUE(
      cluster.RunUntil([&] { return cluster.node(2)->streams_in_progress() == 0; }, 10 * kSecond));
  EXPECT_GT(cluster.node(2)->stats().streams_completed, 0u);
  EXPECT_GT(cluster.node(2)->stats().stream_keys_dropped, 0u);
  for (const std::string& key : keys) {
    for (NodeId id : left.PreferenceList(key, 3)) {
      Node* node = id == 5 ? raw : cluster.node(id);
      absl::StatusOr<DvvSet> state = node->LocalState(key);
      ASSERT_OK(state);
      const std::vector<std::string> expected =
          key == reissue_key ? std::vector<std::string>{"v", "w"} : std::vector<std::string>{"v"};
      EXPECT_EQ(Values(*state), expected) << key << " on node " << id;
    }
  }
  cluster.net().Detach(5);
}

}  // namespace
}  // namespace kvlsm::cluster
