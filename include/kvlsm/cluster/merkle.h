// kvlsm/cluster/merkle.h: a hash tree over the keys of a token range, for anti-entropy.
//
// A MerkleTree summarizes the (key, value) pairs a replica holds in one ring range so
// that two replicas can find the keys on which they differ by exchanging few hashes
// (kvlsm/cluster/merkle_exchange.h). It is a complete tree of `fanout` children per node
// and `depth` levels below the root; the range is cut into fanout^depth leaves of equal
// width, and a key belongs to the leaf holding its ring token (KeyToken(key)), so keys
// spread evenly and a leaf's keys form one token range.
//
// Hashes. An entry hashes to EntryHash(key, value) = XXH3-64(value, seed =
// XXH3-64(key, options.seed)). A node's hash is the sum, modulo 2^64, of the entry
// hashes below it. Sums make the tree independent of insertion order and let a write
// update it in O(depth) additions without a rebuild; they also let the exchange derive
// one child hash of each node from the others. Two different sets of entries collide
// with probability about 2^-64 for data nobody chose, but neither XXH3 nor the sum
// resists deliberate collisions: whoever controls values can craft two replicas that
// compare equal. Anti-entropy is a repair mechanism between trusted replicas; a
// cluster-wide secret options.seed makes blind crafting harder but XXH3 is not a
// keyed cryptographic hash, so it is no guarantee.
//
// Memory: 8 bytes per node, (fanout^(depth+1) - 1) / (fanout - 1) nodes (about 11 MiB
// for fanout 4 and depth 10: a million leaves, right for about 10 million keys).
//
// Thread safety: const methods may run concurrently; Update needs exclusive access. To
// exchange while writes continue, exchange a copy (and scan a DB snapshot).
#ifndef KVLSM_CLUSTER_MERKLE_H_
#define KVLSM_CLUSTER_MERKLE_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/token.h"
#include "kvlsm/export.h"
#include "kvlsm/iterator.h"

namespace kvlsm::cluster {

struct KVLSM_EXPORT MerkleOptions {
  // Children per node. Default 4; range [2, 256]. Larger: fewer rounds of exchange and
  // less memory per leaf, but each differing node costs fanout - 1 hashes per level.
  int fanout = 4;
  // Levels below the root. Default 10 (4^10 = 1,048,576 leaves). Choose about
  // keys / 10 leaves: fewer keys per leaf make the final key exchange smaller.
  // Range [0, 32], and fanout^depth at most 2^26.
  int depth = 10;
  // Seed of the entry hash; every replica of a range must use the same. Default 0.
  uint64_t seed = 0;

  // OK, or InvalidArgument naming the bad field.
  absl::Status Validate() const;
};

class KVLSM_EXPORT MerkleTree {
 public:
  // An empty tree (every hash 0) over `range`. InvalidArgument for bad options.
  static absl::StatusOr<MerkleTree> Create(const MerkleOptions& options, TokenRange range);

  // A tree holding every entry of `entries` whose key lies in `range` (others are
  // skipped): the iterator is scanned from SeekToFirst. Returns the iterator's error if
  // it fails. REQUIRES: entries != nullptr.
  static absl::StatusOr<MerkleTree> Build(const MerkleOptions& options, TokenRange range,
                                          Iterator* entries);

  MerkleTree(const MerkleTree&) = default;
  MerkleTree& operator=(const MerkleTree&) = default;
  MerkleTree(MerkleTree&&) noexcept = default;
  MerkleTree& operator=(MerkleTree&&) noexcept = default;

  // Records that key's value went from old_value to new_value (std::nullopt: absent) in
  // O(depth). Returns false, changing nothing, when the key lies outside the range.
  // Updates must describe the replica's real history (removing a value that was never
  // added corrupts the sums until the tree is rebuilt).
  bool Update(std::string_view key, std::optional<std::string_view> old_value,
              std::optional<std::string_view> new_value);

  // The hash of one entry, as described above.
  uint64_t EntryHash(std::string_view key, std::string_view value) const;
  // Whether `key` lies in the tree's range.
  bool Covers(std::string_view key) const { return range_.Contains(KeyToken(key)); }
  // The leaf holding `token`. REQUIRES: range().Contains(token).
  uint64_t LeafOf(Token token) const;
  // The tokens of a leaf (the last leaves may be empty ranges when the range does not
  // divide evenly; then start == end and IsWholeRing() must not be trusted: check
  // LeafIsEmpty). REQUIRES: leaf < leaf_count().
  TokenRange LeafRange(uint64_t leaf) const;
  bool LeafIsEmpty(uint64_t leaf) const;

  // The hash of node `index` (0-based, left to right) of `level` (0 is the root).
  // REQUIRES: level <= depth, index < fanout^level.
  uint64_t Hash(int level, uint64_t index) const { return nodes_[level_offsets_[level] + index]; }
  uint64_t RootHash() const { return nodes_[0]; }

  const MerkleOptions& options() const { return options_; }
  TokenRange range() const { return range_; }
  uint64_t leaf_count() const { return leaf_count_; }
  // Nodes at `level`: fanout^level.
  uint64_t LevelWidth(int level) const;

 private:
  MerkleTree(const MerkleOptions& options, TokenRange range);
  // Adds delta to a leaf and every node above it.
  void AddToPath(uint64_t leaf, uint64_t delta);

  MerkleOptions options_;
  TokenRange range_;
  uint64_t leaf_count_ = 1;
  // Width of a leaf in tokens; leaf = (token - start - 1) / leaf_width_. 0 means one
  // leaf covers everything (a single leaf over the whole ring).
  uint64_t leaf_width_ = 0;
  std::vector<uint64_t> level_offsets_;  // index of each level's first node in nodes_
  std::vector<uint64_t> nodes_;          // level by level, root first
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_MERKLE_H_
