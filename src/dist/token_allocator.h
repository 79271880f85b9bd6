// Internal: choosing tokens so that *replicated* ownership stays balanced.
//
// A node's load is the fraction of the ring for which it is one of the replication_factor
// replicas (the walk of replica_walk.h). The allocator keeps the loads close to
// proportional to the weights by greedily minimizing
//     Phi = sum over nodes of load^2 / weight,
// which, for a fixed total load, is smallest exactly when load / weight is equal
// everywhere. It never moves an existing token, so a change moves only the data that has
// to move:
//   - Join: each of the new node's tokens goes where inserting it lowers Phi most. The
//     position inside the chosen range is the closed-form optimum of Phi (a quadratic in
//     the split point). Every range whose replica set changes gains the new node and
//     loses exactly one old node, so the data moved is the new node's own load. Then a
//     few refinement rounds take each new token out and put it back where it now does
//     most good (free: those tokens are not live yet).
//   - Leave: the leaving node's tokens are handed, one at a time, each to the node that
//     lowers Phi most (handing a token to the owner of the next token is the same as
//     deleting it). Again every affected range swaps exactly the leaving node for one
//     other node. Tokens that end up with the same owner as their successor are dropped,
//     which changes nothing.
// Candidates are evaluated exactly but locally: a change at token index j can only alter
// ranges whose walk window covers j, and the windows are kept per range.
#ifndef KVLSM_DIST_TOKEN_ALLOCATOR_H_
#define KVLSM_DIST_TOKEN_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dist/ring_layout.h"

namespace kvlsm {

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
  // The objective: squared relative deviations of node loads (and, when token_term_, of
  // token loads) from their targets.
  double Objective() const;

  Candidate BestInsertion(uint32_t node);
  Candidate EvaluateInsertion(uint32_t node, size_t j);
  // The change of the objective when token k is given to node `to`.
  double EvaluateReassignment(size_t k, uint32_t to);

  void InsertToken(Token token, uint32_t owner);
  void EraseToken(size_t index);
  // A token splitting the largest range in half.
  Token SplitLargestRange() const;
  void DropRedundantTokens();

  void AddDelta(Entity entity, double fixed, double per_f);
  // Adds the changes of one range (of the given length) whose replicas, with the tokens
  // that made them replicas, go from the stored ones of range_index to new_set/new_at.
  void DiffRange(size_t range_index, const uint32_t* new_set, const Entity* new_at,
                 int new_count, double length, bool per_f);
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
  std::vector<double> loads_;        // per node
  std::vector<double> token_loads_;  // per token
  std::vector<double> node_targets_;  // 0 for nodes that do not count
  std::vector<int> node_tokens_;      // planned token count per node
  double new_token_target_ = 0.0;
  std::vector<Delta> deltas_;
};

}  // namespace kvlsm

#endif  // KVLSM_DIST_TOKEN_ALLOCATOR_H_
