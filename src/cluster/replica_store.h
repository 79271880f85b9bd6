// Internal: a node's local kvlsm::DB, seen as a replica of key ranges.
//
// Key spaces (docs/cluster.md, "Local storage"): every key of the DB starts with one byte
// naming its space, so that applications' keys never collide with kvlsm's own.
//   'd' + key                     the key's DvvSet (encoded), as a replica holds it
//   'h' + ...                     hints (cluster/hint_store.h)
//   'i' + key                     issued floor: version:u8(=1) counter:varint64, the
//                                 highest counter this node had issued for the key as
//                                 coordinator when it dropped the key's state
// A state is joined with DvvSet::Sync and written whole with DB::Put: the store reads the
// key anyway, to update the Merkle tree of its range with the old and new values, so a
// merge operand would only lengthen reads. The DB is opened with the sibling merge
// operator all the same (its name is persisted), so that a DB written by DB::Merge
// elsewhere reads back correctly.
//
// Dropping handed-off keys. After a ring change the node streams the ranges it loses to
// their new replicas; once a batch is acknowledged it drops those keys
// (DropHandedOff). A coordinator numbers its writes from the key's stored history
// (DvvSet::Put), so the drop keeps, under 'i' + key and in the same atomic write, the
// highest counter the node issued for the key: IssuedFloor returns it and the
// coordinator issues its next dot above it, never reusing one.
//
// Merkle trees. The store keeps one MerkleTree per token range it replicates (SetRanges),
// updated on every write, so anti-entropy never scans to compare. Keys outside every
// range (a coordinator's own copy of a key it does not replicate, data of a range that
// moved away) are stored but in no tree.
//
// Thread safety: none; the Node calls it from its one thread.
#ifndef KVLSM_CLUSTER_REPLICA_STORE_H_
#define KVLSM_CLUSTER_REPLICA_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/db.h"
#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/merkle.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/cluster/token.h"
#include "kvlsm/env.h"
#include "kvlsm/iterator.h"

namespace kvlsm::cluster {

namespace key_space {
inline constexpr char kData = 'd';
inline constexpr char kHint = 'h';
inline constexpr char kIssued = 'i';
// The version byte of an issued-floor value. Persisted: never renumber.
inline constexpr uint8_t kIssuedFloorVersion = 1;
}  // namespace key_space

struct ReplicaStoreOptions {
  std::string path;    // the DB directory
  Env* env = nullptr;  // nullptr: Env::Default()
  // sync every write before it is acknowledged (a crash then loses no acknowledged write)
  bool sync = true;
  size_t write_buffer_size = 4u << 20;
  MerkleOptions merkle;
};

class ReplicaStore {
 public:
  // Opens (creating if missing) the DB.
  static absl::StatusOr<std::unique_ptr<ReplicaStore>> Open(const ReplicaStoreOptions& options);

  // The stored state of key (empty when absent). DataLoss when it does not decode.
  absl::StatusOr<DvvSet> Read(std::string_view key);

  // Joins `state` into key's stored state and returns the result. Writes nothing when
  // the join changes nothing (a repeated delivery); *changed, when given, says which.
  // Errors of the DB or of Sync (ResourceExhausted beyond the DvvSet bounds) leave the
  // key unchanged.
  absl::StatusOr<DvvSet> Apply(std::string_view key, const DvvSet& state, bool* changed = nullptr);
  // The highest counter this node (as coordinator) had issued for key when it last
  // dropped the key's state with DropHandedOff; 0 when it never did. DataLoss when the
  // stored record does not decode.
  absl::StatusOr<uint64_t> IssuedFloor(std::string_view key);

  // A key and the stored encoding of its state that was handed off.
  struct HandedOff {
    std::string key;
    std::string sent;
  };
  // Removes the state of each key once it has been handed off to its new replicas: only
  // a key in no range this node replicates whose stored encoding still equals `sent` (a
  // write that arrived since was not handed off). In the same atomic, synced write it
  // raises each removed key's issued floor to the highest counter of `self` in its state.
  // Returns how many keys it removed; on an error it removed none.
  absl::StatusOr<size_t> DropHandedOff(const std::vector<HandedOff>& keys, NodeId self);

  // Whether key lies in one of the ranges with a tree (a range this node replicates).
  bool Replicates(std::string_view key) const { return RangeIndexOf(KeyToken(key)) >= 0; }

  // Replaces the set of ranges with trees, rebuilding every tree from one scan of the
  // data. REQUIRES: the ranges are pairwise disjoint.
  absl::Status SetRanges(std::vector<TokenRange> ranges);
  const std::vector<TokenRange>& ranges() const { return ranges_; }
  // The tree of exactly `range`, or nullptr when the store keeps none for it.
  const MerkleTree* TreeFor(TokenRange range) const;

  // An iterator over the data space, keys without their space byte, as of now.
  std::unique_ptr<Iterator> NewDataIterator();

  DB* db() { return db_.get(); }
  const WriteOptions& write_options() const { return write_options_; }

  static std::string DataKey(std::string_view key);
  static std::string IssuedKey(std::string_view key);

 private:
  ReplicaStore(std::unique_ptr<DB> db, const ReplicaStoreOptions& options);
  // Index into trees_ of the range holding token, or -1.
  int RangeIndexOf(Token token) const;

  std::unique_ptr<DB> db_;
  MerkleOptions merkle_options_;
  WriteOptions write_options_;
  // Sorted by end token; trees_[i] covers ranges_[i].
  std::vector<TokenRange> ranges_;
  std::vector<MerkleTree> trees_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_REPLICA_STORE_H_
