// Internal: what the parts of a Node (coordinator, hinted handoff, anti-entropy, range
// streamer) share: the node's identity, clock, outgoing messages, local stores, ring and
// view of which peers are up. The Node owns everything it points to and outlives the parts.
//
// Thread safety: none; everything runs on the Node's thread.
#ifndef KVLSM_CLUSTER_NODE_CONTEXT_H_
#define KVLSM_CLUSTER_NODE_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "kvlsm/cluster/clock.h"
#include "kvlsm/cluster/node.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/cluster/ring.h"
#include "cluster/hint_store.h"
#include "cluster/replica_store.h"

namespace kvlsm::cluster {

struct NodeContext {
  NodeId self = 0;
  Clock* clock = nullptr;
  ReplicaStore* store = nullptr;
  HintStore* hints = nullptr;
  // The ring as this node knows it now (replaced by Node::SetRing).
  const Ring* ring = nullptr;
  NodeStats* stats = nullptr;
  // Sends a whole encoded message.
  std::function<void(NodeId to, std::string bytes)> send;
  // Whether a peer is believed up (always true for self).
  std::function<bool(NodeId)> is_up;
  // One line for NodeOptions::trace (nothing when no trace is set).
  std::function<void(const std::string& line)> trace;

  // Ids for requests, exchanges and streams: unique among this node's live ones.
  uint64_t NextId() { return ++last_id; }
  uint64_t last_id = 0;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_NODE_CONTEXT_H_
