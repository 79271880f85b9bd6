// Internal: anti-entropy, the background repair of replicas (docs/cluster.md, "Anti-entropy").
//
// Every interval, if no exchange is running, the node picks the next (range, peer) pair:
// its token ranges in turn, and for each the other replicas of the range that are up.
// It compares a copy of its Merkle tree of the range with the peer's tree level by level
// (MerkleExchange over MerkleRequest/MerkleResponse messages), then sends its states of
// the differing keys (at most max_keys); the peer joins them and answers with its own
// states of those keys, which the node joins in turn. Both replicas then hold the join.
// Only the differing keys travel, and one exchange at a time per node, at most one
// started per interval: the rate limit. An exchange that gets no answer within the
// round timeout is dropped; a later round finds what it missed.
//
// The responder answers from its live tree and data, so if writes land during an
// exchange the result may name a few keys that no longer differ (harmless: joining equal
// states changes nothing) or miss a few (found by a later round).
//
// Thread safety: none; the Node's thread.
#ifndef KVLSM_CLUSTER_ANTI_ENTROPY_H_
#define KVLSM_CLUSTER_ANTI_ENTROPY_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "kvlsm/cluster/merkle_exchange.h"
#include "cluster/messages.h"
#include "cluster/node_context.h"

namespace kvlsm::cluster {

class AntiEntropy {
 public:
  // interval_micros 0 disables the periodic exchanges (Node::... can still answer).
  AntiEntropy(NodeContext* context, uint64_t interval_micros, size_t max_keys,
              uint64_t round_timeout_micros);
  ~AntiEntropy();

  void Start();

  // Initiator side; false when the id is not the running exchange's.
  bool HandleMerkleResponse(NodeId from, const MerkleResponseMessage& message);
  bool HandleKeyStatesResponse(NodeId from, const KeyStatesResponse& message);

  // Responder side.
  void AnswerMerkleRequest(NodeId from, const MerkleRequestMessage& message);
  void AnswerKeyStates(NodeId from, const KeyStatesRequest& message);

  bool exchange_running() const { return exchange_ != nullptr; }

 private:
  struct Exchange;

  void Tick();
  void StartExchange(TokenRange range, NodeId peer);
  void SendNextRequest();
  void SendKeyStates();
  void Finish(const absl::Status& status);
  void ArmTimeout();

  NodeContext* context_;
  uint64_t interval_micros_;
  size_t max_keys_;
  uint64_t round_timeout_micros_;
  Clock::TimerId tick_timer_ = 0;
  uint64_t cursor_ = 0;  // which (range, peer) pair comes next
  std::unique_ptr<Exchange> exchange_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_ANTI_ENTROPY_H_
