// kvlsm/cluster/dvv_set.h: versioned values with siblings, as Dynamo's get and put see them.
//
// A DvvSet is what a replica stores for one key: the concurrent versions of the value
// (siblings), each tagged with the dot of the write that made it, plus the causal history
// of everything written or deleted so far. It is a Dotted Version Vector Set in the sense
// of Almeida, Baquero et al., with dots stored per sibling.
//
//   get:    Read() returns the siblings' values and an opaque Context: the history the
//           client has now seen.
//   put:    Put(context, value, coordinator) drops every sibling the context has seen,
//           adds the value under a new dot (coordinator, n+1), and returns the Context of
//           the new value: the old context plus its dot.
//   delete: Delete(context) drops what the context has seen and adds nothing.
//   sync:   Sync(other) joins two replicas' states: a sibling survives unless the other
//           side has seen its dot and dropped it. Sync is commutative, associative and
//           idempotent, so replicas converge whatever order states arrive in, and the
//           same join folds sibling sets inside the local DB
//           (kvlsm/cluster/sibling_merge_operator.h).
//
// Sibling bound. A write only removes what its context has seen, so concurrent writes
// stay siblings; but because a Context names single dots, a writer that passes back the
// context its previous put returned replaces its own previous value even when it never
// read the others' writes (a stale context). K writers doing so leave at most K
// siblings however many writes each makes. A plain per-object vector clock cannot tell
// which siblings a stale context saw and keeps one sibling per write.
//
// Thread safety: DvvSet and Context are values; const methods may run concurrently,
// mutation needs exclusive access.
#ifndef KVLSM_CLUSTER_DVV_SET_H_
#define KVLSM_CLUSTER_DVV_SET_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/dotted_version_vector.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/export.h"

namespace kvlsm::cluster {

// The causal history a client has seen, returned by a get and passed back with a put.
// Clients treat it as opaque bytes (Encode / Decode); to write a value reconciled from
// several reads, Merge their contexts.
class KVLSM_EXPORT Context {
 public:
  // The empty context: a put with it supersedes nothing (a blind write).
  Context() = default;
  explicit Context(DottedVersionVector history) : history_(std::move(history)) {}

  bool empty() const { return history_.empty(); }
  // Makes this context cover everything either covered.
  void Merge(const Context& other) { history_.Merge(other.history_); }

  // The bytes to hand to a client (docs/cluster.md, "Context"). ResourceExhausted beyond
  // the dotted version vector bounds.
  absl::StatusOr<std::string> Encode() const;
  // Parses a context a client handed back: InvalidArgument for anything malformed.
  static absl::StatusOr<Context> Decode(std::string_view bytes);

  // For servers: the dots the context covers.
  const DottedVersionVector& history() const { return history_; }
  std::string ToString() const { return history_.ToString(); }

  friend bool operator==(const Context& a, const Context& b) = default;

 private:
  DottedVersionVector history_;
};

// What a get returns: the concurrent values (empty when the key was deleted or never
// written) and the context to pass back to put.
struct Siblings {
  std::vector<std::string> values;
  Context context;
};

class KVLSM_EXPORT DvvSet {
 public:
  struct Sibling {
    Dot dot;
    std::string value;

    friend bool operator==(const Sibling& a, const Sibling& b) = default;
  };

  // Nothing written yet.
  DvvSet() = default;

  // The values, ordered by dot, and the context covering this whole state.
  Siblings Read() const;

  // Records a write of `value` by a client that has seen `context`, coordinated by
  // `coordinator` (the node applying it first): siblings whose dots the context contains
  // are dropped, the context joins the history, and the value is added under the dot
  // (coordinator, history.MaxCounter(coordinator) + 1). Returns the new value's context
  // (context + that dot). When delta != nullptr, *delta receives the smallest state that
  // has the same effect when Synced into any replica: the new sibling plus the new
  // value's context; ship it instead of the whole state.
  // ResourceExhausted, changing nothing, when the result would exceed the format bounds
  // (1024 siblings, 64 MiB values, 256 MiB in all, or the context bounds), or when the
  // coordinator's counter has reached 2^62 - 1 (no dot is ever issued twice or wraps).
  // A writer that keeps passing back the contexts its puts return, without reading,
  // keeps every dot it wrote in its context when other writers' dots interleave: one
  // more per put, up to the 4,096 extra dots a context may encode. Read (Read()'s context
  // is compact) to start afresh.
  // REQUIRES: this state includes every dot `coordinator` ever issued for the key (it is
  // the coordinator's stored state, or the states read from the replicas merged into
  // it). A dot issued twice makes replicas take one write for another: a coordinator
  // that lost or handed off the key's data must read it back first, or use a new id.
  absl::StatusOr<Context> Put(const Context& context, std::string_view value, NodeId coordinator,
                              DvvSet* delta = nullptr);

  // Records a delete by a client that has seen `context`: siblings it contains are
  // dropped and the context joins the history (so replicas that still hold them drop
  // them on Sync). *delta, when given, receives the equivalent state to ship.
  // ResourceExhausted as for Put.
  absl::Status Delete(const Context& context, DvvSet* delta = nullptr);

  // Joins another replica's state (or a delta) into this one. ResourceExhausted,
  // changing nothing, when the result would exceed the format bounds.
  absl::Status Sync(const DvvSet& other);

  std::span<const Sibling> siblings() const { return siblings_; }
  size_t sibling_count() const { return siblings_.size(); }
  const DottedVersionVector& history() const { return history_; }

  // Appends the canonical encoding (docs/cluster.md, "DvvSet"): equal states encode to
  // equal bytes. REQUIRES: dst != nullptr.
  void EncodeTo(std::string* dst) const;
  // Parses exactly one encoded state. InvalidArgument naming the problem for malformed
  // or non-canonical input, a sibling dot outside the history, or bounds exceeded.
  static absl::StatusOr<DvvSet> Decode(std::string_view input);

  std::string ToString() const;

  friend bool operator==(const DvvSet& a, const DvvSet& b) = default;

 private:
  // OK when a state with these siblings and history can be encoded and decoded.
  static absl::Status CheckBounds(const std::vector<Sibling>& siblings,
                                  const DottedVersionVector& history);

  std::vector<Sibling> siblings_;  // sorted by dot; every dot is in history_
  DottedVersionVector history_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_DVV_SET_H_
