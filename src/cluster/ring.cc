#include "kvlsm/cluster/ring.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "cluster/format.h"
#include "cluster/replica_walk.h"
#include "cluster/ring_layout.h"
#include "cluster/token_allocator.h"

namespace kvlsm::cluster {
namespace {

// Per-token replica sets of a ring, as node ids.
struct ReplicaTable {
  int n = 0;
  std::vector<NodeId> ids;  // n per token
  std::vector<int> counts;
  const NodeId* Set(size_t i) const { return &ids[i * n]; }
};

bool ValidWeight(double weight) {
  return std::isfinite(weight) && weight >= ring_format::kMinWeight &&
         weight <= ring_format::kMaxWeight;
}

int TokensFor(const RingOptions& options, double weight) {
  return std::max(1, static_cast<int>(std::lround(weight * options.tokens_per_node)));
}

}  // namespace

// Access to a ring's internals for the format code and the replica table.
class RingInternal {
 public:
  static RingLayout Layout(const Ring& ring) {
    RingLayout layout;
    layout.replication_factor = ring.options_.replication_factor;
    layout.tokens_per_node = ring.options_.tokens_per_node;
    layout.tokens = ring.tokens_;
    layout.owners = ring.owners_;
    for (const RingNode& node : ring.nodes_) layout.weights.push_back(node.weight);
    layout.zones = ring.node_zones_;
    layout.zone_count = std::max<uint32_t>(ring.zone_count_, 1);
    return layout;
  }

  static ReplicaTable Replicas(const Ring& ring, int n) {
    ReplicaTable table;
    table.n = n;
    const size_t count = ring.tokens_.size();
    table.ids.assign(count * n, 0);
    table.counts.assign(count, 0);
    std::vector<uint32_t> chosen(n), skipped(n);
    const auto owner = [&ring](size_t i) { return ring.owners_[i]; };
    const auto zone = [&ring](uint32_t node) { return ring.node_zones_[node]; };
    for (size_t i = 0; i < count; ++i) {
      ReplicaWalkState state;
      state.chosen = chosen.data();
      state.skipped = skipped.data();
      SmallNodeSet met(state.chosen, &state.chosen_count, state.skipped, &state.skipped_count);
      WalkReplicas(count, i, n, ring.zone_count_, owner, zone, met, &state);
      table.counts[i] = state.chosen_count;
      for (int r = 0; r < state.chosen_count; ++r) {
        table.ids[i * n + r] = ring.nodes_[chosen[r]].id;
      }
    }
    return table;
  }
};

absl::Status RingOptions::Validate() const {
  if (replication_factor < 1 || replication_factor > ring_format::kMaxReplicationFactor) {
    return absl::InvalidArgumentError(absl::StrCat("RingOptions.replication_factor ",
                                                   replication_factor, " is outside [1, ",
                                                   ring_format::kMaxReplicationFactor, "]"));
  }
  if (tokens_per_node < 1 || tokens_per_node > ring_format::kMaxTokensPerNodeOption) {
    return absl::InvalidArgumentError(absl::StrCat("RingOptions.tokens_per_node ", tokens_per_node,
                                                   " is outside [1, ",
                                                   ring_format::kMaxTokensPerNodeOption, "]"));
  }
  return absl::OkStatus();
}

Ring::Ring(const RingOptions& options) : options_(options) {}

absl::StatusOr<Ring> Ring::Create(const RingOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return Ring(options);
}

int64_t Ring::IndexOf(NodeId id) const {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), id,
                             [](const RingNode& node, NodeId v) { return node.id < v; });
  if (it == nodes_.end() || it->id != id) return -1;
  return it - nodes_.begin();
}

bool Ring::Contains(NodeId id) const { return IndexOf(id) >= 0; }

void Ring::RebuildIndexes() {
  std::map<std::string_view, uint32_t> zones;
  for (const RingNode& node : nodes_) zones.emplace(node.zone, 0);
  uint32_t next = 0;
  for (auto& [name, index] : zones) index = next++;
  zone_count_ = next;
  node_zones_.resize(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) node_zones_[i] = zones[nodes_[i].zone];
}

void Ring::InsertTokens(uint32_t node, std::span<const Token> tokens) {
  std::vector<std::pair<Token, uint32_t>> merged;
  merged.reserve(tokens_.size() + tokens.size());
  for (size_t i = 0; i < tokens_.size(); ++i) merged.emplace_back(tokens_[i], owners_[i]);
  for (Token t : tokens) merged.emplace_back(t, node);
  std::sort(merged.begin(), merged.end());
  tokens_.resize(merged.size());
  owners_.resize(merged.size());
  for (size_t i = 0; i < merged.size(); ++i) {
    tokens_[i] = merged[i].first;
    owners_[i] = merged[i].second;
  }
}

absl::Status Ring::CheckNewNode(const RingNode& node, size_t token_count) const {
  if (!ValidWeight(node.weight)) {
    return absl::InvalidArgumentError(
        absl::StrCat("node ", node.id, ": weight ", node.weight, " is outside [1/64, 64]"));
  }
  if (node.zone.size() > ring_format::kMaxZoneBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("node ", node.id, ": zone name longer than ", ring_format::kMaxZoneBytes));
  }
  if (Contains(node.id)) {
    return absl::AlreadyExistsError(absl::StrCat("node ", node.id, " is already on the ring"));
  }
  if (nodes_.size() >= ring_format::kMaxNodes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the ring already has ", nodes_.size(), " nodes, the most it may hold"));
  }
  if (tokens_.size() + token_count > ring_format::kMaxTokens) {
    return absl::ResourceExhaustedError(absl::StrCat("node ", node.id, ": the ring would exceed ",
                                                     ring_format::kMaxTokens, " tokens"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RangeTransfer>> Ring::AddNode(const RingNode& node) {
  if (absl::Status s = CheckNewNode(node, TokensFor(options_, node.weight)); !s.ok()) return s;
  // Lay the ring out with the new node in place, then let the allocator give it tokens
  // (new ones, or ones it takes over from the most loaded nodes).
  Ring after = *this;
  const uint32_t index = after.InsertNode(node);
  TokenAllocator allocator(RingInternal::Layout(after));
  allocator.AddTokensFor(index, TokensFor(options_, node.weight));
  after.tokens_ = allocator.layout().tokens;
  after.owners_ = allocator.layout().owners;
  if (std::find(after.owners_.begin(), after.owners_.end(), index) == after.owners_.end()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "node ", node.id, ": no ring range is wide enough to split and no token can be taken"));
  }
  std::vector<RangeTransfer> transfers = Transfers(*this, after);
  *this = std::move(after);
  return transfers;
}

uint32_t Ring::InsertNode(const RingNode& node) {
  const auto pos = std::lower_bound(nodes_.begin(), nodes_.end(), node.id,
                                    [](const RingNode& n, NodeId v) { return n.id < v; });
  const uint32_t index = static_cast<uint32_t>(pos - nodes_.begin());
  nodes_.insert(pos, node);
  for (uint32_t& owner : owners_) {
    if (owner >= index) ++owner;
  }
  RebuildIndexes();
  return index;
}

absl::StatusOr<std::vector<RangeTransfer>> Ring::AddNodeWithTokens(const RingNode& node,
                                                                   std::span<const Token> tokens) {
  if (absl::Status s = CheckNewNode(node, tokens.size()); !s.ok()) return s;
  if (tokens.empty() || tokens.size() > ring_format::kMaxTokensPerNode) {
    return absl::InvalidArgumentError(absl::StrCat("node ", node.id, ": ", tokens.size(),
                                                   " tokens; want 1 to ",
                                                   ring_format::kMaxTokensPerNode));
  }
  std::vector<Token> sorted(tokens.begin(), tokens.end());
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if ((i > 0 && sorted[i] == sorted[i - 1]) ||
        std::binary_search(tokens_.begin(), tokens_.end(), sorted[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("node ", node.id, ": token ", sorted[i], " is already taken"));
    }
  }
  const Ring before = *this;
  const uint32_t index = InsertNode(node);
  InsertTokens(index, sorted);
  return Transfers(before, *this);
}

absl::StatusOr<std::vector<RangeTransfer>> Ring::RemoveNode(NodeId id) {
  const int64_t found = IndexOf(id);
  if (found < 0) return absl::NotFoundError(absl::StrCat("node ", id, " is not on the ring"));
  const uint32_t index = static_cast<uint32_t>(found);
  const Ring before = *this;
  if (nodes_.size() == 1) {
    *this = Ring(options_);
    return std::vector<RangeTransfer>();
  }
  TokenAllocator allocator(RingInternal::Layout(*this));
  allocator.ReassignTokensOf(index);
  tokens_ = allocator.layout().tokens;
  owners_ = allocator.layout().owners;
  nodes_.erase(nodes_.begin() + index);
  for (uint32_t& owner : owners_) {
    if (owner > index) --owner;
  }
  RebuildIndexes();
  return Transfers(before, *this);
}

std::vector<RangeTransfer> Ring::Transfers(const Ring& before, const Ring& after) {
  std::vector<RangeTransfer> result;
  if (before.tokens_.empty() || after.tokens_.empty()) return result;
  const int n = after.options_.replication_factor;
  const ReplicaTable old_sets = RingInternal::Replicas(before, n);
  const ReplicaTable new_sets = RingInternal::Replicas(after, n);

  std::vector<Token> bounds;
  bounds.reserve(before.tokens_.size() + after.tokens_.size());
  std::merge(before.tokens_.begin(), before.tokens_.end(), after.tokens_.begin(),
             after.tokens_.end(), std::back_inserter(bounds));
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());

  struct Open {
    NodeId from, to;
    Token start, end;
    bool continued;
  };
  std::vector<Open> open;
  std::vector<std::pair<NodeId, NodeId>> pairs;
  std::vector<NodeId> removed, added, kept;
  const auto emit = [&result](const Open& o) {
    result.push_back(RangeTransfer{TokenRange{o.start, o.end}, o.from, o.to});
  };
  // The range (bounds[k-1], bounds[k]] lies inside the range of the first ring token >= its
  // end, in each ring (wrapping to token 0).
  size_t old_index = 0, new_index = 0;
  for (size_t k = 0; k < bounds.size(); ++k) {
    const Token end = bounds[k];
    const Token start = bounds[k == 0 ? bounds.size() - 1 : k - 1];
    while (old_index < before.tokens_.size() && before.tokens_[old_index] < end) ++old_index;
    while (new_index < after.tokens_.size() && after.tokens_[new_index] < end) ++new_index;
    const size_t oi = old_index == before.tokens_.size() ? 0 : old_index;
    const size_t ni = new_index == after.tokens_.size() ? 0 : new_index;
    const NodeId* old_set = old_sets.Set(oi);
    const NodeId* new_set = new_sets.Set(ni);
    const int old_count = old_sets.counts[oi], new_count = new_sets.counts[ni];
    removed.clear();
    added.clear();
    kept.clear();
    for (int a = 0; a < old_count; ++a) {
      if (std::find(new_set, new_set + new_count, old_set[a]) == new_set + new_count) {
        removed.push_back(old_set[a]);
      } else {
        kept.push_back(old_set[a]);
      }
    }
    for (int b = 0; b < new_count; ++b) {
      if (std::find(old_set, old_set + old_count, new_set[b]) == old_set + old_count) {
        added.push_back(new_set[b]);
      }
    }
    pairs.clear();
    for (size_t i = 0; i < added.size(); ++i) {
      if (i < removed.size()) {
        pairs.emplace_back(removed[i], added[i]);
      } else if (!kept.empty()) {
        pairs.emplace_back(kept.front(), added[i]);
      }
    }
    for (Open& o : open) o.continued = false;
    for (const auto& [from, to] : pairs) {
      bool extended = false;
      for (Open& o : open) {
        if (o.from == from && o.to == to && o.end == start) {
          o.end = end;
          o.continued = true;
          extended = true;
          break;
        }
      }
      if (!extended) open.push_back(Open{from, to, start, end, true});
    }
    for (auto it = open.begin(); it != open.end();) {
      if (!it->continued) {
        emit(*it);
        it = open.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const Open& o : open) emit(o);
  std::sort(result.begin(), result.end(), [](const RangeTransfer& a, const RangeTransfer& b) {
    if (a.range.end != b.range.end) return a.range.end < b.range.end;
    if (a.from != b.from) return a.from < b.from;
    return a.to < b.to;
  });
  return result;
}

std::vector<NodeId> Ring::PreferenceList(std::string_view key, size_t n, size_t fallbacks) const {
  std::vector<NodeId> out;
  PreferenceListForToken(KeyToken(key), n, fallbacks, &out);
  return out;
}

namespace {

// Chooses replicas then fallbacks; `met` must see everything in chosen/skipped.
template <typename NodeSet, typename OwnerFn, typename ZoneFn>
int WalkWithFallbacks(size_t count, size_t start, int n, int total, uint32_t zone_count,
                      const OwnerFn& owner, const ZoneFn& zone, NodeSet& met,
                      ReplicaWalkState* state) {
  WalkReplicas(count, start, n, zone_count, owner, zone, met, state);
  // Fallbacks: nodes set aside for zone diversity first, then one more revolution.
  for (int i = 0; i < state->skipped_count && state->chosen_count < total; ++i) {
    state->chosen[state->chosen_count++] = state->skipped[i];
  }
  state->skipped_count = 0;
  size_t index = (start + state->scanned) % count;
  for (size_t step = 0; step < count && state->chosen_count < total; ++step) {
    const uint32_t node = owner(index);
    if (++index == count) index = 0;
    if (met.Contains(node)) continue;
    met.Insert(node);
    state->chosen[state->chosen_count++] = node;
  }
  return state->chosen_count;
}

}  // namespace

void Ring::PreferenceListForToken(Token token, size_t n, size_t fallbacks,
                                  std::vector<NodeId>* out) const {
  out->clear();
  const size_t count = tokens_.size();
  if (count == 0) return;
  const size_t node_count = nodes_.size();
  const int replicas = static_cast<int>(std::min(n, node_count));
  const int total = static_cast<int>(std::min(n + fallbacks, node_count));
  size_t start = std::lower_bound(tokens_.begin(), tokens_.end(), token) - tokens_.begin();
  if (start == count) start = 0;
  const auto owner = [this](size_t i) { return owners_[i]; };
  const auto zone = [this](uint32_t node) { return node_zones_[node]; };
  constexpr int kInline = 64;
  ReplicaWalkState state;
  if (total <= kInline) {
    uint32_t chosen[kInline], skipped[kInline];
    state.chosen = chosen;
    state.skipped = skipped;
    state.skipped_capacity = total;
    SmallNodeSet met(chosen, &state.chosen_count, skipped, &state.skipped_count);
    const int got =
        WalkWithFallbacks(count, start, replicas, total, zone_count_, owner, zone, met, &state);
    for (int i = 0; i < got; ++i) out->push_back(nodes_[chosen[i]].id);
    return;
  }
  std::vector<uint32_t> chosen(total), skipped(total);
  state.chosen = chosen.data();
  state.skipped = skipped.data();
  state.skipped_capacity = total;
  BitmapNodeSet met(node_count);
  const int got =
      WalkWithFallbacks(count, start, replicas, total, zone_count_, owner, zone, met, &state);
  for (int i = 0; i < got; ++i) out->push_back(nodes_[chosen[i]].id);
}

std::vector<RingNode> Ring::Nodes() const { return nodes_; }

std::vector<Token> Ring::TokensOf(NodeId id) const {
  std::vector<Token> result;
  const int64_t index = IndexOf(id);
  if (index < 0) return result;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (owners_[i] == static_cast<uint32_t>(index)) result.push_back(tokens_[i]);
  }
  return result;
}

std::vector<std::pair<Token, NodeId>> Ring::TokenOwners() const {
  std::vector<std::pair<Token, NodeId>> result;
  result.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) {
    result.emplace_back(tokens_[i], nodes_[owners_[i]].id);
  }
  return result;
}

std::vector<double> Ring::FairOwnership() const {
  std::vector<double> share(nodes_.size(), 0.0);
  std::map<std::string, double> zone_weight;
  for (const RingNode& node : nodes_) zone_weight[node.zone] += node.weight;
  const int rf = options_.replication_factor;
  if (rf >= 2 && zone_weight.size() == static_cast<size_t>(rf)) {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      share[i] = nodes_[i].weight / zone_weight[nodes_[i].zone];
    }
    return share;
  }
  // Water-filling: a node whose proportional share passes the whole ring is capped at 1
  // and the rest is shared again among the others.
  std::vector<size_t> open(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) open[i] = i;
  double to_share = std::min<double>(rf, nodes_.size());
  while (!open.empty()) {
    double weights = 0;
    for (size_t i : open) weights += nodes_[i].weight;
    std::vector<size_t> rest;
    for (size_t i : open) {
      if (to_share * nodes_[i].weight / weights > 1.0) {
        share[i] = 1.0;
        to_share -= 1.0;
      } else {
        rest.push_back(i);
      }
    }
    if (rest.size() == open.size()) {
      for (size_t i : open) share[i] = to_share * nodes_[i].weight / weights;
      break;
    }
    open = std::move(rest);
  }
  return share;
}

std::vector<std::pair<NodeId, double>> Ring::ReplicatedOwnership() const {
  std::vector<std::pair<NodeId, double>> result;
  for (const RingNode& node : nodes_) result.emplace_back(node.id, 0.0);
  const ReplicaTable table = RingInternal::Replicas(*this, options_.replication_factor);
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const double length = RangeFraction(tokens_, i);
    for (int r = 0; r < table.counts[i]; ++r) {
      result[IndexOf(table.Set(i)[r])].second += length;
    }
  }
  return result;
}

std::vector<TokenRange> Ring::ReplicatedRanges(NodeId id) const {
  std::vector<TokenRange> result;
  if (!Contains(id)) return result;
  const ReplicaTable table = RingInternal::Replicas(*this, options_.replication_factor);
  const size_t count = tokens_.size();
  for (size_t i = 0; i < count; ++i) {
    const NodeId* set = table.Set(i);
    if (std::find(set, set + table.counts[i], id) == set + table.counts[i]) continue;
    const Token start = tokens_[i == 0 ? count - 1 : i - 1];
    if (!result.empty() && result.back().end == start) {
      result.back().end = tokens_[i];
    } else {
      result.push_back(TokenRange{start, tokens_[i]});
    }
  }
  if (result.size() > 1 && result.back().end == result.front().start) {
    result.front().start = result.back().start;
    result.pop_back();
  }
  return result;
}

bool Ring::SameAs(const Ring& other) const {
  return options_.replication_factor == other.options_.replication_factor &&
         options_.tokens_per_node == other.options_.tokens_per_node && nodes_ == other.nodes_ &&
         tokens_ == other.tokens_ && owners_ == other.owners_;
}

}  // namespace kvlsm::cluster
