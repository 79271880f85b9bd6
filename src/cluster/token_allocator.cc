#include "cluster/token_allocator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace kvlsm::cluster {
namespace {

using Entity = PlacementObjective::Entity;
constexpr int kMaxReplicas = PlacementObjective::kMaxReplicas;
constexpr uint32_t kNone = PlacementObjective::kNone;
constexpr Entity kTokenBit = PlacementObjective::kTokenBit;
// Refinement rounds after a join or a leave; each is one full candidate scan per token.
constexpr int kRefinementRounds = 2;
// An improvement smaller than this (relative to the objective) is noise.
constexpr double kMinImprovement = 1e-12;
// Boundary shifts (extra data movement) start when a node exceeds this multiple of its
// target after a join or leave, and stop below it or when they would move more than
// the budget times the change's own share of the data: little for a join (which should
// move only the new node's share), more for a leave (whose handoffs are coarser; 0.25
// left zoned and weighted rings up to 1.056 when shrinking, 0.5 keeps them at 1.04).
constexpr double kShiftThreshold = 1.04;
constexpr double kJoinShiftBudget = 0.05;
constexpr double kLeaveShiftBudget = 0.5;
constexpr int kMaxBoundaryShifts = 64;
// Outsider nodes (see HandoffCandidates) evaluated per token in a leave.
constexpr int kOutsiderCandidates = 4;
// A leave may hand a node a token only while it owns fewer than kTokenCap times its quota
// (round(weight * tokens_per_node)); otherwise handoffs go to the owners of the
// neighbouring tokens, where the token merges into theirs. Without a cap every leave adds
// the leaving node's tokens to the others, the ring fragments under churn and a new
// node's tokens can no longer carry its share (measured: 1.2 after 250 random joins and
// leaves); a tight cap (quota + 2) makes leaves too coarse (1.08 when shrinking).
constexpr int kTokenCap = 2;

}  // namespace

TokenAllocator::TokenAllocator(RingLayout layout)
    : layout_(std::move(layout)), objective_(&layout_, layout_.replication_factor) {
  objective_.SetTargets(kNone, 0, kNone);
  objective_.Recompute();
}

bool TokenAllocator::AloneInZone(uint32_t node) const {
  for (size_t i = 0; i < layout_.owners.size(); ++i) {
    const uint32_t other = layout_.owners[i];
    if (other != node && layout_.zones[other] == layout_.zones[node]) return false;
  }
  return true;
}

TokenAllocator::Candidate TokenAllocator::BestInsertion(uint32_t node) {
  Candidate best;
  for (size_t j = 0; j < layout_.tokens.size(); ++j) {
    const Candidate c = objective_.EvaluateInsertion(node, j);
    if (c.valid && (!best.valid || c.change < best.change)) best = c;
  }
  return best;
}

void TokenAllocator::InsertToken(Token token, uint32_t owner) {
  // A token in the wrapping range may land before the first token or after the last.
  const size_t index = std::lower_bound(layout_.tokens.begin(), layout_.tokens.end(), token) -
                       layout_.tokens.begin();
  layout_.tokens.insert(layout_.tokens.begin() + index, token);
  layout_.owners.insert(layout_.owners.begin() + index, owner);
  objective_.Recompute();
}

void TokenAllocator::MoveToken(size_t index, Token token, uint32_t owner) {
  layout_.tokens.erase(layout_.tokens.begin() + index);
  layout_.owners.erase(layout_.owners.begin() + index);
  InsertToken(token, owner);
}

void TokenAllocator::EraseToken(size_t index) {
  layout_.tokens.erase(layout_.tokens.begin() + index);
  layout_.owners.erase(layout_.owners.begin() + index);
  objective_.Recompute();
}

std::vector<Token> TokenAllocator::AddTokensFor(uint32_t node, int count) {
  std::vector<Token> added;
  if (layout_.tokens.empty()) {
    // Evenly spaced; any spacing is as good as any other for a lone node.
    const Token step = static_cast<Token>(0x1p64 / count);
    for (int k = 0; k < count; ++k) added.push_back(step / 2 + step * static_cast<Token>(k));
    layout_.tokens = added;
    layout_.owners.assign(added.size(), node);
    objective_.Recompute();
    return added;
  }
  objective_.SetTargets(node, count, kNone);
  int nodes_with_tokens = 0;
  for (uint32_t n = 0; n < layout_.weights.size(); ++n) {
    nodes_with_tokens += objective_.planned_tokens(n) > 0 ? 1 : 0;
  }
  // On a ring of at most replication_factor nodes everyone owns everything whatever the
  // tokens. Place them to balance replication factor nodes - 1 instead, which leaves the
  // regular structure the first real join needs.
  const int replication_factor = objective_.replication_factor();
  const bool small_ring = nodes_with_tokens <= replication_factor;
  if (small_ring) {
    objective_.set_replication_factor(std::max(1, nodes_with_tokens - 1));
    objective_.SetTargets(node, count, kNone);
    objective_.Recompute();
  }
  objective_.set_token_term(true);
  // A node opening a zone: until it owns a token, walks would look for a zone nobody
  // occupies and never end. Place its first token as if the zone did not exist yet.
  const uint32_t zone_count = layout_.zone_count;
  const auto fix_zone_count = [&]() {
    const bool tokenless =
        std::find(layout_.owners.begin(), layout_.owners.end(), node) == layout_.owners.end();
    const uint32_t wanted =
        zone_count > 1 && tokenless && AloneInZone(node) ? zone_count - 1 : zone_count;
    if (layout_.zone_count != wanted) {
      layout_.zone_count = wanted;
      objective_.Recompute();
    }
  };
  fix_zone_count();
  // Each step either inserts a new token or takes over an existing one from a node above
  // its target (whichever helps most). Both swap one replica per affected range.
  std::vector<Move> moves;
  for (int k = 0; k < count; ++k) {
    const Move move = BestMove(node);
    if (!move.valid) break;  // no range wide enough to split and nothing to take over
    Apply(move, node);
    fix_zone_count();
    moves.push_back(move);
  }
  // Refinement: undo each move and redo the best one now (these tokens are not live yet).
  for (int round = 0; round < kRefinementRounds; ++round) {
    bool changed = false;
    for (Move& move : moves) {
      const double before = objective_.Objective();
      Undo(move);
      fix_zone_count();
      const double without = objective_.Objective();
      const Move best = BestMove(node);
      if (best.valid && without + best.change < before - kMinImprovement * before &&
          !(best.token == move.token && best.take_over == move.take_over)) {
        Apply(best, node);
        move = best;
        changed = true;
      } else {
        Apply(move, node);
      }
      fix_zone_count();
    }
    if (!changed) break;
  }
  objective_.set_token_term(false);
  if (small_ring) {
    objective_.set_replication_factor(replication_factor);
    objective_.SetTargets(node, count, kNone);
    objective_.Recompute();
  } else {
    // The budget is relative to the data the join moves anyway: the new node's load.
    ShiftBoundaries(kShiftThreshold, kJoinShiftBudget * objective_.loads()[node]);
  }
  for (size_t i = 0; i < layout_.tokens.size(); ++i) {
    if (layout_.owners[i] == node) added.push_back(layout_.tokens[i]);
  }
  return added;
}

TokenAllocator::Move TokenAllocator::BestMove(uint32_t node) {
  Move best;
  const Candidate insertion = BestInsertion(node);
  if (insertion.valid) {
    best.valid = true;
    best.change = insertion.change;
    best.token = insertion.token;
  }
  for (size_t k = 0; k < layout_.tokens.size(); ++k) {
    const uint32_t owner = layout_.owners[k];
    // Only relieve nodes above target, and never take a node's last token.
    if (owner == node || objective_.planned_tokens(owner) <= 1 ||
        objective_.loads()[owner] <= objective_.target(owner)) {
      continue;
    }
    const double change = objective_.EvaluateHandoff(k, node, /*split=*/false, nullptr);
    if (!best.valid || change < best.change) {
      best.valid = true;
      best.take_over = true;
      best.change = change;
      best.token = layout_.tokens[k];
      best.previous_owner = owner;
    }
  }
  return best;
}

void TokenAllocator::Apply(const Move& move, uint32_t node) {
  if (!move.take_over) {
    InsertToken(move.token, node);
    return;
  }
  const size_t k = std::lower_bound(layout_.tokens.begin(), layout_.tokens.end(), move.token) -
                   layout_.tokens.begin();
  layout_.owners[k] = node;
  objective_.AddPlannedTokens(move.previous_owner, -1);
  objective_.Recompute();
}

void TokenAllocator::Undo(const Move& move) {
  const size_t k = std::lower_bound(layout_.tokens.begin(), layout_.tokens.end(), move.token) -
                   layout_.tokens.begin();
  if (!move.take_over) {
    EraseToken(k);
    return;
  }
  layout_.owners[k] = move.previous_owner;
  objective_.AddPlannedTokens(move.previous_owner, 1);
  objective_.Recompute();
}

Token TokenAllocator::SplitPoint(size_t k, double f) const {
  const size_t count = layout_.tokens.size();
  const Token prev = layout_.tokens[k == 0 ? count - 1 : k - 1];
  const Token width = layout_.tokens[k] - prev;
  const double scaled = std::floor(f * static_cast<double>(width));
  Token offset = scaled >= 0x1p64 ? width : static_cast<Token>(scaled);
  return prev + std::clamp<Token>(offset, 1, width);
}

bool TokenAllocator::MayReceive(uint32_t node, size_t k, uint32_t leaving) const {
  const int quota =
      std::max(1, static_cast<int>(std::lround(layout_.weights[node] * layout_.tokens_per_node)));
  if (objective_.token_count(node) < kTokenCap * quota) return true;
  // The owners of the nearest tokens of other nodes on either side: the token merges
  // into theirs (DropRedundantTokens), so their token count does not grow.
  const size_t count = layout_.tokens.size();
  for (size_t d = 1; d < count; ++d) {
    const uint32_t owner = layout_.owners[(k + d) % count];
    if (owner == leaving) continue;
    if (owner == node) return true;
    break;
  }
  for (size_t d = 1; d < count; ++d) {
    const uint32_t owner = layout_.owners[(k + count - d) % count];
    if (owner == leaving) continue;
    return owner == node;
  }
  return false;
}

const std::vector<uint32_t>& TokenAllocator::HandoffCandidates(size_t k,
                                                               const std::vector<uint32_t>& others,
                                                               uint32_t leaving) {
  // A node owning no token within a walk window of k appears in the affected walks only
  // through token k, so all such "outsiders" act alike except for their own load: the
  // few lowest relative loads are the only ones worth evaluating. Nodes near k (which
  // include the next token's owner: handing to it deletes the token) are all evaluated.
  candidates_.clear();
  const size_t count = layout_.tokens.size();
  const size_t reach = std::min<size_t>(objective_.max_window() + 1, count);
  for (size_t d = 0; d < 2 * reach && d < count; ++d) {
    const uint32_t near = layout_.owners[(k + count + d - reach) % count];
    if (objective_.target(near) > 0.0 && MayReceive(near, k, leaving) &&
        std::find(candidates_.begin(), candidates_.end(), near) == candidates_.end()) {
      candidates_.push_back(near);
    }
  }
  const size_t near_count = candidates_.size();
  for (uint32_t other : others) {
    if (std::find(candidates_.begin(), candidates_.begin() + near_count, other) !=
            candidates_.begin() + near_count ||
        !MayReceive(other, k, leaving)) {
      continue;
    }
    const double ratio = objective_.loads()[other] / objective_.target(other);
    // Keep the kOutsiderCandidates lowest ratios after the near nodes (insertion).
    auto pos = candidates_.end();
    while (pos != candidates_.begin() + near_count &&
           objective_.loads()[*(pos - 1)] / objective_.target(*(pos - 1)) > ratio) {
      --pos;
    }
    if (pos - (candidates_.begin() + near_count) < kOutsiderCandidates) {
      candidates_.insert(pos, other);
      if (candidates_.size() > near_count + kOutsiderCandidates) candidates_.pop_back();
    }
  }
  return candidates_;
}

void TokenAllocator::ReassignTokensOf(uint32_t node) {
  // The last node of a zone: the ring after the leave has one zone fewer; walk by that
  // rule from the start (exact once the node owns nothing).
  if (layout_.zone_count > 1 && AloneInZone(node)) {
    --layout_.zone_count;
    objective_.Recompute();
  }
  objective_.SetTargets(kNone, 0, node);
  objective_.set_token_term(false);
  const double leaving_load = objective_.loads()[node];
  std::vector<uint32_t> others;
  for (uint32_t other = 0; other < layout_.weights.size(); ++other) {
    if (objective_.target(other) > 0.0) others.push_back(other);
  }
  struct Handoff {
    Token original;  // where the leaving node's token was
    Token placed;    // where it is now
  };
  std::vector<Handoff> handoffs;
  // Finds the best (token, new owner, split point) for one of the tokens still owned by
  // `node` (or, when only_index is set, for that token) and applies it.
  const auto hand_best = [&](int64_t only_index) {
    bool found = false;
    size_t best_k = 0;
    uint32_t best_to = 0;
    double best_change = 0.0, best_f = 1.0;
    for (size_t k = 0; k < layout_.tokens.size(); ++k) {
      if (only_index >= 0 ? k != static_cast<size_t>(only_index) : layout_.owners[k] != node) {
        continue;
      }
      for (uint32_t to : HandoffCandidates(k, others, node)) {
        double f = 1.0;
        const double change = objective_.EvaluateHandoff(k, to, /*split=*/true, &f);
        if (!found || change < best_change) {
          found = true;
          best_k = k;
          best_to = to;
          best_change = change;
          best_f = f;
        }
      }
    }
    if (!found) return Handoff{0, 0};
    const Handoff handoff{layout_.tokens[best_k], SplitPoint(best_k, best_f)};
    MoveToken(best_k, handoff.placed, best_to);
    return handoff;
  };
  while (std::find(layout_.owners.begin(), layout_.owners.end(), node) != layout_.owners.end()) {
    handoffs.push_back(hand_best(-1));
  }
  // Refinement: take each handoff back and redo the best one now.
  for (int round = 0; round < kRefinementRounds; ++round) {
    bool changed = false;
    for (Handoff& handoff : handoffs) {
      const size_t k =
          std::lower_bound(layout_.tokens.begin(), layout_.tokens.end(), handoff.placed) -
          layout_.tokens.begin();
      const uint32_t previous_owner = layout_.owners[k];
      const double before = objective_.Objective();
      MoveToken(k, handoff.original, node);
      const Handoff redone = hand_best(
          std::lower_bound(layout_.tokens.begin(), layout_.tokens.end(), handoff.original) -
          layout_.tokens.begin());
      if (objective_.Objective() < before - kMinImprovement * before) {
        changed = changed || redone.placed != handoff.placed;
        handoff = redone;
      } else {
        MoveToken(std::lower_bound(layout_.tokens.begin(), layout_.tokens.end(), redone.placed) -
                      layout_.tokens.begin(),
                  handoff.placed, previous_owner);
      }
    }
    if (!changed) break;
  }
  DropRedundantTokens();
  // The budget is relative to the data the leave moves anyway: the leaving node's load.
  ShiftBoundaries(kShiftThreshold, kLeaveShiftBudget * leaving_load);
}

double TokenAllocator::ShiftBoundaries(double threshold, double budget) {
  double moved = 0.0;
  const size_t count = layout_.tokens.size();
  if (count < 2) return moved;
  Entity old_at[kMaxReplicas], new_at[kMaxReplicas];
  for (int step = 0; step < kMaxBoundaryShifts && objective_.MaxLoadRatio() > threshold; ++step) {
    // The shift improving the objective most among those taking load off a node above
    // the threshold.
    bool found = false;
    double best_score = 0.0, best_f = 0.0;
    size_t best_from = 0, best_k = 0;
    int best_gained = 0;
    bool best_grow = false;
    for (size_t k = 0; k < count; ++k) {
      const size_t next = k + 1 == count ? 0 : k + 1;
      for (const bool grow : {false, true}) {
        // Shrinking moves (p, token k] from range k to range next; growing moves
        // (token k, p] from range next to range k. Walks do not change, only lengths.
        const size_t from = grow ? next : k;
        const size_t to = grow ? k : next;
        const uint32_t* from_set = objective_.replicas(from);
        const uint32_t* to_set = objective_.replicas(to);
        const int from_count = objective_.replica_count(from),
                  to_count = objective_.replica_count(to);
        bool relieves = false;
        for (int r = 0; r < from_count && !relieves; ++r) {
          const uint32_t node = from_set[r];
          relieves = objective_.loads()[node] > threshold * objective_.target(node) &&
                     std::find(to_set, to_set + to_count, node) == to_set + to_count;
        }
        if (!relieves) continue;
        int gained = 0;
        for (int r = 0; r < to_count; ++r) {
          gained += std::find(from_set, from_set + from_count, to_set[r]) == from_set + from_count;
        }
        const double length = objective_.length(from);
        objective_.ClearDeltas();
        for (int r = 0; r < from_count; ++r) old_at[r] = kTokenBit | objective_.replica_at(from)[r];
        for (int r = 0; r < to_count; ++r) new_at[r] = kTokenBit | objective_.replica_at(to)[r];
        objective_.AddReplicaSet(from_set, old_at, from_count, 0.0, -length);
        objective_.AddReplicaSet(to_set, new_at, to_count, 0.0, length);
        double f = 0.0;
        const double change = objective_.ObjectiveChange(&f);
        if (f <= 0.0 || change >= 0.0 || gained == 0) continue;
        const double score = change;
        if (!found || score < best_score) {
          found = true;
          best_score = score;
          best_f = f;
          best_from = from;
          best_k = k;
          best_gained = gained;
          best_grow = grow;
        }
      }
    }
    if (!found) break;
    // Within what is left of the budget: the piece, once per replica gaining it.
    double fraction =
        std::min(best_f, (budget - moved) / (best_gained * objective_.length(best_from)));
    const Token width =
        layout_.tokens[best_from] - layout_.tokens[best_from == 0 ? count - 1 : best_from - 1];
    Token piece = static_cast<Token>(
        std::min(std::floor(fraction * static_cast<double>(width)), 0x1p64 - 0x1p11));
    piece = std::min<Token>(piece, width - 1);
    if (piece == 0) break;
    moved += best_gained * static_cast<double>(piece) * 0x1p-64;
    const Token token = layout_.tokens[best_k];
    MoveToken(best_k, best_grow ? token + piece : token - piece, layout_.owners[best_k]);
    if (fraction < best_f) break;  // budget spent
  }
  return moved;
}

void TokenAllocator::DropRedundantTokens() {
  // A token whose successor has the same owner changes no walk: drop it.
  bool dropped = false;
  for (size_t i = 0; layout_.tokens.size() > 1 && i < layout_.tokens.size();) {
    const size_t next = i + 1 == layout_.tokens.size() ? 0 : i + 1;
    if (layout_.owners[i] == layout_.owners[next]) {
      layout_.tokens.erase(layout_.tokens.begin() + i);
      layout_.owners.erase(layout_.owners.begin() + i);
      dropped = true;
    } else {
      ++i;
    }
  }
  if (dropped) objective_.Recompute();
}

}  // namespace kvlsm::cluster
