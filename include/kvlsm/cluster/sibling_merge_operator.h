// kvlsm/cluster/sibling_merge_operator.h: sibling sets stored as one value, reconciled by
// the engine.
//
// A replica stores each key's DvvSet (kvlsm/cluster/dvv_set.h) encoded as one DB value.
// With this merge operator in Options::merge_operator, a replica applies a state (or a
// Put/Delete delta) that arrives from a coordinator, a read repair or anti-entropy with
// DB::Merge(key, encoded state) instead of reading, syncing and writing back: reads and
// compactions fold the operands with DvvSet::Sync, dropping siblings a later write has
// seen (syntactic reconciliation). Sync is commutative, associative and idempotent, so
// the result does not depend on the order or repetition of operands.
//
// A coordinator still reads the key before a put: the new dot is one above the largest
// counter it has issued for the key (DvvSet::Put), then it writes the delta with Merge.
//
// Errors: an existing value or operand that does not decode fails the read (or the
// compaction) with DataLoss naming the key; kvlsm never substitutes a value.
//
// Thread safety: the operator is stateless and safe to call from any number of threads.
#ifndef KVLSM_CLUSTER_SIBLING_MERGE_OPERATOR_H_
#define KVLSM_CLUSTER_SIBLING_MERGE_OPERATOR_H_

#include <memory>

#include "kvlsm/export.h"
#include "kvlsm/merge_operator.h"

namespace kvlsm::cluster {

// The operator, named "kvlsm.dist.DvvSetSync" (the name is persisted by the DB, so it keeps
// the module's old name: renaming it would make existing DBs refuse to open).
KVLSM_EXPORT std::shared_ptr<const MergeOperator> NewSiblingMergeOperator();

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_SIBLING_MERGE_OPERATOR_H_
