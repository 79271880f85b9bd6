#include "dist/token_allocator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <utility>

#include "dist/replica_walk.h"

namespace kvlsm {
namespace {

constexpr int kMaxReplicas = 32;
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
// Refinement rounds after a join or a leave; each is one full candidate scan per token.
static int kRefinementRounds = getenv("KR") ? atoi(getenv("KR")) : 2;
// Weight of the token-level term against the node-level one.
static double kTokenTermWeight = getenv("KL") ? atof(getenv("KL")) : 1.0;
// An improvement smaller than this (relative to the objective) is noise.
constexpr double kMinImprovement = 1e-12;

}  // namespace

TokenAllocator::TokenAllocator(RingLayout layout)
    : layout_(std::move(layout)), n_(layout_.replication_factor) {
  SetTargets(kNone, 0, kNone);
  Recompute();
}

void TokenAllocator::SetTargets(uint32_t joining, int joining_tokens, uint32_t leaving) {
  const size_t nodes = layout_.weights.size();
  node_tokens_.assign(nodes, 0);
  for (uint32_t owner : layout_.owners) ++node_tokens_[owner];
  if (joining != kNone) node_tokens_[joining] = joining_tokens;
  std::vector<uint32_t> active;
  for (uint32_t node = 0; node < nodes; ++node) {
    if (node != leaving && node_tokens_[node] > 0) active.push_back(node);
  }
  // Targets proportional to weight, none above 1 (a node cannot own more than the ring):
  // cap the largest and share what is left among the others until nothing exceeds 1.
  node_targets_.assign(nodes, 0.0);
  double to_share = std::min<double>(n_, active.size());
  std::vector<uint32_t> open = active;
  while (!open.empty()) {
    double weight_sum = 0.0;
    for (uint32_t node : open) weight_sum += layout_.weights[node];
    bool capped = false;
    for (auto it = open.begin(); it != open.end();) {
      if (to_share * layout_.weights[*it] / weight_sum > 1.0) {
        node_targets_[*it] = 1.0;
        to_share -= 1.0;
        it = open.erase(it);
        capped = true;
      } else {
        ++it;
      }
    }
    if (capped) continue;
    for (uint32_t node : open) node_targets_[node] = to_share * layout_.weights[node] / weight_sum;
    break;
  }
  new_token_target_ =
      joining == kNone ? 0.0 : node_targets_[joining] / std::max(1, joining_tokens);
}

void TokenAllocator::Recompute() {
  const size_t count = layout_.tokens.size();
  lengths_.resize(count);
  replicas_.assign(count * n_, 0);
  replica_at_.assign(count * n_, 0);
  replica_counts_.assign(count, 0);
  windows_.assign(count, 0);
  loads_.assign(layout_.weights.size(), 0.0);
  token_loads_.assign(count, 0.0);
  max_window_ = 0;
  uint32_t skipped[kMaxReplicas], skipped_at[kMaxReplicas];
  const auto owner = [this](size_t i) { return layout_.owners[i]; };
  const auto zone = [this](uint32_t node) { return layout_.zones[node]; };
  for (size_t i = 0; i < count; ++i) {
    lengths_[i] = RangeFraction(layout_.tokens, i);
    ReplicaWalkState state;
    state.chosen = &replicas_[i * n_];
    state.chosen_at = &replica_at_[i * n_];
    state.skipped = skipped;
    state.skipped_at = skipped_at;
    SmallNodeSet met(state.chosen, &state.chosen_count, state.skipped, &state.skipped_count);
    WalkReplicas(count, i, n_, layout_.zone_count, owner, zone, met, &state);
    replica_counts_[i] = static_cast<uint8_t>(state.chosen_count);
    windows_[i] = state.chosen_count < n_ ? static_cast<uint32_t>(count + 1)
                                          : static_cast<uint32_t>(state.scanned);
    max_window_ = std::max(max_window_, windows_[i]);
    for (int r = 0; r < state.chosen_count; ++r) {
      loads_[state.chosen[r]] += lengths_[i];
      token_loads_[state.chosen_at[r]] += lengths_[i];
    }
  }
}

double TokenAllocator::Value(Entity e) const {
  if (e == kNewToken) return 0.0;
  if (e & kTokenBit) return token_loads_[e & ~kTokenBit];
  return loads_[e];
}

double TokenAllocator::Target(Entity e) const {
  if (e == kNewToken) return new_token_target_;
  if (e & kTokenBit) {
    const uint32_t owner = layout_.owners[e & ~kTokenBit];
    return node_targets_[owner] / std::max(1, node_tokens_[owner]);
  }
  return node_targets_[e];
}

double TokenAllocator::Objective() const {
  double sum = 0.0;
  for (uint32_t node = 0; node < loads_.size(); ++node) {
    const double target = node_targets_[node];
    if (target <= 0.0) continue;
    sum += (loads_[node] - target) * (loads_[node] - target) / target;
  }
  if (token_term_) {
    for (size_t k = 0; k < token_loads_.size(); ++k) {
      const double target = Target(kTokenBit | k);
      if (target <= 0.0) continue;
      sum += kTokenTermWeight * (token_loads_[k] - target) * (token_loads_[k] - target) / target;
    }
  }
  return sum;
}

void TokenAllocator::AddDelta(Entity entity, double fixed, double per_f) {
  if ((entity & (kTokenBit | kNewToken)) && !token_term_) return;
  for (Delta& d : deltas_) {
    if (d.entity == entity) {
      d.fixed += fixed;
      d.per_f += per_f;
      return;
    }
  }
  deltas_.push_back(Delta{entity, fixed, per_f});
}

void TokenAllocator::DiffRange(size_t range_index, const uint32_t* new_set,
                               const Entity* new_at, int new_count, double length,
                               bool per_f) {
  const uint32_t* old_set = &replicas_[range_index * n_];
  const uint32_t* old_at = &replica_at_[range_index * n_];
  const int old_count = replica_counts_[range_index];
  const double fixed = per_f ? 0.0 : length;
  const double variable = per_f ? length : 0.0;
  for (int b = 0; b < old_count; ++b) {
    const int a = static_cast<int>(std::find(new_set, new_set + new_count, old_set[b]) - new_set);
    const Entity old_token = kTokenBit | old_at[b];
    if (a == new_count) {
      AddDelta(old_set[b], -fixed, -variable);
      AddDelta(old_token, -fixed, -variable);
    } else if (new_at[a] != old_token) {
      AddDelta(old_token, -fixed, -variable);
      AddDelta(new_at[a], fixed, variable);
    }
  }
  for (int a = 0; a < new_count; ++a) {
    if (std::find(old_set, old_set + old_count, new_set[a]) == old_set + old_count) {
      AddDelta(new_set[a], fixed, variable);
      AddDelta(new_at[a], fixed, variable);
    }
  }
}

// Every entity e changes by c + f g; the objective term (v + c + f g - t)^2 / t is a
// quadratic in f, so the best split point is f = -B / A with A = sum g^2 / t and
// B = sum g (v - t + c) / t (times the term weights).
double TokenAllocator::ObjectiveChange(double* best_f) const {
  double base = 0.0, a = 0.0, b = 0.0;
  for (const Delta& d : deltas_) {
    const double target = Target(d.entity);
    if (target <= 0.0) continue;
    const double scale = (d.entity & (kTokenBit | kNewToken)) ? kTokenTermWeight / target
                                                              : 1.0 / target;
    const double deviation = Value(d.entity) - target;
    const double shifted = deviation + d.fixed;
    base += scale * (shifted * shifted - deviation * deviation);
    a += scale * d.per_f * d.per_f;
    b += scale * d.per_f * shifted;
  }
  double f = 0.5;
  if (a > 0.0) f = std::clamp(-b / a, 0.0, 1.0);
  if (best_f != nullptr) *best_f = f;
  return base + 2.0 * f * b + f * f * a;
}

TokenAllocator::Candidate TokenAllocator::EvaluateInsertion(uint32_t node, size_t j) {
  Candidate result;
  const size_t count = layout_.tokens.size();
  const Token prev = layout_.tokens[j == 0 ? count - 1 : j - 1];
  if (count > 1 && layout_.tokens[j] - prev < 2) return result;
  const double width = count == 1 ? 0x1p64 : static_cast<double>(layout_.tokens[j] - prev);

  // The ring with the new token at index j, old tokens j.. shifted up by one.
  const auto owner = [this, j, node](size_t v) -> uint32_t {
    if (v < j) return layout_.owners[v];
    if (v == j) return node;
    return layout_.owners[v - 1];
  };
  const auto zone = [this](uint32_t n) { return layout_.zones[n]; };
  const auto entity_at = [j](uint32_t v) -> Entity {
    if (v == j) return kNewToken;
    return kTokenBit | (v < j ? v : v - 1);
  };
  deltas_.clear();
  uint32_t chosen[kMaxReplicas], chosen_at[kMaxReplicas];
  uint32_t skipped[kMaxReplicas], skipped_at[kMaxReplicas];
  Entity at[kMaxReplicas];
  const auto walk = [&](size_t start) {
    ReplicaWalkState state;
    state.chosen = chosen;
    state.chosen_at = chosen_at;
    state.skipped = skipped;
    state.skipped_at = skipped_at;
    SmallNodeSet met(chosen, &state.chosen_count, skipped, &state.skipped_count);
    WalkReplicas(count + 1, start, n_, layout_.zone_count, owner, zone, met, &state);
    for (int r = 0; r < state.chosen_count; ++r) at[r] = entity_at(chosen_at[r]);
    return state.chosen_count;
  };
  // Ranges before the insertion point whose walk reaches it (d == count is range j
  // itself when its walk goes all the way round).
  const size_t reach = std::min<size_t>(max_window_ == 0 ? 0 : max_window_ - 1, count);
  for (size_t d = 1; d <= reach; ++d) {
    const size_t i = (j + count - d) % count;
    if (d >= windows_[i]) continue;
    const int got = walk(i < j ? i : i + 1);
    DiffRange(i, chosen, at, got, lengths_[i], /*per_f=*/false);
  }
  // The new range (prev, token]: before, it was part of range j.
  const int got = walk(j);
  DiffRange(j, chosen, at, got, lengths_[j], /*per_f=*/true);

  double f = 0.5;
  result.change = ObjectiveChange(&f);
  // The fraction as a token strictly inside the range, in integers (a double cannot
  // hold width - 1 for wide ranges).
  const Token max_offset = count == 1 ? ~Token{0} : layout_.tokens[j] - prev - 1;
  const double scaled = std::floor(f * width);
  Token offset = scaled >= 0x1p64 ? ~Token{0} : static_cast<Token>(scaled);
  offset = std::clamp<Token>(offset, 1, max_offset);
  result.token = prev + offset;
  result.valid = true;
  return result;
}

TokenAllocator::Candidate TokenAllocator::BestInsertion(uint32_t node) {
  Candidate best;
  for (size_t j = 0; j < layout_.tokens.size(); ++j) {
    const Candidate c = EvaluateInsertion(node, j);
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
  Recompute();
}

void TokenAllocator::EraseToken(size_t index) {
  layout_.tokens.erase(layout_.tokens.begin() + index);
  layout_.owners.erase(layout_.owners.begin() + index);
  Recompute();
}

Token TokenAllocator::SplitLargestRange() const {
  const size_t count = layout_.tokens.size();
  if (count == 1) return layout_.tokens[0] + (Token{1} << 63);
  size_t best = 0;
  Token best_width = 0;
  for (size_t i = 0; i < count; ++i) {
    const Token width = layout_.tokens[i] - layout_.tokens[i == 0 ? count - 1 : i - 1];
    if (width > best_width) {
      best = i;
      best_width = width;
    }
  }
  return layout_.tokens[best == 0 ? count - 1 : best - 1] + best_width / 2;
}

std::vector<Token> TokenAllocator::AddTokensFor(uint32_t node, int count) {
  std::vector<Token> added;
  if (layout_.tokens.empty()) {
    // Evenly spaced; any spacing is as good as any other for a lone node.
    const Token step = static_cast<Token>(0x1p64 / count);
    for (int k = 0; k < count; ++k) added.push_back(step / 2 + step * static_cast<Token>(k));
    layout_.tokens = added;
    layout_.owners.assign(added.size(), node);
    Recompute();
    return added;
  }
  SetTargets(node, count, kNone);
  int nodes_with_tokens = 0;
  for (int tokens : node_tokens_) nodes_with_tokens += tokens > 0 ? 1 : 0;
  if (nodes_with_tokens <= n_) {
    // Every node will own everything whatever we do; keep ranges even for later joins.
    for (int k = 0; k < count; ++k) {
      const Token token = SplitLargestRange();
      if (std::binary_search(layout_.tokens.begin(), layout_.tokens.end(), token)) break;
      InsertToken(token, node);
      added.push_back(token);
    }
    std::sort(added.begin(), added.end());
    return added;
  }
  token_term_ = true;
  for (int k = 0; k < count; ++k) {
    const Candidate c = BestInsertion(node);
    if (!c.valid) break;  // no range wide enough to split: the ring is full
    InsertToken(c.token, node);
  }
  // Refinement: take each new token out and put it back where it now helps most.
  for (int round = 0; round < kRefinementRounds; ++round) {
    bool moved = false;
    std::vector<Token> mine;
    for (size_t i = 0; i < layout_.tokens.size(); ++i) {
      if (layout_.owners[i] == node) mine.push_back(layout_.tokens[i]);
    }
    for (Token token : mine) {
      const double before = Objective();
      EraseToken(std::lower_bound(layout_.tokens.begin(), layout_.tokens.end(), token) -
                 layout_.tokens.begin());
      const double without = Objective();
      const Candidate c = BestInsertion(node);
      if (c.valid && without + c.change < before - kMinImprovement * before) {
        InsertToken(c.token, node);
        moved = moved || c.token != token;
      } else {
        InsertToken(token, node);
      }
    }
    if (!moved) break;
  }
  token_term_ = false;
  for (size_t i = 0; i < layout_.tokens.size(); ++i) {
    if (layout_.owners[i] == node) added.push_back(layout_.tokens[i]);
  }
  return added;
}

double TokenAllocator::EvaluateReassignment(size_t k, uint32_t to) {
  const size_t count = layout_.tokens.size();
  const auto owner = [this, k, to](size_t i) { return i == k ? to : layout_.owners[i]; };
  const auto zone = [this](uint32_t n) { return layout_.zones[n]; };
  deltas_.clear();
  uint32_t chosen[kMaxReplicas], chosen_at[kMaxReplicas];
  uint32_t skipped[kMaxReplicas], skipped_at[kMaxReplicas];
  Entity at[kMaxReplicas];
  const size_t reach = std::min<size_t>(max_window_, count);
  for (size_t d = 0; d < reach; ++d) {
    const size_t i = (k + count - d) % count;
    if (d >= windows_[i]) continue;
    ReplicaWalkState state;
    state.chosen = chosen;
    state.chosen_at = chosen_at;
    state.skipped = skipped;
    state.skipped_at = skipped_at;
    SmallNodeSet met(chosen, &state.chosen_count, skipped, &state.skipped_count);
    WalkReplicas(count, i, n_, layout_.zone_count, owner, zone, met, &state);
    for (int r = 0; r < state.chosen_count; ++r) at[r] = kTokenBit | chosen_at[r];
    DiffRange(i, chosen, at, state.chosen_count, lengths_[i], /*per_f=*/false);
  }
  return ObjectiveChange(nullptr);
}

void TokenAllocator::ReassignTokensOf(uint32_t node) {
  SetTargets(kNone, 0, node);
  token_term_ = false;
  std::vector<uint32_t> others;
  for (uint32_t other = 0; other < node_targets_.size(); ++other) {
    if (node_targets_[other] > 0.0) others.push_back(other);
  }
  std::vector<Token> handed;
  // Greedy: each step hands out the (token, new owner) pair that helps most.
  for (;;) {
    bool found = false;
    size_t best_k = 0;
    uint32_t best_to = 0;
    double best_change = 0.0;
    for (size_t k = 0; k < layout_.tokens.size(); ++k) {
      if (layout_.owners[k] != node) continue;
      for (uint32_t to : others) {
        const double change = EvaluateReassignment(k, to);
        if (!found || change < best_change) {
          found = true;
          best_k = k;
          best_to = to;
          best_change = change;
        }
      }
    }
    if (!found) break;
    handed.push_back(layout_.tokens[best_k]);
    layout_.owners[best_k] = best_to;
    Recompute();
  }
  // Refinement: a token handed early may have a better home now.
  for (int round = 0; round < kRefinementRounds; ++round) {
    bool moved = false;
    for (Token token : handed) {
      const size_t k = std::lower_bound(layout_.tokens.begin(), layout_.tokens.end(), token) -
                       layout_.tokens.begin();
      const uint32_t current = layout_.owners[k];
      uint32_t best_to = current;
      double best_change = -kMinImprovement * Objective();
      for (uint32_t to : others) {
        if (to == current) continue;
        const double change = EvaluateReassignment(k, to);
        if (change < best_change) {
          best_change = change;
          best_to = to;
        }
      }
      if (best_to != current) {
        layout_.owners[k] = best_to;
        Recompute();
        moved = true;
      }
    }
    if (!moved) break;
  }
  DropRedundantTokens();
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
  if (dropped) Recompute();
}

}  // namespace kvlsm
