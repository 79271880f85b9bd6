// kvlsm/cluster/ring.h: consistent hashing with virtual nodes, weights and zones.
//
// A Ring maps every key to the ordered list of nodes that store it. Each node owns a few
// tokens (virtual nodes) on the 64-bit ring of kvlsm/cluster/token.h; the range (previous
// token, token] belongs to the token's owner. The replicas of a key are found by walking
// clockwise from the first token >= KeyToken(key):
//   - without zones, the first n distinct nodes met;
//   - with zones (failure domains: racks, availability zones), one node per zone first,
//     in the order met; once every zone is represented, the nodes that were passed over
//     for repeating a zone, in the order met, then any further nodes.
//
// Tokens are chosen by the ring itself (AddNode, RemoveNode) to balance *replicated*
// ownership: the fraction of the ring for which a node is one of the
// options.replication_factor replicas, which is what its disk and its share of requests
// follow. With 16 tokens per node and replication factor 3, the most loaded node owns at
// most 1.05 times the mean (measured: 1.026 after joins, 1.040 after leaves) at every
// cluster size from 3 to 500 nodes; random tokens give about 1.3 at 12 nodes and 1.55 at
// 500 (docs/cluster.md has the sweep). A join inserts the new node's tokens or hands it
// tokens of overloaded nodes; a leave hands the leaving node's tokens to others (so token
// counts drift from tokens_per_node over time). Both change exactly one replica of each
// affected range, so a join moves about the new node's share of the data,
// 1/(nodes + 1), and a leave the leaving node's share; when a node would still exceed
// 1.04 times its share, a few token boundaries also shift (moving at most 5% more than
// the joining node's data, or 50% more than the leaving node's). A leave gives a node a
// token only while it holds fewer than twice its tokens_per_node quota, so token counts
// stay bounded under any sequence of joins and leaves.
//
// Token choice uses floating point, so it is computed in one place: the node (or
// operator) that changes the ring calls AddNode or RemoveNode and distributes the result
// with EncodeTo; every other node Decodes it and calls Transfers(old, new) to learn what
// to stream. AddNodeWithTokens rebuilds a ring from known tokens.
//
// Thread safety: a Ring is a value. Const methods may be called concurrently; a change
// (AddNode, RemoveNode, assignment) needs exclusive access. To change a ring under
// readers, copy it, change the copy and publish it (e.g. a std::shared_ptr<const Ring>).
#ifndef KVLSM_CLUSTER_RING_H_
#define KVLSM_CLUSTER_RING_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/cluster/token.h"
#include "kvlsm/export.h"

namespace kvlsm::cluster {

struct KVLSM_EXPORT RingOptions {
  // The replication factor N whose replicated ownership the token allocator balances.
  // PreferenceList may ask for any n; balance is best for n == replication_factor.
  // Default 3; range [1, 32].
  int replication_factor = 3;

  // Tokens (virtual nodes) of a node of weight 1; a node of weight w gets
  // max(1, round(w * tokens_per_node)). More tokens: finer balance and more, smaller
  // range transfers; fewer: fewer ranges to repair and stream. Default 16; range [1, 1024].
  int tokens_per_node = 16;

  // OK, or InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// A node as the ring sees it.
struct RingNode {
  RingNode() = default;
  explicit RingNode(NodeId node_id, double node_weight = 1.0, std::string node_zone = "")
      : id(node_id), weight(node_weight), zone(std::move(node_zone)) {}

  NodeId id = 0;
  // Relative capacity: a node of weight 2 is given twice the replicated ownership of a
  // node of weight 1. Range [1/64, 64].
  double weight = 1.0;
  // Failure domain; "" for none. Nodes sharing a zone are kept apart in preference lists
  // while other zones remain. At most 255 bytes.
  std::string zone;

  friend bool operator==(const RingNode& a, const RingNode& b) = default;
};

// Data to copy for a ring change: the keys in `range` must be sent by `from` to `to`.
// `from` is a node that stops replicating the range (for a leave: the leaving node; when
// it is already dead, any other old replica has the data) or, when a small ring grows
// its replica sets, a node that keeps replicating it.
struct RangeTransfer {
  TokenRange range;
  NodeId from = 0;
  NodeId to = 0;

  friend bool operator==(const RangeTransfer& a, const RangeTransfer& b) = default;
};

class KVLSM_EXPORT Ring {
 public:
  // An empty ring. REQUIRES: options.Validate().ok() (use Create to check).
  explicit Ring(const RingOptions& options = RingOptions());
  // An empty ring, or InvalidArgument for bad options.
  static absl::StatusOr<Ring> Create(const RingOptions& options);

  Ring(const Ring&) = default;
  Ring& operator=(const Ring&) = default;
  Ring(Ring&&) noexcept = default;
  Ring& operator=(Ring&&) noexcept = default;

  const RingOptions& options() const { return options_; }

  // ---- Changes. Each returns the transfers that bring the data to its new replicas
  // (for the replication factor of the options), in ring order.

  // Adds a node, choosing its tokens (see above). AlreadyExists when the id is on the
  // ring; InvalidArgument for a bad weight or zone; ResourceExhausted beyond 65,536 nodes
  // or 2^22 tokens (the format's bounds), or if no range could be split.
  absl::StatusOr<std::vector<RangeTransfer>> AddNode(const RingNode& node);

  // Adds a node with the given tokens (for rebuilding a known ring or for comparing
  // allocation strategies). InvalidArgument when tokens is empty, longer than 65,536 or
  // holds a token already on the ring or twice; otherwise as AddNode.
  absl::StatusOr<std::vector<RangeTransfer>> AddNodeWithTokens(const RingNode& node,
                                                               std::span<const Token> tokens);

  // Removes a node, handing its tokens to the others. NotFound when it is not on the ring.
  // Removing the last node leaves an empty ring (and no transfers).
  absl::StatusOr<std::vector<RangeTransfer>> RemoveNode(NodeId id);

  // The transfers that turn replica placement on `before` into placement on `after`, for
  // after's replication factor: for every range whose replica set differs, each node
  // that gained it paired with one that lost it (or, if none lost it, one that kept it).
  static std::vector<RangeTransfer> Transfers(const Ring& before, const Ring& after);

  // ---- Lookups.

  // The preference list of `key`: its first min(n, node_count()) replicas in order,
  // followed by up to `fallbacks` further distinct nodes (in walk order: nodes passed over
  // for zone diversity first) for a sloppy quorum to use when replicas are down.
  // Empty for an empty ring. REQUIRES: n >= 1.
  std::vector<NodeId> PreferenceList(std::string_view key, size_t n, size_t fallbacks = 0) const;

  // As PreferenceList, for a token, into *out (cleared first). Allocation-free once *out
  // has capacity, for hot paths. REQUIRES: n >= 1, out != nullptr.
  void PreferenceListForToken(Token token, size_t n, size_t fallbacks,
                              std::vector<NodeId>* out) const;

  // ---- Introspection.

  size_t node_count() const { return nodes_.size(); }
  size_t token_count() const { return tokens_.size(); }
  bool Contains(NodeId id) const;
  // Every node, ordered by id.
  std::vector<RingNode> Nodes() const;
  // The tokens of a node, ascending; empty when it is not on the ring.
  std::vector<Token> TokensOf(NodeId id) const;
  // The owner of every token, in token order.
  std::vector<std::pair<Token, NodeId>> TokenOwners() const;

  // Each node's replicated ownership: the fraction of the ring for which it is one of
  // the first replication_factor replicas. Ordered by node id. The fractions add up to
  // min(replication_factor, node_count()).
  std::vector<std::pair<NodeId, double>> ReplicatedOwnership() const;

  // Each node's fair share of replicated ownership, the target the token allocator aims
  // for: proportional to weight, none above the whole ring (1.0), adding up to
  // min(replication_factor, node_count()); with exactly replication_factor zones, the
  // node's weight's share of its zone (each zone holds one replica of every key). Ordered
  // by node id, like ReplicatedOwnership(), so the ratio of the two is the imbalance.
  std::vector<double> FairOwnership() const;

  // The ranges for which `id` is one of the first replication_factor replicas, in ring
  // order, adjacent ranges merged (the ranges it keeps Merkle trees for).
  std::vector<TokenRange> ReplicatedRanges(NodeId id) const;

  // ---- Encoding (docs/cluster.md, "Ring").

  // Appends the ring (options, nodes and tokens) to *dst. REQUIRES: dst != nullptr.
  void EncodeTo(std::string* dst) const;
  // Parses an encoded ring; InvalidArgument naming the problem for malformed input, an
  // unknown format version or any bound exceeded (docs/cluster.md lists the bounds).
  static absl::StatusOr<Ring> Decode(std::string_view input);

  // Same options, nodes and token ownership.
  friend bool operator==(const Ring& a, const Ring& b) { return a.SameAs(b); }

 private:
  friend class RingInternal;

  bool SameAs(const Ring& other) const;
  // OK when `node` may join with token_count tokens.
  absl::Status CheckNewNode(const RingNode& node, size_t token_count) const;
  // The dense index of a node, or -1.
  int64_t IndexOf(NodeId id) const;
  // Re-derives zone indices after nodes_ changed.
  void RebuildIndexes();
  // Adds a node (owning no token yet) in id order and returns its dense index.
  uint32_t InsertNode(const RingNode& node);
  // Inserts tokens for node (dense index) keeping tokens_ sorted.
  void InsertTokens(uint32_t node, std::span<const Token> tokens);

  RingOptions options_;
  std::vector<RingNode> nodes_;   // ascending id; the position is the dense index
  std::vector<Token> tokens_;     // ascending, distinct
  std::vector<uint32_t> owners_;  // dense node index of each token
  // Derived from nodes_ by RebuildIndexes.
  std::vector<uint32_t> node_zones_;  // dense index -> zone index
  uint32_t zone_count_ = 0;           // distinct zones of nodes_
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_RING_H_
