// Internal: choosing tokens so that *replicated* ownership stays balanced.
//
// A node's load is the fraction of the ring for which it is one of the replication_factor
// replicas (the walk of replica_walk.h); its target is its weight's share of the total
// (capped at the whole ring), or of its zone when there are exactly as many zones as
// replicas (then each zone holds one replica of every key). The allocator greedily minimizes
//     sum over nodes of  p * (load - target)^2 / target
// with p = kOverloadPenalty above target and 1 below (so it prefers leaving a node a
// little under to pushing one over), plus, during a join, a small term of the same form
// over each token's load (the ranges for which that token is what makes its owner a
// replica), which keeps the ring regular enough for later joins to relieve any node.
//
//   Join. Each of the new node's tokens is either inserted into a range, at the split
//     point that minimizes the objective (a convex piecewise quadratic in the split
//     fraction, minimized exactly), or taken over from a node above its target,
//     whichever helps most. Either way every range whose replicas change swaps exactly
//     one old replica for one new, so the data moved is essentially the new node's
//     share. Refinement rounds then undo each move and redo the best one (free: the new
//     tokens are not live yet). Rings of at most replication_factor nodes are laid out
//     for replication_factor = nodes - 1, which leaves the regular structure the first
//     real join needs.
//   Leave. The leaving node's tokens are handed, one at a time, each to the node that
//     helps most, and may move back inside their range so that the part given up goes to
//     the next range's replicas (handing a token to its successor's owner deletes it).
//     Again one swap per affected range: only the leaving node's data moves. A node may
//     receive a token only while it holds fewer than twice its quota of tokens, or when
//     the token merges into one of its own (it neighbours one): token counts stay
//     bounded and the ring does not fragment under churn. Tokens left with the same
//     owner as their successor are dropped.
//   Safety net. If a node still exceeds kShiftThreshold times its target, the token
//     boundary that helps most moves (only the piece between the old and new position
//     changes replicas), within a data budget: 5% of the joining node's load for a join,
//     50% of the leaving node's for a leave (coarser: a handoff gives one node a token).
//
// Candidates are evaluated exactly but locally: a change at token index j can only alter
// ranges whose walk window covers j, and the windows are kept per range.
// kvlsm_ring_sweep measures the result (docs/cluster.md).
//
// Thread safety: none. A TokenAllocator is a working copy owned by one Ring call; distinct
// allocators share nothing.
#ifndef KVLSM_CLUSTER_TOKEN_ALLOCATOR_H_
#define KVLSM_CLUSTER_TOKEN_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cluster/ring_layout.h"

namespace kvlsm::cluster {

class TokenAllocator {
 public:
  // REQUIRES: layout is consistent (see RingLayout) and replication_factor in [1, 32].
  explicit TokenAllocator(RingLayout layout);

  // Chooses `count` tokens for `node`, adds them to the layout and returns them ascending.
  // Fewer (possibly none) only when no range is wide enough to split.
  // REQUIRES: node < weights.size(), node owns no token, count >= 1.
  std::vector<Token> AddTokensFor(uint32_t node, int count);

  // Hands every token of `node` to the other nodes and drops redundant tokens.
  // REQUIRES: some other node owns a token.
  void ReassignTokensOf(uint32_t node);

  const RingLayout& layout() const { return layout_; }

  // Loads (replicated ownership as a fraction of the ring) by dense node index.
  const std::vector<double>& loads() const { return loads_; }

 private:
  // A quantity a change moves: a node's load, a token's load (the ranges for which that
  // token is what makes its owner a replica), or the load of the token being placed.
  using Entity = uint64_t;
  static constexpr Entity kTokenBit = Entity{1} << 32;
  static constexpr Entity kNewToken = Entity{1} << 33;
  struct Delta {
    Entity entity;
    double fixed;  // change independent of the split point
    double per_f;  // change per unit of split fraction
  };
  struct Candidate {
    bool valid = false;
    double change = 0.0;  // change of the objective
    Token token = 0;      // the token to insert
  };

  // Rebuilds replica sets, windows and loads from the layout.
  void Recompute();
  // Sets the targets for the nodes owning tokens plus `joining` (planned to own
  // joining_tokens tokens), minus `leaving`; either may be kNone.
  void SetTargets(uint32_t joining, int joining_tokens, uint32_t leaving);
  // Targets proportional to weight among `active`, none above the whole ring.
  void ShareByWeight(const std::vector<uint32_t>& active);
  // Whether no other node owning a token shares node's zone.
  bool AloneInZone(uint32_t node) const;
  // The objective: squared relative deviations of node loads (and, when token_term_, of
  // token loads) from their targets.
  double Objective() const;

  // One step of a join: a new token, or taking over another node's token.
  struct Move {
    bool valid = false;
    bool take_over = false;
    double change = 0.0;
    Token token = 0;
    uint32_t previous_owner = 0;  // take-overs only
  };
  Move BestMove(uint32_t node);
  void Apply(const Move& move, uint32_t node);
  void Undo(const Move& move);

  Candidate BestInsertion(uint32_t node);
  Candidate EvaluateInsertion(uint32_t node, size_t j);
  // The change of the objective when token k is given to node `to`. With `split`, the
  // token may also move back inside its range to prev + f * width (the part it gives up
  // joins the next range), and *best_f receives the best f.
  double EvaluateHandoff(size_t k, uint32_t to, bool split, double* best_f);
  // The nodes (from `others`) worth evaluating as the new owner of token k of `leaving`.
  const std::vector<uint32_t>& HandoffCandidates(size_t k, const std::vector<uint32_t>& others,
                                                 uint32_t leaving);
  // Whether a leave may hand token k to `node`: it is under its token cap, or owns the
  // nearest other token on either side (the token then merges into that one).
  bool MayReceive(uint32_t node, size_t k, uint32_t leaving) const;
  // prev + f * width of range k, strictly after prev and at most token k.
  Token SplitPoint(size_t k, double f) const;

  void InsertToken(Token token, uint32_t owner);
  void EraseToken(size_t index);
  // Gives token `index` a new position (inside its range) and owner; keeps order.
  void MoveToken(size_t index, Token token, uint32_t owner);
  void DropRedundantTokens();
  // While some node's load exceeds `threshold` times its target, moves the token
  // boundary that helps most (only the piece between the old and new position changes
  // replicas), as long as the data moved stays within `budget` (a fraction of the ring,
  // counted once per replica gaining it). Returns the data moved.
  double ShiftBoundaries(double threshold, double budget);
  double MaxLoadRatio() const;

  void AddDelta(Entity entity, double fixed, double per_f);
  // Adds fixed + f * per_f to every node of a replica set and the tokens making them so.
  void AddReplicaSet(const uint32_t* set, const Entity* at, int count, double fixed, double per_f);
  // Adds the changes of one range (of the given length) whose replicas, with the tokens
  // that made them replicas, go from the stored ones of range_index to new_set/new_at.
  void DiffRange(size_t range_index, const uint32_t* new_set, const Entity* new_at, int new_count,
                 double length, bool per_f);
  double ObjectiveChange(double* best_f) const;
  double Value(Entity e) const;
  double Target(Entity e) const;

  RingLayout layout_;
  int n_;  // replication factor
  bool token_term_ = false;
  std::vector<double> lengths_;
  std::vector<uint32_t> replicas_;    // n_ per range
  std::vector<uint32_t> replica_at_;  // n_ per range: the token making each a replica
  std::vector<uint8_t> replica_counts_;
  // Tokens a range's walk examines; token_count + 1 when the walk went all the way round
  // without finding n_ nodes (it would go on, so any change anywhere matters).
  std::vector<uint32_t> windows_;
  uint32_t max_window_ = 0;
  std::vector<double> loads_;         // per node
  std::vector<double> token_loads_;   // per token
  std::vector<int> token_counts_;     // tokens owned, per node
  std::vector<double> node_targets_;  // 0 for nodes that do not count
  std::vector<int> node_tokens_;      // planned token count per node
  double new_token_target_ = 0.0;
  std::vector<Delta> deltas_;
  std::vector<uint32_t> candidates_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_TOKEN_ALLOCATOR_H_
