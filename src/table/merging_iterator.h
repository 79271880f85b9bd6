// A merging iterator: one ordered view over several ordered child iterators of internal
// keys (memtables, level-0 tables, levels). Entries equal under the comparator are all
// yielded, from the child listed first (going backward: last).
//
// Thread safety: like any Iterator, one thread at a time.
#ifndef KVLSM_TABLE_MERGING_ITERATOR_H_
#define KVLSM_TABLE_MERGING_ITERATOR_H_

#include <memory>
#include <vector>

#include "base/dbformat.h"
#include "kvlsm/iterator.h"

namespace kvlsm {

// Takes ownership of the children. `comparator` must outlive the result.
std::unique_ptr<Iterator> NewMergingIterator(const InternalKeyComparator* comparator,
                                             std::vector<std::unique_ptr<Iterator>> children);

}  // namespace kvlsm

#endif  // KVLSM_TABLE_MERGING_ITERATOR_H_
