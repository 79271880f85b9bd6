// kvlsm/cluster/transport.h: how a Node's messages leave the process.
//
// The application owns the network. kvlsm defines every message and its encoding
// (docs/cluster.md, "Messages"); the application implements Send, delivers the bytes to the
// destination process by any means (TCP, QUIC, a message bus, the simulated network of
// kvlsm/cluster/sim_network.h), and there calls Node::Receive(from, bytes).
//
// Delivery may be late, reordered, duplicated or lost: the protocols tolerate all four.
// Bytes that arrive must be the bytes that were sent (the transport, not kvlsm, protects
// against corruption in flight; a damaged message that still decodes is indistinguishable
// from a hostile one, and hostile messages are rejected, never trusted).
//
// Thread safety: called from the Node's thread; must not call back into the Node.
#ifndef KVLSM_CLUSTER_TRANSPORT_H_
#define KVLSM_CLUSTER_TRANSPORT_H_

#include <string>

#include "kvlsm/cluster/node_id.h"
#include "kvlsm/export.h"

namespace kvlsm::cluster {

class KVLSM_EXPORT Transport {
 public:
  virtual ~Transport() = default;

  // Queues `bytes` for delivery to node `to`. Never blocks on the network; a message to an
  // unreachable node is dropped (the caller's timeouts handle it).
  virtual void Send(NodeId to, std::string bytes) = 0;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_TRANSPORT_H_
