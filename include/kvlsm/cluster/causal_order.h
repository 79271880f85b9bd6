// kvlsm/cluster/causal_order.h: how two versions relate in causal history.
//
// Thread safety: a plain enum and a pure function.
#ifndef KVLSM_CLUSTER_CAUSAL_ORDER_H_
#define KVLSM_CLUSTER_CAUSAL_ORDER_H_

#include "kvlsm/export.h"

namespace kvlsm::cluster {

// The result of comparing a version `a` with a version `b`.
enum class CausalOrder {
  kEqual,       // the same history
  kBefore,      // a happened before b: b has seen everything a has, and more
  kAfter,       // a happened after b
  kConcurrent,  // each has seen something the other has not: a conflict
};

// "equal", "before", "after" or "concurrent".
KVLSM_EXPORT const char* CausalOrderName(CausalOrder order);

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_CAUSAL_ORDER_H_
