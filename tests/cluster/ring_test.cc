#include "kvlsm/cluster/ring.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "testutil/testutil.h"

namespace kvlsm::cluster {
namespace {

using test::SeedTrace;
using test::TestSeed;

// Each node's fair share of replicated ownership: proportional to weight, none above the
// whole ring, adding up to min(replication factor, nodes); with exactly as many zones as
// replicas, its weight's share of its zone (each zone holds one replica of every key).
// Ordered by node id. Written here independently of Ring::FairOwnership, which a test
// below checks against it.
std::vector<double> FairShares(const Ring& ring) {
  const auto nodes = ring.Nodes();
  std::vector<double> share(nodes.size(), 0.0);
  std::map<std::string, double> zone_weight;
  for (const RingNode& node : nodes) zone_weight[node.zone] += node.weight;
  const int rf = ring.options().replication_factor;
  if (rf >= 2 && zone_weight.size() == static_cast<size_t>(rf)) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      share[i] = nodes[i].weight / zone_weight[nodes[i].zone];
    }
    return share;
  }
  std::vector<size_t> open(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) open[i] = i;
  double to_share = std::min<double>(ring.options().replication_factor, nodes.size());
  while (!open.empty()) {
    double weights = 0;
    for (size_t i : open) weights += nodes[i].weight;
    std::vector<size_t> rest;
    for (size_t i : open) {
      if (to_share * nodes[i].weight / weights > 1.0) {
        share[i] = 1.0;
        to_share -= 1.0;
      } else {
        rest.push_back(i);
      }
    }
    if (rest.size() == open.size()) {
      for (size_t i : open) share[i] = to_share * nodes[i].weight / weights;
      break;
    }
    open = rest;
  }
  return share;
}

// The fraction of all stored data that is node `id`'s fair share.
double FairFraction(const Ring& ring, NodeId id) {
  const auto nodes = ring.Nodes();
  const auto shares = FairShares(ring);
  double total = 0, mine = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    total += shares[i];
    if (nodes[i].id == id) mine = shares[i];
  }
  return mine / total;
}

// Ownership over fair share, maximized over nodes: 1.0 is perfect balance, and for equal
// weights this is max/mean.
double MaxOverFairShare(const Ring& ring) {
  const auto ownership = ring.ReplicatedOwnership();
  const auto shares = FairShares(ring);
  double max = 0;
  for (size_t i = 0; i < shares.size(); ++i) max = std::max(max, ownership[i].second / shares[i]);
  return max;
}

// The fraction of all stored data (min(rf, nodes) copies of the ring) the transfers move.
double MovedFraction(const std::vector<RangeTransfer>& transfers, int copies) {
  double moved = 0;
  for (const RangeTransfer& t : transfers) moved += t.range.Fraction();
  return moved / copies;
}

// The replicas of a token computed from scratch from the token owners and zones: an
// independent statement of the placement rule in kvlsm/cluster/ring.h.
struct RingPicture {
  explicit RingPicture(const Ring& ring) : owners(ring.TokenOwners()) {
    for (const RingNode& node : ring.Nodes()) {
      zone_of[node.id] = node.zone;
      zones.insert(node.zone);
    }
  }
  std::vector<std::pair<Token, NodeId>> owners;
  std::map<NodeId, std::string> zone_of;
  std::set<std::string> zones;
};

std::vector<NodeId> ReferencePreferenceList(const RingPicture& picture, Token token, size_t n,
                                            size_t fallbacks) {
  const auto& owners = picture.owners;
  const auto& zones = picture.zones;
  std::map<NodeId, std::string> zone_of = picture.zone_of;
  std::vector<NodeId> walk;  // distinct nodes in walk order
  size_t start = 0;
  while (start < owners.size() && owners[start].first < token) ++start;
  for (size_t step = 0; step < owners.size(); ++step) {
    const NodeId id = owners[(start + step) % owners.size()].second;
    if (std::find(walk.begin(), walk.end(), id) == walk.end()) walk.push_back(id);
  }
  const size_t replicas = std::min(n, walk.size());
  std::vector<NodeId> chosen, skipped;
  std::set<std::string> seen_zones;
  const size_t zones_wanted = std::min(zones.size(), n);
  for (NodeId id : walk) {
    if (chosen.size() == replicas) break;
    if (zones.size() <= 1 || seen_zones.size() == zones_wanted) {
      chosen.push_back(id);
    } else if (seen_zones.count(zone_of[id])) {
      skipped.push_back(id);
    } else {
      chosen.push_back(id);
      seen_zones.insert(zone_of[id]);
      if (seen_zones.size() == zones_wanted) {
        while (chosen.size() < replicas && !skipped.empty()) {
          chosen.push_back(skipped.front());
          skipped.erase(skipped.begin());
        }
      }
    }
  }
  while (chosen.size() < replicas && !skipped.empty()) {
    chosen.push_back(skipped.front());
    skipped.erase(skipped.begin());
  }
  std::vector<NodeId> result = chosen;
  const size_t total = std::min(n + fallbacks, walk.size());
  for (NodeId id : skipped) {
    if (result.size() < total) result.push_back(id);
  }
  for (NodeId id : walk) {
    if (result.size() >= total) break;
    if (std::find(result.begin(), result.end(), id) == result.end()) result.push_back(id);
  }
  return result;
}

Ring BuildRing(int nodes, int zones, uint64_t seed, const RingOptions& options = RingOptions()) {
  Ring ring(options);
  Random rnd(seed);
  for (int i = 0; i < nodes; ++i) {
    RingNode node;
    node.id = 1000 + rnd.Uniform(1000000);
    while (ring.Contains(node.id)) ++node.id;
    if (zones > 0) node.zone = absl::StrCat("zone-", i % zones);
    EXPECT_TRUE(ring.AddNode(node).ok());
  }
  return ring;
}

TEST(RingTest, EmptyRingHasNoReplicas) {
  Ring ring;
  EXPECT_TRUE(ring.PreferenceList("key", 3, 2).empty());
  EXPECT_EQ(ring.node_count(), 0u);
  EXPECT_TRUE(ring.ReplicatedOwnership().empty());
}

TEST(RingTest, CreateRejectsBadOptions) {
  RingOptions options;
  options.replication_factor = 0;
  EXPECT_EQ(Ring::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.replication_factor = 33;
  EXPECT_EQ(Ring::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = RingOptions();
  options.tokens_per_node = 0;
  EXPECT_EQ(Ring::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Ring::Create(RingOptions()).ok());
}

TEST(RingTest, ChangesRejectBadArguments) {
  Ring ring;
  ASSERT_OK(ring.AddNode(RingNode{1}));
  EXPECT_EQ(ring.AddNode(RingNode{1}).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ring.AddNode(RingNode{2, 0.0}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ring.AddNode(RingNode{2, 100.0}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ring.AddNode(RingNode{2, 1.0, std::string(300, 'z')}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ring.RemoveNode(7).status().code(), absl::StatusCode::kNotFound);
  const Token taken = ring.TokensOf(1)[0];
  const std::vector<Token> clash = {taken};
  EXPECT_EQ(ring.AddNodeWithTokens(RingNode{2}, clash).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::vector<Token> twice = {5, 5};
  EXPECT_EQ(ring.AddNodeWithTokens(RingNode{2}, twice).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ring.AddNodeWithTokens(RingNode{2}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RingTest, KeyTokenIsXxh3OfTheKey) {
  // Golden values: the key hash is part of the format and must never change.
  EXPECT_EQ(KeyToken(""), 0x2d06800538d394c2ull);
  EXPECT_EQ(KeyToken("a"), 0xe6c632b61e964e1full);
}

TEST(RingTest, TokenRangeContainsWraps) {
  const TokenRange range{~Token{0} - 1, 1};  // (2^64-2, 1]
  EXPECT_FALSE(range.Contains(~Token{0} - 1));
  EXPECT_TRUE(range.Contains(~Token{0}));
  EXPECT_TRUE(range.Contains(0));
  EXPECT_TRUE(range.Contains(1));
  EXPECT_FALSE(range.Contains(2));
  EXPECT_TRUE((TokenRange{7, 7}).Contains(12345));
  EXPECT_DOUBLE_EQ((TokenRange{7, 7}).Fraction(), 1.0);
}

TEST(RingTest, PreferenceListsHoldDistinctNodesAndMatchTheRule) {
  const uint64_t seed = TestSeed(301);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  int checked = 0;
  for (int round = 0; round < 12; ++round) {
    const int nodes = 1 + static_cast<int>(rnd.Uniform(24));
    const int zones = static_cast<int>(rnd.Uniform(5));
    const Ring ring = BuildRing(nodes, zones, rnd.Next());
    const RingPicture picture(ring);
    for (int k = 0; k < 200; ++k) {
      const Token token = rnd.Next();
      const size_t n = 1 + rnd.Uniform(5);
      const size_t fallbacks = rnd.Uniform(4);
      std::vector<NodeId> list;
      ring.PreferenceListForToken(token, n, fallbacks, &list);
      SCOPED_TRACE(absl::StrCat("nodes=", nodes, " zones=", zones, " n=", n));
      ASSERT_EQ(list.size(), std::min<size_t>(n + fallbacks, nodes));
      std::set<NodeId> distinct(list.begin(), list.end());
      ASSERT_EQ(distinct.size(), list.size());
      ASSERT_EQ(list, ReferencePreferenceList(picture, token, n, fallbacks));
      // The replicas are a prefix: asking for fallbacks does not change them.
      std::vector<NodeId> replicas;
      ring.PreferenceListForToken(token, n, 0, &replicas);
      ASSERT_TRUE(std::equal(replicas.begin(), replicas.end(), list.begin()));
      ++checked;
    }
  }
  EXPECT_EQ(checked, 12 * 200);
}

TEST(RingTest, PreferenceListsSpanZonesWherePossible) {
  const uint64_t seed = TestSeed(302);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (int zones = 2; zones <= 5; ++zones) {
    const Ring ring = BuildRing(3 * zones + 1, zones, rnd.Next());
    std::map<NodeId, std::string> zone_of;
    for (const RingNode& node : ring.Nodes()) zone_of[node.id] = node.zone;
    for (int k = 0; k < 300; ++k) {
      const std::vector<NodeId> list = ring.PreferenceList(absl::StrCat("key", k), 3);
      std::set<std::string> seen;
      for (NodeId id : list) seen.insert(zone_of[id]);
      ASSERT_EQ(seen.size(), std::min<size_t>(3, zones)) << "zones=" << zones << " key" << k;
    }
  }
}

TEST(RingTest, PreferenceListByKeyUsesKeyToken) {
  const Ring ring = BuildRing(10, 0, 7);
  std::vector<NodeId> by_token;
  ring.PreferenceListForToken(KeyToken("user:42"), 3, 2, &by_token);
  EXPECT_EQ(ring.PreferenceList("user:42", 3, 2), by_token);
}

// Checks a sequence of membership changes: balance after each, data moved per change,
// and that the transfers are exactly the difference of replica placement.
class RingChangeChecker {
 public:
  explicit RingChangeChecker(uint64_t seed) : rnd_(seed) {}

  // Exactness: at sampled tokens (each transfer's ends and interior, plus random ones),
  // the nodes that gained a token are exactly the transfers' destinations, each source
  // held the token before, and a destination did not.
  void CheckTransfers(const Ring& before, const Ring& after,
                      const std::vector<RangeTransfer>& transfers) {
    std::vector<Token> samples;
    for (const RangeTransfer& t : transfers) {
      samples.push_back(t.range.start + 1);
      samples.push_back(t.range.end);
      samples.push_back(t.range.start + (t.range.end - t.range.start) / 2);
    }
    for (const auto& [token, owner] : after.TokenOwners()) {
      samples.push_back(token);
      samples.push_back(token + 1);
    }
    for (int i = 0; i < 200; ++i) samples.push_back(rnd_.Next());
    if (before.node_count() == 0) {
      ASSERT_TRUE(transfers.empty());  // no data anywhere yet
      return;
    }
    const size_t n = after.options().replication_factor;
    for (Token token : samples) {
      std::vector<NodeId> old_set, new_set;
      before.PreferenceListForToken(token, n, 0, &old_set);
      after.PreferenceListForToken(token, n, 0, &new_set);
      std::multiset<NodeId> expected_gainers;
      for (NodeId id : new_set) {
        if (std::find(old_set.begin(), old_set.end(), id) == old_set.end()) {
          expected_gainers.insert(id);
        }
      }
      std::multiset<NodeId> gainers;
      for (const RangeTransfer& t : transfers) {
        if (!t.range.Contains(token)) continue;
        gainers.insert(t.to);
        ASSERT_NE(std::find(old_set.begin(), old_set.end(), t.from), old_set.end())
            << "source " << t.from << " did not hold token " << token;
      }
      ASSERT_EQ(gainers, expected_gainers) << "token " << token;
    }
  }

  Random& rnd() { return rnd_; }

 private:
  Random rnd_;
};

// Grows a ring to max_nodes and shrinks it to 3, checking balance, movement and
// transfers after every change.
void SweepSizes(int max_nodes, uint64_t seed, int zones, int heavy_every, double balance_bound,
                double join_moved_bound = 1.05) {
  RingChangeChecker checker(seed);
  Ring ring;
  std::vector<NodeId> ids;
  for (int nodes = 1; nodes <= max_nodes; ++nodes) {
    RingNode node;
    node.id = static_cast<NodeId>(nodes) * 7919;
    if (zones > 0) node.zone = absl::StrCat("z", nodes % zones);
    if (heavy_every > 0 && nodes % heavy_every == 0) node.weight = 2.0;
    const Ring before = ring;
    absl::StatusOr<std::vector<RangeTransfer>> transfers = ring.AddNode(node);
    ASSERT_OK(transfers);
    ids.push_back(node.id);
    SCOPED_TRACE(absl::StrCat("after join, nodes=", nodes));
    ASSERT_EQ(ring.TokensOf(node.id).size(), static_cast<size_t>(std::lround(node.weight * 16)));
    if (nodes >= 3) {
      ASSERT_LE(MaxOverFairShare(ring), balance_bound);
      // At most about the new node's share: 1 / nodes for equal weights.
      ASSERT_LE(MovedFraction(*transfers, std::min(3, nodes)),
                join_moved_bound * FairFraction(ring, node.id));
    }
    checker.CheckTransfers(before, ring, *transfers);
  }
  while (ring.node_count() > 3) {
    // A random node; with zones, one of the largest zone, so that no zone empties.
    size_t victim = checker.rnd().Uniform(ids.size());
    if (zones > 0) {
      std::map<std::string, std::vector<size_t>> members;
      for (size_t i = 0; i < ids.size(); ++i) {
        for (const RingNode& n : ring.Nodes()) {
          if (n.id == ids[i]) members[n.zone].push_back(i);
        }
      }
      const std::vector<size_t>* largest = nullptr;
      for (const auto& [zone, indexes] : members) {
        if (largest == nullptr || indexes.size() > largest->size()) largest = &indexes;
      }
      victim = (*largest)[checker.rnd().Uniform(largest->size())];
    }
    const NodeId id = ids[victim];
    ids.erase(ids.begin() + victim);
    const Ring before = ring;
    const double share = FairFraction(ring, id);
    absl::StatusOr<std::vector<RangeTransfer>> transfers = ring.RemoveNode(id);
    ASSERT_OK(transfers);
    SCOPED_TRACE(absl::StrCat("after leave, nodes=", ring.node_count()));
    ASSERT_FALSE(ring.Contains(id));
    ASSERT_LE(MaxOverFairShare(ring), balance_bound);
    // The leaving node's data (at most 1.04 times its share), plus boundary shifts of at
    // most half of it.
    ASSERT_LE(MovedFraction(*transfers, std::min<int>(3, before.node_count())), 1.60 * share);
    checker.CheckTransfers(before, ring, *transfers);
  }
}

TEST(RingTest, BalanceAndMovementAcrossJoinsAndLeaves) {
  const uint64_t seed = TestSeed(303);
  SCOPED_TRACE(SeedTrace(seed));
  SweepSizes(test::LongTestsEnabled() ? 500 : 20, seed, /*zones=*/0, /*heavy_every=*/0, 1.05);
}

TEST(RingTest, BalanceWithHeterogeneousWeights) {
  const uint64_t seed = TestSeed(304);
  SCOPED_TRACE(SeedTrace(seed));
  SweepSizes(test::LongTestsEnabled() ? 200 : 16, seed, /*zones=*/0, /*heavy_every=*/3, 1.05);
}

TEST(RingTest, BalanceWithAsManyZonesAsReplicas) {
  // Three zones for three replicas: every zone holds one replica of each key, so balance
  // is measured within zones (the zones need not be equal).
  const uint64_t seed = TestSeed(305);
  SCOPED_TRACE(SeedTrace(seed));
  SweepSizes(test::LongTestsEnabled() ? 90 : 15, seed, /*zones=*/3, /*heavy_every=*/0, 1.05,
             /*join_moved_bound=*/1.10);
}

TEST(RingTest, BalanceUnderInterleavedJoinsAndLeaves) {
  const uint64_t seed = TestSeed(306);
  SCOPED_TRACE(SeedTrace(seed));
  RingChangeChecker checker(seed);
  Ring ring;
  std::vector<NodeId> ids;
  NodeId next_id = 1;
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(ring.AddNode(RingNode{next_id}));
    ids.push_back(next_id++);
  }
  for (int op = 0; op < (test::LongTestsEnabled() ? 300 : 24); ++op) {
    const Ring before = ring;
    absl::StatusOr<std::vector<RangeTransfer>> transfers;
    if (ids.size() > 8 && checker.rnd().OneIn(2)) {
      const size_t victim = checker.rnd().Uniform(ids.size());
      transfers = ring.RemoveNode(ids[victim]);
      ids.erase(ids.begin() + victim);
    } else {
      transfers = ring.AddNode(RingNode{next_id});
      ids.push_back(next_id++);
    }
    ASSERT_OK(transfers);
    SCOPED_TRACE(absl::StrCat("op ", op, " nodes=", ring.node_count()));
    ASSERT_LE(MaxOverFairShare(ring), 1.05);
    checker.CheckTransfers(before, ring, *transfers);
  }
}

TEST(RingTest, FairOwnershipMatchesAnIndependentStatement) {
  // Equal weights, zones as many as replicas, and weights that make one node's
  // proportional share pass the whole ring (capped at 1, the rest shared again).
  Ring equal = BuildRing(7, /*zones=*/0, 11);
  Ring zoned = BuildRing(7, /*zones=*/3, 12);
  Ring capped;
  ASSERT_OK(capped.AddNode(RingNode{1, 8.0}));
  ASSERT_OK(capped.AddNode(RingNode{2, 1.0}));
  ASSERT_OK(capped.AddNode(RingNode{3, 1.0}));
  ASSERT_OK(capped.AddNode(RingNode{4, 1.0}));
  for (const Ring* ring : {&equal, &zoned, &capped}) {
    const std::vector<double> expected = FairShares(*ring);
    const std::vector<double> actual = ring->FairOwnership();
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-12) << i;
  }
  EXPECT_DOUBLE_EQ(capped.FairOwnership()[0], 1.0);
}

TEST(RingTest, RandomTokensAreFarWorse) {
  // The reference the allocator is measured against (docs/cluster.md): random tokens.
  const uint64_t seed = TestSeed(307);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  Ring ring;
  for (NodeId id = 1; id <= 12; ++id) {
    std::vector<Token> tokens;
    for (int t = 0; t < 16; ++t) tokens.push_back(rnd.Next());
    ASSERT_OK(ring.AddNodeWithTokens(RingNode{id}, tokens));
  }
  EXPECT_GT(MaxOverFairShare(ring), 1.08);
  const Ring allocated = BuildRing(12, 0, seed);
  EXPECT_LE(MaxOverFairShare(allocated), 1.05);
}

TEST(RingTest, OwnershipAndRangesAgree) {
  const Ring ring = BuildRing(9, 0, 11);
  double total = 0;
  for (const auto& [id, owned] : ring.ReplicatedOwnership()) {
    total += owned;
    double from_ranges = 0;
    for (const TokenRange& range : ring.ReplicatedRanges(id)) {
      from_ranges += range.Fraction();
      // Every key of the range lists the node among its replicas.
      for (Token t : {range.start + 1, range.end}) {
        std::vector<NodeId> list;
        ring.PreferenceListForToken(t, 3, 0, &list);
        ASSERT_NE(std::find(list.begin(), list.end(), id), list.end());
      }
    }
    EXPECT_NEAR(from_ranges, owned, 1e-12);
  }
  EXPECT_NEAR(total, 3.0, 1e-9);
}

TEST(RingTest, SmallRingsReplicateEverywhere) {
  Ring ring;
  ASSERT_OK(ring.AddNode(RingNode{1}));
  auto transfers = ring.AddNode(RingNode{2});
  ASSERT_OK(transfers);
  // Node 2 receives the whole ring from node 1.
  EXPECT_NEAR(MovedFraction(*transfers, 1), 1.0, 1e-12);
  for (const RangeTransfer& t : *transfers) {
    EXPECT_EQ(t.from, 1u);
    EXPECT_EQ(t.to, 2u);
  }
  EXPECT_EQ(ring.ReplicatedRanges(2).size(), 1u);
  EXPECT_TRUE(ring.ReplicatedRanges(2)[0].IsWholeRing());
  ASSERT_OK(ring.RemoveNode(1));
  ASSERT_OK(ring.RemoveNode(2));
  EXPECT_EQ(ring.node_count(), 0u);
  EXPECT_EQ(ring.token_count(), 0u);
}

TEST(RingTest, AllocationIsDeterministic) {
  const Ring a = BuildRing(15, 2, 99);
  const Ring b = BuildRing(15, 2, 99);
  EXPECT_TRUE(a == b);
  std::string ea, eb;
  a.EncodeTo(&ea);
  b.EncodeTo(&eb);
  EXPECT_EQ(ea, eb);
}

TEST(RingTest, EncodingRoundTrips) {
  const uint64_t seed = TestSeed(308);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (int round = 0; round < 6; ++round) {
    RingOptions options;
    options.replication_factor = 1 + static_cast<int>(rnd.Uniform(4));
    options.tokens_per_node = 1 + static_cast<int>(rnd.Uniform(16));
    Ring ring = BuildRing(static_cast<int>(rnd.Uniform(12)), static_cast<int>(rnd.Uniform(3)),
                          rnd.Next(), options);
    std::string encoded;
    ring.EncodeTo(&encoded);
    absl::StatusOr<Ring> decoded = Ring::Decode(encoded);
    ASSERT_OK(decoded);
    EXPECT_TRUE(*decoded == ring);
    EXPECT_EQ(decoded->options().replication_factor, options.replication_factor);
    for (int k = 0; k < 50; ++k) {
      const std::string key = absl::StrCat("k", k);
      EXPECT_EQ(decoded->PreferenceList(key, 3, 1), ring.PreferenceList(key, 3, 1));
    }
  }
}

TEST(RingTest, OtherNodesLearnTransfersFromEncodedRings) {
  // One node changes the ring; the others decode old and new and compute the same plan.
  Ring ring = BuildRing(8, 0, 5);
  std::string old_bytes, new_bytes;
  ring.EncodeTo(&old_bytes);
  auto transfers = ring.AddNode(RingNode{424242});
  ASSERT_OK(transfers);
  ring.EncodeTo(&new_bytes);
  auto old_ring = Ring::Decode(old_bytes);
  auto new_ring = Ring::Decode(new_bytes);
  ASSERT_OK(old_ring);
  ASSERT_OK(new_ring);
  EXPECT_EQ(Ring::Transfers(*old_ring, *new_ring), *transfers);
}

TEST(RingTest, DecodeNamesTheProblem) {
  const Ring ring = BuildRing(3, 0, 1);
  std::string encoded;
  ring.EncodeTo(&encoded);
  std::string bad_version = encoded;
  bad_version[0] = 9;
  EXPECT_NE(Ring::Decode(bad_version).status().message().find("version"), std::string::npos);
  EXPECT_NE(Ring::Decode(encoded + "x").status().message().find("trailing"), std::string::npos);
  EXPECT_EQ(Ring::Decode("").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kvlsm::cluster
