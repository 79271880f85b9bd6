// Internal: the plain data of a ring that the token allocator works on.
//
// Thread safety: a plain value.
#ifndef KVLSM_CLUSTER_RING_LAYOUT_H_
#define KVLSM_CLUSTER_RING_LAYOUT_H_

#include <cstdint>
#include <vector>

#include "kvlsm/cluster/token.h"

namespace kvlsm::cluster {

// Nodes are numbered densely 0..weights.size()-1; tokens[i] (ascending, distinct) is owned
// by node owners[i]. A node may own no token (one that is joining or leaving).
struct RingLayout {
  int replication_factor = 3;
  int tokens_per_node = 16;  // of a node of weight 1 (RingOptions)
  std::vector<Token> tokens;
  std::vector<uint32_t> owners;
  std::vector<double> weights;
  std::vector<uint32_t> zones;  // zone index of each node, in [0, zone_count)
  uint32_t zone_count = 1;
};

// The number of tokens in the range ending at tokens[i], as a fraction of the ring.
inline double RangeFraction(const std::vector<Token>& tokens, size_t i) {
  if (tokens.size() == 1) return 1.0;
  const Token prev = tokens[i == 0 ? tokens.size() - 1 : i - 1];
  return static_cast<double>(static_cast<Token>(tokens[i] - prev)) * 0x1p-64;
}

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_RING_LAYOUT_H_
