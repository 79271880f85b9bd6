// Internal: choosing tokens so that *replicated* ownership stays balanced.
//
// A node's load is the fraction of the ring for which it is one of the replication_factor
// replicas; its target is its fair share (see placement_objective.h, which defines the
// objective and evaluates candidates). The allocator greedily minimizes that objective:
// squared relative deviations of node loads from targets, overload costing more, plus
// during a join a small token-level term that keeps the ring regular for later joins.
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
// kvlsm_ring_sweep measures the result (docs/cluster.md).
//
// Thread safety: none. A TokenAllocator is a working copy owned by one Ring call; distinct
// allocators share nothing.
#ifndef KVLSM_CLUSTER_TOKEN_ALLOCATOR_H_
#define KVLSM_CLUSTER_TOKEN_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cluster/placement_objective.h"
#include "cluster/ring_layout.h"

namespace kvlsm::cluster {

class TokenAllocator {
 public:
  // REQUIRES: layout is consistent (see RingLayout) and replication_factor in [1, 32].
  explicit TokenAllocator(RingLayout layout);

  // The objective reads layout_ in place.
  TokenAllocator(const TokenAllocator&) = delete;
  TokenAllocator& operator=(const TokenAllocator&) = delete;

  // Chooses `count` tokens for `node`, adds them to the layout and returns them ascending.
  // Fewer (possibly none) only when no range is wide enough to split.
  // REQUIRES: node < weights.size(), node owns no token, count >= 1.
  std::vector<Token> AddTokensFor(uint32_t node, int count);

  // Hands every token of `node` to the other nodes and drops redundant tokens.
  // REQUIRES: some other node owns a token.
  void ReassignTokensOf(uint32_t node);

  const RingLayout& layout() const { return layout_; }

  // Loads (replicated ownership as a fraction of the ring) by dense node index.
  const std::vector<double>& loads() const { return objective_.loads(); }

 private:
  using Candidate = PlacementObjective::Candidate;

  // Whether no other node owning a token shares node's zone.
  bool AloneInZone(uint32_t node) const;

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

  RingLayout layout_;
  PlacementObjective objective_;  // reads layout_; declared after it
  std::vector<uint32_t> candidates_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_TOKEN_ALLOCATOR_H_
