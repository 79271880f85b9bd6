// kvlsm/cluster/merkle_exchange.h: finding the keys on which two replicas differ.
//
// Two replicas holding MerkleTrees of the same shape (range, fanout, depth and seed;
// kvlsm/cluster/merkle.h) compare them level by level. The initiator drives a
// MerkleExchange; the responder answers each request with AnswerMerkleRequest. The
// application carries the encoded messages over its own transport.
//
//   round 0:        the initiator asks for the root hash. Equal roots: done.
//   rounds 1..depth: it asks for the children of the nodes that differed one level up;
//                   the responder sends fanout - 1 hashes per node (the last child is
//                   the parent's hash minus the others: hashes are sums).
//   last round:     it asks for the (key, entry hash) pairs of the differing leaves and
//                   compares them with its own, found by scanning its data.
// The result is exactly the keys present on one side only or with different values.
// Hashes exchanged: about (fanout - 1) per differing key per level where differences
// have spread out, plus the entries of the differing leaves; for 100 differences among
// 10 million keys with fanout 4 and depth 10, 3,044 (docs/cluster.md; the target was 5,000).
//
// Thread safety: MerkleExchange needs external synchronization; AnswerMerkleRequest and
// CollectLeafEntries are safe to call concurrently on a tree not being updated. The trees
// must not change during an exchange (exchange copies; scan DB snapshots).
#ifndef KVLSM_CLUSTER_MERKLE_EXCHANGE_H_
#define KVLSM_CLUSTER_MERKLE_EXCHANGE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/merkle.h"
#include "kvlsm/cluster/token.h"
#include "kvlsm/export.h"
#include "kvlsm/iterator.h"

namespace kvlsm::cluster {

// A key and its MerkleTree::EntryHash.
struct KeyHash {
  std::string key;
  uint64_t hash = 0;

  friend bool operator==(const KeyHash& a, const KeyHash& b) = default;
};

// Wire tags of the exchange messages. Persisted on the wire: never renumber.
enum class MerkleMessageType : uint8_t {
  kLevelRequest = 1,
  kLevelResponse = 2,
  kLeafEntriesRequest = 3,
  kLeafEntriesResponse = 4,
};

struct KVLSM_EXPORT MerkleRequest {
  MerkleMessageType type = MerkleMessageType::kLevelRequest;  // or kLeafEntriesRequest
  // The shape of the initiator's tree; the responder refuses a different one.
  TokenRange range;
  uint32_t fanout = 0;
  uint32_t depth = 0;
  // kLevelRequest: the level whose hashes are wanted (0: the root).
  uint32_t level = 0;
  // kLevelRequest: the nodes of level - 1 whose children are wanted (empty for level 0);
  // kLeafEntriesRequest: the leaves whose entries are wanted. Strictly increasing.
  std::vector<uint64_t> nodes;

  // Appends the encoding (docs/cluster.md, "Merkle exchange"). REQUIRES: dst != nullptr.
  void EncodeTo(std::string* dst) const;
  // InvalidArgument naming the problem for malformed input or bounds exceeded.
  static absl::StatusOr<MerkleRequest> Decode(std::string_view input);

  friend bool operator==(const MerkleRequest& a, const MerkleRequest& b) = default;
};

struct KVLSM_EXPORT MerkleResponse {
  MerkleMessageType type = MerkleMessageType::kLevelResponse;  // or kLeafEntriesResponse
  // kLevelResponse: the level answered, and for each requested node in order the hashes
  // of its first fanout - 1 children (for level 0: just the root hash).
  uint32_t level = 0;
  std::vector<uint64_t> hashes;
  // kLeafEntriesResponse: the entries of the requested leaves, in increasing key order.
  std::vector<KeyHash> entries;

  // Appends the encoding (docs/cluster.md, "Merkle exchange"). REQUIRES: dst != nullptr.
  void EncodeTo(std::string* dst) const;
  // InvalidArgument naming the problem for malformed input or bounds exceeded (keys over
  // 64 KiB, more than 2^22 entries or hashes).
  static absl::StatusOr<MerkleResponse> Decode(std::string_view input);

  friend bool operator==(const MerkleResponse& a, const MerkleResponse& b) = default;
};

// The responder's side: answers `request` from `tree` and, for leaf entries, from
// `entries` (the replica's data, scanned from SeekToFirst; may be nullptr for level
// requests). FailedPrecondition when the request's shape differs from the tree's;
// InvalidArgument when it names nodes that do not exist; the iterator's error if it fails.
KVLSM_EXPORT absl::StatusOr<MerkleResponse> AnswerMerkleRequest(const MerkleTree& tree,
                                                                const MerkleRequest& request,
                                                                Iterator* entries);

// The (key, entry hash) pairs of `entries` whose keys lie in the tree's range and in one
// of `leaves` (strictly increasing), in increasing key order. Scans the whole iterator.
// REQUIRES: entries != nullptr, out != nullptr.
KVLSM_EXPORT absl::Status CollectLeafEntries(const MerkleTree& tree,
                                             std::span<const uint64_t> leaves, Iterator* entries,
                                             std::vector<KeyHash>* out);

// The initiator's side of one exchange.
class KVLSM_EXPORT MerkleExchange {
 public:
  struct Stats {
    uint64_t rounds = 0;          // requests answered
    uint64_t tree_hashes = 0;     // node hashes received
    uint64_t entry_hashes = 0;    // entry hashes received (one per key listed)
    uint64_t request_bytes = 0;   // encoded sizes of the requests sent
    uint64_t response_bytes = 0;  // encoded sizes of the responses handled
  };

  // Compares `local` with a remote tree of the same shape. REQUIRES: local != nullptr
  // and outlives the exchange, unchanged.
  explicit MerkleExchange(const MerkleTree* local);

  bool done() const { return stage_ == Stage::kDone; }

  // The request to send next. REQUIRES: !done().
  MerkleRequest NextRequest() const;

  // Handles the responder's answer to NextRequest(). For the leaf-entries answer, the
  // local side's entries are collected from `local_entries` (the local data; may be
  // nullptr for level answers). InvalidArgument when the response does not answer the
  // request (wrong type, level, count, or keys outside the requested leaves).
  // REQUIRES: !done().
  absl::Status HandleResponse(const MerkleResponse& response, Iterator* local_entries);

  // Once done(): the keys whose values differ, in increasing order.
  const std::vector<std::string>& differing_keys() const { return differing_keys_; }
  const Stats& stats() const { return stats_; }

 private:
  enum class Stage { kLevels, kLeafEntries, kDone };

  absl::Status HandleLevel(const MerkleResponse& response);
  absl::Status HandleLeafEntries(const MerkleResponse& response, Iterator* local_entries);

  const MerkleTree* local_;
  Stage stage_ = Stage::kLevels;
  uint32_t level_ = 0;
  // The differing nodes of level_ - 1 (of the last level, in kLeafEntries), with the
  // remote side's hashes.
  std::vector<uint64_t> differing_;
  std::vector<uint64_t> remote_hashes_;
  std::vector<std::string> differing_keys_;
  Stats stats_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_MERKLE_EXCHANGE_H_
