// kvlsm/cluster/vector_clock.h: a vector clock, as in Dynamo.
//
// A VectorClock maps actors (NodeIds) to counters: the number of events each actor has
// recorded in the history it summarizes. Clock a happened before clock b when every
// counter of a is <= b's and the clocks differ; two clocks where neither holds are
// concurrent. Merge takes the pointwise maximum, the least clock after both.
//
// Each entry also keeps the time its actor last incremented it, for pruning: Dynamo drops
// the least recently updated entry once a clock exceeds about 10 entries. Pruning costs
// accuracy, never liveness: after an entry is dropped a clock can look concurrent with
// a clock it descends from (a false conflict: an extra sibling for the client to merge),
// and, when the dropped entry was the only evidence that a version was concurrent with
// another, that version can look older and be discarded. Keep max_entries above the
// number of actors that write a key (for kvlsm's DvvSet, the coordinating nodes, not the
// clients) and use min_age_micros so that only long-idle actors are pruned.
//
// Timestamps never affect Compare; they take part in Merge (maximum) and ==.
//
// Thread safety: a VectorClock is a value; const methods may run concurrently, mutation
// needs exclusive access.
#ifndef KVLSM_CLUSTER_VECTOR_CLOCK_H_
#define KVLSM_CLUSTER_VECTOR_CLOCK_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/causal_order.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/export.h"

namespace kvlsm::cluster {

struct ClockPruneOptions {
  // Clocks with at most this many entries are left alone; larger ones lose their least
  // recently updated entries down to this size. Default 10 (Dynamo's threshold).
  size_t max_entries = 10;
  // Entries updated less than this long before `now` are never removed, even if the
  // clock stays above max_entries (Riak's young_vclock). Default 0: age does not protect.
  uint64_t min_age_micros = 0;
};

class KVLSM_EXPORT VectorClock {
 public:
  struct Entry {
    NodeId actor = 0;
    uint64_t counter = 0;           // >= 1 for every stored entry
    uint64_t timestamp_micros = 0;  // when the actor last incremented it

    friend bool operator==(const Entry& a, const Entry& b) = default;
  };

  // The empty clock: before every other clock.
  VectorClock() = default;

  // Records one event by `actor`: its counter grows by 1 and its timestamp becomes
  // max(its timestamp, now_micros).
  void Increment(NodeId actor, uint64_t now_micros);

  // Makes this clock the pointwise maximum (counters and timestamps) of itself and other.
  void Merge(const VectorClock& other);

  // How this clock relates to `other` (counters only).
  CausalOrder Compare(const VectorClock& other) const;

  // True when this clock has seen everything `other` has: Compare is kEqual or kAfter.
  bool Descends(const VectorClock& other) const;

  // The counter of `actor`; 0 when it has none.
  uint64_t CounterOf(NodeId actor) const;

  // Removes entries as ClockPruneOptions describes and returns how many (see the cost in
  // the header comment).
  size_t Prune(const ClockPruneOptions& options, uint64_t now_micros);

  // Entries ordered by actor.
  std::span<const Entry> entries() const { return {entries_.data(), entries_.size()}; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Appends the encoding (docs/cluster.md, "Vector clock") to *dst. ResourceExhausted,
  // leaving *dst unchanged, when the clock has more entries than a decoder accepts
  // (1024): prune it first. REQUIRES: dst != nullptr.
  absl::Status EncodeTo(std::string* dst) const;
  // Parses exactly one encoded clock. InvalidArgument naming the problem for truncated or
  // malformed input, an unknown version, unsorted or duplicate actors, a zero counter,
  // more than 1024 entries or trailing bytes.
  static absl::StatusOr<VectorClock> Decode(std::string_view input);

  // "{actor:counter, ...}" for logs and tests.
  std::string ToString() const;

  friend bool operator==(const VectorClock& a, const VectorClock& b) {
    return a.entries_ == b.entries_;
  }

 private:
  // Sorted by actor, counters >= 1. Inline room for a preference list and a few
  // fallbacks keeps copies and merges off the heap.
  absl::InlinedVector<Entry, 6> entries_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_VECTOR_CLOCK_H_
