// Internal: what TokenAllocator minimizes, and the bookkeeping it is computed from.
//
// A node's load is the fraction of the ring for which it is one of the replication_factor
// replicas (the walk of replica_walk.h); its target is its weight's share of the total
// (capped at the whole ring), or of its zone when there are exactly as many zones as
// replicas (then each zone holds one replica of every key). The objective is
//     sum over nodes of  p * (load - target)^2 / target
// with p = kOverloadPenalty above target and 1 below (so it prefers leaving a node a
// little under to pushing one over), plus, while the token term is on (during a join), a
// small term of the same form over each token's load (the ranges for which that token is
// what makes its owner a replica), which keeps the ring regular enough for later joins to
// relieve any node.
//
// The object keeps, per range, the replica set, the tokens making each a replica and the
// walk window, and per node the load and target. Candidates are evaluated exactly but
// locally: a change at token index j can only alter ranges whose walk window covers j,
// and the windows are kept per range. An evaluation collects the changes of the
// quantities it moves (deltas) and ObjectiveChange minimizes over the split fraction.
//
// Thread safety: none. Owned by one TokenAllocator; it reads the allocator's layout.
#ifndef KVLSM_CLUSTER_PLACEMENT_OBJECTIVE_H_
#define KVLSM_CLUSTER_PLACEMENT_OBJECTIVE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "cluster/ring_layout.h"

namespace kvlsm::cluster {

class PlacementObjective {
 public:
  static constexpr int kMaxReplicas = 32;
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  // A quantity a change moves: a node's load, a token's load (the ranges for which that
  // token is what makes its owner a replica), or the load of the token being placed.
  using Entity = uint64_t;
  static constexpr Entity kTokenBit = Entity{1} << 32;
  static constexpr Entity kNewToken = Entity{1} << 33;

  // The best split of one range by a new token.
  struct Candidate {
    bool valid = false;
    double change = 0.0;  // change of the objective
    Token token = 0;      // the token to insert
  };

  // REQUIRES: *layout outlives this object; replication_factor in [1, kMaxReplicas].
  // Call SetTargets and Recompute before anything else.
  PlacementObjective(const RingLayout* layout, int replication_factor);

  PlacementObjective(const PlacementObjective&) = delete;
  PlacementObjective& operator=(const PlacementObjective&) = delete;

  int replication_factor() const { return n_; }
  // Walks for n replicas from the next Recompute on. REQUIRES: n in [1, kMaxReplicas].
  void set_replication_factor(int n) { n_ = n; }
  // Whether the token-level term counts (on during a join).
  void set_token_term(bool on) { token_term_ = on; }

  // Rebuilds replica sets, windows and loads from the layout.
  void Recompute();
  // Sets the targets for the nodes owning tokens plus `joining` (planned to own
  // joining_tokens tokens), minus `leaving`; either may be kNone.
  void SetTargets(uint32_t joining, int joining_tokens, uint32_t leaving);
  // The objective: squared relative deviations of node loads (and, when the token term is
  // on, of token loads) from their targets.
  double Objective() const;
  // The largest load / target among the nodes with a target.
  double MaxLoadRatio() const;

  // The change of the objective when a token of `node` is inserted into range j, at the
  // best split point. Invalid when the range is too narrow to split.
  Candidate EvaluateInsertion(uint32_t node, size_t j);
  // The change of the objective when token k is given to node `to`. With `split`, the
  // token may also move back inside its range to prev + f * width (the part it gives up
  // joins the next range), and *best_f receives the best f.
  double EvaluateHandoff(size_t k, uint32_t to, bool split, double* best_f);

  // Building an evaluation by hand (as ShiftBoundaries does): clear, add, then
  // ObjectiveChange.
  void ClearDeltas() { deltas_.clear(); }
  // Adds fixed + f * per_f to every node of a replica set and the tokens making them so.
  void AddReplicaSet(const uint32_t* set, const Entity* at, int count, double fixed, double per_f);
  // The change of the objective from the deltas added, at the best split fraction f in
  // [0, 1] (stored in *best_f unless null).
  double ObjectiveChange(double* best_f) const;

  // Per range (the range ending at token i).
  double length(size_t i) const { return lengths_[i]; }
  const uint32_t* replicas(size_t i) const { return &replicas_[i * n_]; }
  // The tokens making each of replicas(i) a replica.
  const uint32_t* replica_at(size_t i) const { return &replica_at_[i * n_]; }
  int replica_count(size_t i) const { return replica_counts_[i]; }
  // Tokens a range's walk examines; token_count + 1 when the walk went all the way round
  // without finding n replicas (it would go on, so any change anywhere matters).
  uint32_t window(size_t i) const { return windows_[i]; }
  uint32_t max_window() const { return max_window_; }

  // Per node (dense index).
  const std::vector<double>& loads() const { return loads_; }
  double target(uint32_t node) const { return node_targets_[node]; }    // 0: does not count
  int token_count(uint32_t node) const { return token_counts_[node]; }  // tokens owned
  int planned_tokens(uint32_t node) const { return node_tokens_[node]; }
  // A join taking over a token changes the plan without new targets.
  void AddPlannedTokens(uint32_t node, int delta) { node_tokens_[node] += delta; }

 private:
  struct Delta {
    Entity entity;
    double fixed;  // change independent of the split point
    double per_f;  // change per unit of split fraction
  };

  // Targets proportional to weight among `active`, none above the whole ring.
  void ShareByWeight(const std::vector<uint32_t>& active);
  void AddDelta(Entity entity, double fixed, double per_f);
  // Adds the changes of one range (of the given length) whose replicas, with the tokens
  // that made them replicas, go from the stored ones of range_index to new_set/new_at.
  void DiffRange(size_t range_index, const uint32_t* new_set, const Entity* new_at, int new_count,
                 double length, bool per_f);
  double Value(Entity e) const;
  double Target(Entity e) const;

  const RingLayout* const layout_;
  int n_;  // replication factor
  bool token_term_ = false;
  std::vector<double> lengths_;
  std::vector<uint32_t> replicas_;    // n_ per range
  std::vector<uint32_t> replica_at_;  // n_ per range: the token making each a replica
  std::vector<uint8_t> replica_counts_;
  std::vector<uint32_t> windows_;
  uint32_t max_window_ = 0;
  std::vector<double> loads_;         // per node
  std::vector<double> token_loads_;   // per token
  std::vector<int> token_counts_;     // tokens owned, per node
  std::vector<double> node_targets_;  // 0 for nodes that do not count
  std::vector<int> node_tokens_;      // planned token count per node
  double new_token_target_ = 0.0;
  std::vector<Delta> deltas_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_PLACEMENT_OBJECTIVE_H_
