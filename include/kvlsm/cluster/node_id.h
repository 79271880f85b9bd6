// kvlsm/cluster/node_id.h: how the distribution module names a node.
//
// A NodeId is a 64-bit number the application assigns to each physical node (for example
// a counter kept by its membership service, or a hash of the node's address and the
// creation time of its data directory). The ring places nodes by it and the version
// structures use it as the actor that counts writes, so it must be
//   - unique across the cluster, and
//   - never reused by a node that lost its data: a node whose disk was wiped must rejoin
//     under a new id, or the counters it restarts from 0 would repeat dots (write ids)
//     that other replicas already hold and its new writes could be mistaken for old ones.
//
// Thread safety: a plain value.
#ifndef KVLSM_CLUSTER_NODE_ID_H_
#define KVLSM_CLUSTER_NODE_ID_H_

#include <cstdint>

namespace kvlsm::cluster {

using NodeId = uint64_t;

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_NODE_ID_H_
