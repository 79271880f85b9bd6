// Internal: how replicas are chosen by walking the ring. Ring's lookups and the token
// allocator both call WalkReplicas, so placement and balancing can never disagree.
//
// The rule (documented for users in kvlsm/cluster/ring.h and docs/cluster.md):
//   - With at most one zone, the replicas of a token are the owners of the first n
//     distinct nodes met walking clockwise from the first ring token >= it.
//   - With several zones, as Cassandra's NetworkTopologyStrategy does with racks: a node
//     from a zone not yet represented is chosen at once; a node from a represented zone
//     is set aside (in the order met); as soon as every zone is represented, the nodes
//     set aside are chosen in that order, and after them any further distinct node met.
//
// Thread safety: pure functions over the caller's data.
#ifndef KVLSM_CLUSTER_REPLICA_WALK_H_
#define KVLSM_CLUSTER_REPLICA_WALK_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kvlsm::cluster {

// A set of dense node indices for a walk choosing few nodes: a linear scan of what was
// chosen or set aside, which beats any hashing for the n <= 32 the allocator and typical
// lookups use.
class SmallNodeSet {
 public:
  SmallNodeSet(const uint32_t* chosen, const int* chosen_count, const uint32_t* skipped,
               const int* skipped_count)
      : chosen_(chosen),
        chosen_count_(chosen_count),
        skipped_(skipped),
        skipped_count_(skipped_count) {}
  bool Contains(uint32_t node) const {
    for (int i = 0; i < *chosen_count_; ++i) {
      if (chosen_[i] == node) return true;
    }
    for (int i = 0; i < *skipped_count_; ++i) {
      if (skipped_[i] == node) return true;
    }
    return false;
  }
  void Insert(uint32_t) {}

 private:
  const uint32_t* chosen_;
  const int* chosen_count_;
  const uint32_t* skipped_;
  const int* skipped_count_;
};

// A set of dense node indices backed by one byte per node, for walks that choose many.
class BitmapNodeSet {
 public:
  explicit BitmapNodeSet(size_t node_count) : bits_(node_count, 0) {}
  bool Contains(uint32_t node) const { return bits_[node] != 0; }
  void Insert(uint32_t node) { bits_[node] = 1; }

 private:
  std::vector<uint8_t> bits_;
};

// The state of one walk. `chosen` and `skipped` each have room for n entries. When
// chosen_at and skipped_at are set (same room), they receive the token index at which each
// chosen or set-aside node was met: the token that makes the node a replica.
struct ReplicaWalkState {
  uint32_t* chosen = nullptr;
  int chosen_count = 0;
  uint32_t* skipped = nullptr;
  int skipped_count = 0;
  uint32_t* chosen_at = nullptr;
  uint32_t* skipped_at = nullptr;
  // Room in skipped (and skipped_at); 0 means n. Nodes set aside beyond n are never
  // chosen as replicas but are the first fallbacks, so lookups with fallbacks keep more.
  int skipped_capacity = 0;
  // Tokens examined so far, counted from the start index.
  size_t scanned = 0;
};

// Walks the `count` ring tokens clockwise from index `start` and chooses up to n replicas
// into state->chosen by the rule above. owner(i) is the dense node index owning token i;
// zone(node) its zone index in [0, zone_count). `met` must report a node as contained
// once it is chosen or set aside (SmallNodeSet does so by reading the state).
//
// On return state->scanned is the walk's window: an ownership change at a token index
// outside [start, start + scanned) cannot change the replicas chosen. The walk stops after
// one revolution, so fewer than n replicas are chosen only when the ring has fewer nodes.
template <typename OwnerFn, typename ZoneFn, typename NodeSet>
void WalkReplicas(size_t count, size_t start, int n, uint32_t zone_count, const OwnerFn& owner,
                  const ZoneFn& zone, NodeSet& met, ReplicaWalkState* state) {
  size_t index = start;
  size_t scanned = 0;
  if (zone_count <= 1) {
    while (state->chosen_count < n && scanned < count) {
      const size_t at = index;
      const uint32_t node = owner(index);
      if (++index == count) index = 0;
      ++scanned;
      if (met.Contains(node)) continue;
      met.Insert(node);
      if (state->chosen_at != nullptr) state->chosen_at[state->chosen_count] = at;
      state->chosen[state->chosen_count++] = node;
    }
    state->scanned = scanned;
    return;
  }
  // Zones represented so far. Once min(zone_count, n) are, every zone that can be is.
  const int zones_wanted = static_cast<int>(std::min<uint64_t>(zone_count, n));
  uint32_t zones_inline[64];
  std::vector<uint32_t> zones_heap;
  uint32_t* zones_seen = zones_inline;
  if (zones_wanted > 64) {
    zones_heap.resize(zones_wanted);
    zones_seen = zones_heap.data();
  }
  int zones_seen_count = 0;
  bool all_zones = false;
  const auto choose = [state](uint32_t node, size_t at) {
    if (state->chosen_at != nullptr) state->chosen_at[state->chosen_count] = at;
    state->chosen[state->chosen_count++] = node;
  };
  // Moves the first nodes set aside into the chosen ones, as far as room allows.
  const auto take_skipped = [state, n]() {
    int used = 0;
    while (state->chosen_count < n && used < state->skipped_count) {
      if (state->chosen_at != nullptr) {
        state->chosen_at[state->chosen_count] = state->skipped_at[used];
      }
      state->chosen[state->chosen_count++] = state->skipped[used++];
    }
    // Keep the unused ones (fallback candidates) at the front of the buffer.
    std::copy(state->skipped + used, state->skipped + state->skipped_count, state->skipped);
    if (state->skipped_at != nullptr) {
      std::copy(state->skipped_at + used, state->skipped_at + state->skipped_count,
                state->skipped_at);
    }
    state->skipped_count -= used;
  };
  while (state->chosen_count < n && scanned < count) {
    const size_t at = index;
    const uint32_t node = owner(index);
    if (++index == count) index = 0;
    ++scanned;
    if (met.Contains(node)) continue;
    if (all_zones) {
      met.Insert(node);
      choose(node, at);
      continue;
    }
    const uint32_t z = zone(node);
    bool seen = false;
    for (int i = 0; i < zones_seen_count; ++i) {
      if (zones_seen[i] == z) {
        seen = true;
        break;
      }
    }
    if (seen) {
      // Set aside; a full buffer holds every node that can still be needed.
      if (state->skipped_count < (state->skipped_capacity > 0 ? state->skipped_capacity : n)) {
        met.Insert(node);
        if (state->skipped_at != nullptr) state->skipped_at[state->skipped_count] = at;
        state->skipped[state->skipped_count++] = node;
      }
      continue;
    }
    met.Insert(node);
    choose(node, at);
    zones_seen[zones_seen_count++] = z;
    if (zones_seen_count == zones_wanted) {
      all_zones = true;
      take_skipped();
    }
  }
  if (!all_zones && state->chosen_count < n) {
    // Fewer zones on the ring than expected cannot happen (zone_count counts the zones of
    // the ring's nodes), but a revolution that met every node ends here: take the nodes
    // set aside in order.
    take_skipped();
  }
  state->scanned = scanned;
}

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_REPLICA_WALK_H_
