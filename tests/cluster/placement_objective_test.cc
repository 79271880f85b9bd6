#include "cluster/placement_objective.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "util/random.h"

namespace kvlsm::cluster {
namespace {

constexpr uint32_t kNone = PlacementObjective::kNone;

// A layout of weight-1 nodes in one zone; tokens[i] is owned by owners[i].
RingLayout MakeLayout(int replication_factor, size_t nodes, std::vector<Token> tokens,
                      std::vector<uint32_t> owners) {
  RingLayout layout;
  layout.replication_factor = replication_factor;
  layout.tokens_per_node = 4;
  layout.tokens = std::move(tokens);
  layout.owners = std::move(owners);
  layout.weights.assign(nodes, 1.0);
  layout.zones.assign(nodes, 0);
  return layout;
}

std::vector<Token> EvenTokens(size_t count) {
  std::vector<Token> tokens;
  const Token step = ~Token{0} / count;
  for (size_t i = 0; i < count; ++i) tokens.push_back(step * (i + 1));
  return tokens;
}

// `count` distinct tokens at seeded pseudo-random positions, ascending.
std::vector<Token> UnevenTokens(size_t count, uint64_t seed) {
  Random random(seed);
  std::vector<Token> tokens;
  while (tokens.size() < count) {
    const Token t = random.Next();
    if (std::find(tokens.begin(), tokens.end(), t) == tokens.end()) tokens.push_back(t);
  }
  std::sort(tokens.begin(), tokens.end());
  return tokens;
}

TEST(PlacementObjectiveTest, EvenRingIsOnTarget) {
  // Four nodes, one token each a quarter apart, two replicas: each node replicates its own
  // range and its predecessor's, half the ring, which is its fair share.
  const RingLayout layout = MakeLayout(2, 4, EvenTokens(4), {0, 1, 2, 3});
  PlacementObjective objective(&layout, layout.replication_factor);
  objective.SetTargets(kNone, 0, kNone);
  objective.Recompute();
  for (uint32_t node = 0; node < 4; ++node) {
    EXPECT_NEAR(objective.loads()[node], 0.5, 1e-12) << node;
    EXPECT_DOUBLE_EQ(objective.target(node), 0.5) << node;
    EXPECT_EQ(objective.token_count(node), 1);
  }
  EXPECT_EQ(objective.replica_count(0), 2);
  EXPECT_EQ(objective.replicas(0)[0], 0u);
  EXPECT_EQ(objective.replicas(0)[1], 1u);
  EXPECT_EQ(objective.replica_at(0)[1], 1u);  // token 1 makes node 1 a replica
  EXPECT_NEAR(objective.Objective(), 0.0, 1e-12);
  EXPECT_NEAR(objective.MaxLoadRatio(), 1.0, 1e-12);
}

TEST(PlacementObjectiveTest, OverloadCostsMoreThanUnderload) {
  // Node 0 owns three quarters of the ring with one replica: load 0.75 against 0.5, and
  // node 1 the rest: 0.25 against 0.5. The overloaded node's term weighs 4 times more.
  const RingLayout layout = MakeLayout(1, 2, EvenTokens(4), {0, 0, 0, 1});
  PlacementObjective objective(&layout, layout.replication_factor);
  objective.SetTargets(kNone, 0, kNone);
  objective.Recompute();
  EXPECT_NEAR(objective.loads()[0], 0.75, 1e-12);
  EXPECT_NEAR(objective.loads()[1], 0.25, 1e-12);
  const double expected = 4.0 * 0.25 * 0.25 / 0.5 + 0.25 * 0.25 / 0.5;
  EXPECT_NEAR(objective.Objective(), expected, 1e-12);
  EXPECT_NEAR(objective.MaxLoadRatio(), 1.5, 1e-12);
}

TEST(PlacementObjectiveTest, TargetsAreCappedAtTheWholeRing) {
  // Weights 1, 10, 1 with two replicas: node 1 would get 2 * 10/12 > 1, so it holds the
  // whole ring once and the others share the second replica.
  RingLayout layout = MakeLayout(2, 3, EvenTokens(3), {0, 1, 2});
  layout.weights = {1.0, 10.0, 1.0};
  PlacementObjective objective(&layout, layout.replication_factor);
  objective.SetTargets(kNone, 0, kNone);
  EXPECT_DOUBLE_EQ(objective.target(0), 0.5);
  EXPECT_DOUBLE_EQ(objective.target(1), 1.0);
  EXPECT_DOUBLE_EQ(objective.target(2), 0.5);
}

TEST(PlacementObjectiveTest, AsManyZonesAsReplicasSharesEachZone) {
  // Three zones, three replicas: each zone holds one replica of every key.
  RingLayout layout = MakeLayout(3, 4, EvenTokens(4), {0, 1, 2, 3});
  layout.zones = {0, 1, 2, 2};
  layout.zone_count = 3;
  layout.weights = {1.0, 1.0, 1.0, 3.0};
  PlacementObjective objective(&layout, layout.replication_factor);
  objective.SetTargets(kNone, 0, kNone);
  EXPECT_DOUBLE_EQ(objective.target(0), 1.0);
  EXPECT_DOUBLE_EQ(objective.target(1), 1.0);
  EXPECT_DOUBLE_EQ(objective.target(2), 0.25);
  EXPECT_DOUBLE_EQ(objective.target(3), 0.75);
}

TEST(PlacementObjectiveTest, JoiningAndLeavingNodesChangeTheTargets) {
  const RingLayout layout = MakeLayout(1, 3, EvenTokens(2), {0, 1});
  PlacementObjective objective(&layout, layout.replication_factor);
  objective.SetTargets(/*joining=*/2, /*joining_tokens=*/4, kNone);
  EXPECT_DOUBLE_EQ(objective.target(2), 1.0 / 3);
  EXPECT_EQ(objective.planned_tokens(2), 4);
  objective.SetTargets(kNone, 0, /*leaving=*/0);
  EXPECT_DOUBLE_EQ(objective.target(0), 0.0);
  EXPECT_DOUBLE_EQ(objective.target(1), 1.0);
}

// The local evaluation of a handoff equals the difference of the whole objective before
// and after it, for every token and every new owner.
TEST(PlacementObjectiveTest, HandoffEvaluationIsExact) {
  for (int rf = 1; rf <= 3; ++rf) {
    std::vector<uint32_t> owners;
    for (uint32_t i = 0; i < 15; ++i) owners.push_back((i * 7) % 5);  // 3 tokens per node
    const RingLayout before = MakeLayout(rf, 5, UnevenTokens(15, 42 + rf), owners);
    PlacementObjective objective(&before, rf);
    objective.SetTargets(kNone, 0, kNone);
    objective.Recompute();
    const double base = objective.Objective();
    for (size_t k = 0; k < before.tokens.size(); ++k) {
      for (uint32_t to = 0; to < 5; ++to) {
        if (to == before.owners[k]) continue;
        const double change = objective.EvaluateHandoff(k, to, /*split=*/false, nullptr);
        RingLayout after = before;
        after.owners[k] = to;
        PlacementObjective whole(&after, rf);
        whole.SetTargets(kNone, 0, kNone);
        whole.Recompute();
        EXPECT_NEAR(change, whole.Objective() - base, 1e-9)
            << "rf " << rf << " token " << k << " to node " << to;
      }
    }
  }
}

// The same for inserting a joining node's token at the split point the evaluation picks.
TEST(PlacementObjectiveTest, InsertionEvaluationIsExact) {
  for (int rf = 1; rf <= 3; ++rf) {
    std::vector<uint32_t> owners;
    for (uint32_t i = 0; i < 12; ++i) owners.push_back(i % 4);
    // Node 4 joins with one token.
    const RingLayout before = MakeLayout(rf, 5, UnevenTokens(12, 7 + rf), owners);
    PlacementObjective objective(&before, rf);
    objective.SetTargets(/*joining=*/4, /*joining_tokens=*/1, kNone);
    objective.Recompute();
    const double base = objective.Objective();
    for (size_t j = 0; j < before.tokens.size(); ++j) {
      const PlacementObjective::Candidate candidate = objective.EvaluateInsertion(4, j);
      ASSERT_TRUE(candidate.valid) << j;
      const Token prev = before.tokens[j == 0 ? before.tokens.size() - 1 : j - 1];
      EXPECT_GT(candidate.token - prev, Token{0});
      EXPECT_LT(candidate.token - prev, before.tokens[j] - prev);
      RingLayout after = before;
      const size_t at =
          std::lower_bound(after.tokens.begin(), after.tokens.end(), candidate.token) -
          after.tokens.begin();
      after.tokens.insert(after.tokens.begin() + at, candidate.token);
      after.owners.insert(after.owners.begin() + at, 4);
      PlacementObjective whole(&after, rf);
      whole.SetTargets(kNone, 0, kNone);
      whole.Recompute();
      EXPECT_NEAR(candidate.change, whole.Objective() - base, 1e-9)
          << "rf " << rf << " range " << j;
    }
  }
}

TEST(PlacementObjectiveTest, InsertionNeedsRoomToSplit) {
  const RingLayout layout = MakeLayout(1, 3, {100, 101, 5000}, {0, 1, 0});
  PlacementObjective objective(&layout, 1);
  objective.SetTargets(/*joining=*/2, 1, kNone);
  objective.Recompute();
  EXPECT_FALSE(objective.EvaluateInsertion(2, 1).valid);  // (100, 101] holds one token
  EXPECT_TRUE(objective.EvaluateInsertion(2, 2).valid);
}

TEST(PlacementObjectiveTest, ObjectiveChangeFindsTheBestSplit) {
  // A quarter of the ring moves from node 0 (load 0.75, target 0.5) to node 1 (load 0.25)
  // as f goes from 0 to 1: the best split is f = 1, where both end on target.
  const RingLayout layout = MakeLayout(1, 2, EvenTokens(4), {0, 0, 0, 1});
  PlacementObjective objective(&layout, 1);
  objective.SetTargets(kNone, 0, kNone);
  objective.Recompute();
  const uint32_t from[] = {0}, to[] = {1};
  const PlacementObjective::Entity from_at[] = {PlacementObjective::kTokenBit | 0};
  const PlacementObjective::Entity to_at[] = {PlacementObjective::kTokenBit | 3};
  objective.ClearDeltas();
  objective.AddReplicaSet(from, from_at, 1, 0.0, -0.25);
  objective.AddReplicaSet(to, to_at, 1, 0.0, 0.25);
  double f = -1.0;
  const double change = objective.ObjectiveChange(&f);
  EXPECT_NEAR(f, 1.0, 1e-9);
  EXPECT_NEAR(change, -objective.Objective(), 1e-9);  // both nodes end on target
}

}  // namespace
}  // namespace kvlsm::cluster
