// kvlsm/cluster/node.h: one node of a Dynamo-style replicated store.
//
// A Node stores its share of the data in a local kvlsm::DB and talks to the other nodes
// through the application's Transport (kvlsm/cluster/transport.h): the application calls
// Receive for every message that arrives. Any node can coordinate any request:
//
//   Get(key)                   asks the key's replicas, answers once R have replied with
//                              the siblings and a context; repairs stale replicas after.
//   Put(key, context, value)   writes the value under a new version that supersedes what
//                              the context has seen; acknowledged once W replicas stored it.
//   Delete(key, context)       removes what the context has seen (a tombstone remains).
//
// Replicas are the first N nodes of the key's preference list (kvlsm/cluster/ring.h). With a
// sloppy quorum (the default) a replica believed down is replaced by the next healthy node
// of the list, which keeps the write as a hint and hands it to the replica when it is back
// (hinted handoff). Anti-entropy compares Merkle trees with the other replicas of each
// range now and then and copies only the keys that differ. A ring change (SetRing)
// streams every range that moves to its new replicas. docs/cluster.md describes the
// protocols and every message.
//
// Thread safety: none. A Node, its Clock and its Transport are used from one thread (the
// application's event loop, or a SimNetwork): every method, every timer and every
// completion callback runs there. Callbacks may call into the Node again. A callback may
// run before the call that issued it returns (when the local replica alone satisfies the
// request, or on an immediate error).
#ifndef KVLSM_CLUSTER_NODE_H_
#define KVLSM_CLUSTER_NODE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/db.h"
#include "kvlsm/cluster/clock.h"
#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/merkle.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/cluster/ring.h"
#include "kvlsm/cluster/token.h"
#include "kvlsm/cluster/transport.h"
#include "kvlsm/env.h"
#include "kvlsm/export.h"

namespace kvlsm::cluster {

// How many of a request's N replicas must answer.
enum class Consistency {
  kOne,     // 1
  kQuorum,  // N / 2 + 1
  kAll,     // N
};

struct KVLSM_EXPORT GetOptions {
  // Replicas of the key: the first n of its preference list. 0 (default): the ring's
  // replication factor. At most the ring's replication factor (anti-entropy keeps that
  // many replicas in step).
  int n = 0;
  // Replies needed before the get answers; 0 (default): from `consistency`. Range [1, n].
  int r = 0;
  Consistency consistency = Consistency::kQuorum;
  // 0 (default): NodeOptions::request_timeout_micros.
  uint64_t timeout_micros = 0;
  // Ask stand-ins (and the hints they hold) in place of replicas believed down. Default
  // true. false: a strict quorum of the first n nodes only; with R + W > N reads then
  // never go backwards.
  bool sloppy = true;
};

// For Put and Delete.
struct KVLSM_EXPORT PutOptions {
  int n = 0;  // as GetOptions::n
  // Acknowledgements needed; 0 (default): from `consistency`. Range [1, n].
  int w = 0;
  Consistency consistency = Consistency::kQuorum;
  uint64_t timeout_micros = 0;  // as GetOptions::timeout_micros
  // Write to stand-ins (as hints) in place of replicas believed down. Default true.
  bool sloppy = true;
};

struct KVLSM_EXPORT NodeOptions {
  // This node's id: unique, never reused after a loss of data (kvlsm/cluster/node_id.h).
  NodeId id = 0;
  // The local DB's directory, and its Env (nullptr: Env::Default(); a SimNetwork hands
  // out one per node).
  std::string path;
  Env* env = nullptr;
  // Sync every local write before acknowledging it, so that a crash loses nothing that
  // was acknowledged. Default true. false: faster, and a power cut may lose writes the
  // coordinator counted.
  bool sync_writes = true;
  // The local DB's write buffer. Default 4 MiB.
  size_t write_buffer_size = 4u << 20;

  // Default time a get or put waits for its quorum. Default 1 s.
  uint64_t request_timeout_micros = 1000000;

  // Shape of the Merkle tree kept for every token range the node replicates (every node
  // of a cluster must use the same). Default fanout 4, depth 6: 4,096 leaves, 44 KiB per
  // range; choose about keys per range / 10 leaves.
  MerkleOptions merkle = {.fanout = 4, .depth = 6, .seed = 0};

  // Hinted handoff. Hints held for down replicas may take at most max_hint_bytes of the
  // local DB (further hints are refused: the write then needs other replicas) and are
  // dropped after max_hint_age_micros (anti-entropy repairs what they carried).
  // Defaults 64 MiB and 3 hours. Every hint_replay_interval_micros (default 1 s) the node
  // replays hints to their owners that are up, at most hint_replay_batch at a time per
  // owner (default 64).
  uint64_t max_hint_bytes = 64u << 20;
  uint64_t max_hint_age_micros = uint64_t{3} * 3600 * 1000000;
  uint64_t hint_replay_interval_micros = 1000000;
  size_t hint_replay_batch = 64;

  // Anti-entropy. Every anti_entropy_interval_micros (default 10 s; 0 disables it) the
  // node starts one Merkle exchange with another replica of one of its ranges, ranges
  // and peers in turn, and copies at most anti_entropy_max_keys differing keys each way
  // (default 1,000): the rate limit. An exchange that stalls is dropped after
  // request_timeout_micros per round.
  uint64_t anti_entropy_interval_micros = 10000000;
  size_t anti_entropy_max_keys = 1000;

  // Range streaming after a ring change: bytes of key states per batch (default 1 MiB;
  // one batch in flight per stream).
  size_t stream_batch_bytes = 1u << 20;

  // When set, receives one line per notable event: a hint stored, replayed, expired; a
  // read repair; an anti-entropy exchange that found differences; a stream started or
  // finished. For examples and debugging.
  std::function<void(std::string_view line)> trace;

  // OK, or InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// Counters since the node was opened.
struct KVLSM_EXPORT NodeStats {
  uint64_t gets = 0, puts = 0, deletes = 0;         // coordinated requests
  uint64_t requests_failed = 0;                     // answered with an error
  uint64_t replica_reads = 0, replica_writes = 0;   // served for coordinators
  uint64_t hints_stored = 0, hints_refused = 0;      // as a stand-in
  uint64_t hints_delivered = 0, hints_expired = 0;
  uint64_t read_repairs = 0;                        // repair writes sent
  uint64_t anti_entropy_exchanges = 0;              // completed, as initiator
  uint64_t anti_entropy_hashes = 0;                 // tree and entry hashes received
  uint64_t anti_entropy_keys_sent = 0;              // key states sent (either side)
  uint64_t anti_entropy_keys_repaired = 0;          // local keys changed by a peer's state
  uint64_t streams_started = 0, streams_completed = 0;
  uint64_t stream_keys_sent = 0, stream_keys_received = 0;
  uint64_t stream_keys_dropped = 0;                 // handed off, then removed locally
  uint64_t messages_rejected = 0;                   // Receive returned an error
};

class KVLSM_EXPORT Node {
 public:
  // Opens (creating if missing) the node's DB at options.path and joins `ring` (which
  // may not contain this node yet: it then coordinates but stores no range). Timers
  // start at once. REQUIRES: clock and transport outlive the Node.
  static absl::StatusOr<std::unique_ptr<Node>> Open(const NodeOptions& options, Ring ring,
                                                    Clock* clock, Transport* transport);
  // Cancels every timer. Requests still pending complete with Cancelled.
  ~Node();

  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Handles a message from node `from`. InvalidArgument, with nothing stored, for a
  // malformed, truncated, unknown or hostile message; OK for a late or duplicate answer
  // (ignored). Never crashes on any input. Membership messages (types 32-63) are not the
  // Node's: route bytes for which Membership::IsMembershipMessage is true to
  // Membership::Receive; given one, Receive returns InvalidArgument saying so.
  absl::Status Receive(NodeId from, std::string_view bytes);

  // The siblings of key and the context to pass to Put or Delete; no values (and the
  // context of the tombstone, if any) when the key is absent or deleted. Errors:
  // InvalidArgument (bad options, key over 64 KiB), Unavailable when fewer replicas than
  // R are up or enough of them failed, DeadlineExceeded when R did not answer in time;
  // both say how many answered of how many were needed.
  void Get(std::string key, const GetOptions& options,
           std::function<void(absl::StatusOr<Siblings>)> done);

  // Writes value, superseding the siblings `context` has seen, and returns the context
  // of the new value. Errors as Get (for W); ResourceExhausted when the key's sibling
  // set would exceed its bounds. A write that fails may still have reached some
  // replicas: it is then neither lost nor guaranteed (as in Dynamo).
  void Put(std::string key, const Context& context, std::string value, const PutOptions& options,
           std::function<void(absl::StatusOr<Context>)> done);

  // Removes the siblings `context` has seen. Errors as Put.
  void Delete(std::string key, const Context& context, const PutOptions& options,
              std::function<void(absl::Status)> done);

  // Installs a new ring (every node of the cluster must install the same one). The node
  // streams each range it stops or starts sharing (Ring::Transfers) to its new replicas
  // and rebuilds its Merkle trees. Once a new replica acknowledges a batch, the node
  // removes the batch's keys it no longer replicates (unless they changed meanwhile or
  // another stream still needs them): a range it gave away leaves its disk. InvalidArgument when
  // the replication factor changes.
  absl::Status SetRing(Ring ring);
  const Ring& ring() const;

  // Marks a peer up or down, as a failure detector sees it (kvlsm/cluster/membership.h
  // feeds it). Peers are up until marked down. Coming back up triggers hint replay.
  void SetPeerUp(NodeId peer, bool up);
  bool IsPeerUp(NodeId peer) const;

  // ---- Introspection, for tests, checkers and tools.

  NodeId id() const;
  const NodeStats& stats() const;
  // The Merkle root of every token range this node replicates, in token order.
  std::vector<std::pair<TokenRange, uint64_t>> MerkleRoots() const;
  // The state this node stores for key (empty when none). DataLoss when damaged.
  absl::StatusOr<DvvSet> LocalState(std::string_view key);
  // Every key this node stores with its state, in key order (data only, no hints).
  absl::StatusOr<std::vector<std::pair<std::string, DvvSet>>> LocalContents();
  size_t hint_count() const;
  // Streams still sending ranges after a ring change.
  size_t streams_in_progress() const;

  class Impl;

 private:
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_NODE_H_
