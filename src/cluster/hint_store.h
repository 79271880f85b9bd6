// Internal: hints a stand-in node keeps for replicas that were down (hinted handoff).
//
// When a write's replica is down, the coordinator sends the write to a stand-in node
// (sloppy quorum) marked "hint for owner X". The stand-in keeps it here, in its local DB,
// until X is back, then replays it (cluster/hinted_handoff.h). Replay is idempotent: a hint
// is a DvvSet state and applying a state twice changes nothing.
//
// Persistence, in the DB's hint space (docs/cluster.md, "Local storage"):
//   key   := 'h' id:fixed64 big-endian (ids increase, so a scan yields oldest first)
//   value := version:u8(=1) owner:varint64 created_micros:varint64
//            key:length_prefixed state:bytes (the rest: a DvvSet encoding)
// An index of every hint (owner, key, age, size; not the state) is kept in memory and
// rebuilt by Open, so the store answers "which hints for X" without scanning.
//
// Bounds. The total size of the hints (DB keys + values) stays at most max_bytes: a
// hint that would exceed it is refused with ResourceExhausted (the coordinator then
// counts no acknowledgement from this stand-in). Hints older than max_age_micros are
// dropped by Expire (anti-entropy repairs what they carried).
//
// Thread safety: none; the Node calls it from its one thread.
#ifndef KVLSM_CLUSTER_HINT_STORE_H_
#define KVLSM_CLUSTER_HINT_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/db.h"
#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/node_id.h"

namespace kvlsm::cluster {

struct HintStoreOptions {
  uint64_t max_bytes = 64u << 20;
  uint64_t max_age_micros = uint64_t{3} * 3600 * 1000000;  // 3 hours, as Cassandra
};

class HintStore {
 public:
  struct Hint {
    NodeId owner = 0;
    std::string key;
    uint64_t created_micros = 0;
    uint64_t bytes = 0;  // DB key + value
  };

  // Indexes the hints in db. `now_micros` clamps creation times from a clock that was
  // reset (a hint "from the future" counts as created now). DataLoss naming the hint
  // when one does not decode. REQUIRES: db outlives the store.
  static absl::StatusOr<std::unique_ptr<HintStore>> Open(DB* db, const WriteOptions& write_options,
                                                         const HintStoreOptions& options,
                                                         uint64_t now_micros);

  // Stores a hint. ResourceExhausted (storing nothing) beyond max_bytes.
  absl::Status Add(NodeId owner, std::string_view key, const DvvSet& state, uint64_t now_micros);
  // The state of a stored hint. NotFound for an unknown id.
  absl::StatusOr<DvvSet> Load(uint64_t id);
  // Deletes a hint (delivered or expired). An unknown id is not an error.
  absl::Status Remove(uint64_t id);
  // Removes every hint older than max_age_micros; returns how many.
  absl::StatusOr<size_t> Expire(uint64_t now_micros);

  // Up to `limit` hint ids for owner, oldest first, skipping ids in `skip` (sorted).
  std::vector<uint64_t> IdsFor(NodeId owner, size_t limit,
                               const std::vector<uint64_t>& skip = {}) const;
  // The owners that have hints, ascending.
  std::vector<NodeId> Owners() const;
  // The join of every hint held for key (for reads served by a stand-in).
  absl::StatusOr<DvvSet> JoinedStateOf(std::string_view key);
  // REQUIRES: id is stored.
  const Hint& hint(uint64_t id) const { return hints_.at(id); }
  bool contains(uint64_t id) const { return hints_.count(id) != 0; }

  size_t count() const { return hints_.size(); }
  uint64_t bytes() const { return bytes_; }
  const HintStoreOptions& options() const { return options_; }

 private:
  HintStore(DB* db, const WriteOptions& write_options, const HintStoreOptions& options)
      : db_(db), write_options_(write_options), options_(options) {}
  void Index(uint64_t id, Hint hint);

  DB* db_;
  WriteOptions write_options_;
  HintStoreOptions options_;
  uint64_t next_id_ = 1;
  uint64_t bytes_ = 0;
  std::map<uint64_t, Hint> hints_;             // by id
  std::multimap<std::string, uint64_t> by_key_;  // key -> ids
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_HINT_STORE_H_
