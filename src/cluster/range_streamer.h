// Internal: copying ranges to their new replicas after a ring change (join and leave).
//
// Start(transfers) takes the transfers Ring::Transfers computed and keeps those this
// node sends (from == self). They are grouped by destination: one stream per destination
// scans the local data once, in key order, and sends the states of the keys in any of
// its ranges in batches of about batch_bytes, one batch in flight; the receiver joins
// them (idempotent) and acknowledges. A batch without an answer within the timeout is
// sent again, up to 10 times; then the stream is abandoned and anti-entropy, which
// compares the new replica's empty tree with the others', copies the range instead.
// A stream whose source is down never starts; anti-entropy covers it the same way.
//
// Clean-up. When the destination acknowledges a batch (it has joined and stored every
// state), the keys of the batch that this node no longer replicates are removed
// (ReplicaStore::DropHandedOff): only if the stored state is still the one sent, and
// no other stream of this node covering the key is in progress or was abandoned (the
// ranges of an abandoned stream are kept until the node restarts). A key written after
// its batch was sent is kept.
//
// Thread safety: none; the Node's thread.
#ifndef KVLSM_CLUSTER_RANGE_STREAMER_H_
#define KVLSM_CLUSTER_RANGE_STREAMER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cluster/messages.h"
#include "cluster/node_context.h"
#include "kvlsm/cluster/ring.h"

namespace kvlsm::cluster {

class RangeStreamer {
 public:
  RangeStreamer(NodeContext* context, size_t batch_bytes, uint64_t timeout_micros);
  ~RangeStreamer();

  // Starts streaming the transfers whose source is this node.
  void Start(const std::vector<RangeTransfer>& transfers);

  // Sender side: false when the ack is for no stream of this node.
  bool HandleAck(NodeId from, const StreamAck& ack);
  // Receiver side: joins the batch and acknowledges it.
  void HandleBatch(NodeId from, const StreamBatch& batch);

  size_t in_progress() const { return streams_.size(); }

 private:
  struct Stream {
    NodeId to = 0;
    std::vector<TokenRange> ranges;
    std::string resume_after;  // last key scanned; empty before the first batch
    bool scanned_any = false;
    uint64_t sequence = 0;
    std::string pending;                                // the encoded batch in flight
    std::vector<ReplicaStore::HandedOff> pending_keys;  // its keys and stored encodings
    bool pending_last = false;
    int attempts = 0;
    Clock::TimerId timer = 0;
  };

  // Builds and sends the next batch of stream `id`.
  void SendNext(uint64_t id);
  void SendPending(uint64_t id);
  // Removes the acknowledged batch's keys this node no longer needs.
  void DropAcknowledged(uint64_t id);
  // Whether a stream other than `except`, running or abandoned, covers token.
  bool CoveredElsewhere(Token token, uint64_t except) const;

  NodeContext* context_;
  size_t batch_bytes_;
  uint64_t timeout_micros_;
  std::map<uint64_t, Stream> streams_;
  std::vector<TokenRange> abandoned_;  // ranges of abandoned streams: never dropped
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_RANGE_STREAMER_H_
