// kvlsm/cluster/dotted_version_vector.h: a causal history as a set of dots.
//
// A dot (actor, counter) names one write: the counter-th write coordinated by that actor
// (for kvlsm's DvvSet, a node). A DottedVersionVector is a set of dots stored compactly:
// a version vector {actor: n} standing for the dots (actor, 1..n), plus the few dots
// beyond it that are not contiguous (the "dot cloud"). This is the causal context of
// Dotted Version Vector Sets (Almeida, Baquero et al.): unlike a plain version vector it
// can say "the write (a, 7) but not (a, 6)", which is what lets a writer replace its own
// previous write without claiming to have seen a concurrent one.
//
// The representation is canonical (cloud dots lie above the vector and never extend it),
// so two equal sets have equal encodings.
//
// Thread safety: a value; const methods may run concurrently, mutation needs exclusive
// access.
#ifndef KVLSM_CLUSTER_DOTTED_VERSION_VECTOR_H_
#define KVLSM_CLUSTER_DOTTED_VERSION_VECTOR_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/causal_order.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/export.h"

namespace kvlsm::cluster {

// One write: the counter-th (from 1) coordinated by `actor`.
struct Dot {
  NodeId actor = 0;
  uint64_t counter = 0;

  friend bool operator==(const Dot& a, const Dot& b) = default;
  friend auto operator<=>(const Dot& a, const Dot& b) = default;
};

class KVLSM_EXPORT DottedVersionVector {
 public:
  // The empty history.
  DottedVersionVector() = default;

  // Whether the history contains `dot`.
  bool Contains(const Dot& dot) const;
  // Adds one dot. REQUIRES: dot.counter >= 1.
  void Add(const Dot& dot);
  // Makes this the union of itself and other.
  void Merge(const DottedVersionVector& other);

  // The largest counter of `actor` in the history (0 if none): the next write the actor
  // coordinates for this history gets MaxCounter(actor) + 1.
  uint64_t MaxCounter(NodeId actor) const;

  // Set inclusion: kBefore when this is a strict subset of other, and so on.
  CausalOrder Compare(const DottedVersionVector& other) const;
  // Whether every dot of other is in this history.
  bool Includes(const DottedVersionVector& other) const;

  bool empty() const { return vector_.empty() && cloud_.empty(); }
  // The version vector part, ordered by actor (counters >= 1).
  std::span<const std::pair<NodeId, uint64_t>> vector() const { return vector_; }
  // The dots beyond it, ordered.
  std::span<const Dot> cloud() const { return cloud_; }

  // Appends the encoding (docs/cluster.md, "Dotted version vector") to *dst.
  // ResourceExhausted, leaving *dst unchanged, beyond 1024 actors or 4096 cloud dots.
  // REQUIRES: dst != nullptr.
  absl::Status EncodeTo(std::string* dst) const;
  // Parses an encoding from the front of *input and consumes it (it may be followed by
  // other data). InvalidArgument naming the problem for malformed or non-canonical input
  // or bounds exceeded (counters above 2^62 - 1 included: such a context could only make
  // the next dot wrap around); *input is then unspecified. REQUIRES: input != nullptr.
  static absl::StatusOr<DottedVersionVector> DecodeFrom(std::string_view* input);
  // As DecodeFrom, for input holding exactly one encoding.
  static absl::StatusOr<DottedVersionVector> Decode(std::string_view input);

  // "{a:n, ...} + [(a,c), ...]" for logs and tests.
  std::string ToString() const;

  friend bool operator==(const DottedVersionVector& a, const DottedVersionVector& b) {
    return a.vector_ == b.vector_ && a.cloud_ == b.cloud_;
  }

 private:
  uint64_t VectorCounter(NodeId actor) const;
  // Moves cloud dots that extend the vector into it, and drops covered ones.
  void Normalize();

  std::vector<std::pair<NodeId, uint64_t>> vector_;  // sorted by actor
  std::vector<Dot> cloud_;                           // sorted; counter > vector counter + 1
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_DOTTED_VERSION_VECTOR_H_
