// DBIter: the iterator DB::NewIterator returns. It turns an ordered stream of internal
// keys (all versions of every key, from a merging iterator) into the user's view at one
// snapshot: for each user key, the newest visible entry decides (Put: its value; Delete:
// the key is skipped; Merge: operands are folded through the MergeOperator), within the
// ReadOptions bounds.
//
// Thread safety: one thread at a time, like any Iterator.
#ifndef KVLSM_DB_DB_ITER_H_
#define KVLSM_DB_DB_ITER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/dbformat.h"
#include "kvlsm/iterator.h"
#include "kvlsm/merge_operator.h"

namespace kvlsm {

struct DBIterOptions {
  const Comparator* user_comparator = nullptr;
  const MergeOperator* merge_operator = nullptr;  // May be null.
  SequenceNumber sequence = 0;                    // Entries above it are invisible.
  std::optional<std::string> lower_bound;         // Inclusive.
  std::optional<std::string> upper_bound;         // Exclusive.
  // Released when the iterator is destroyed: keeps the sources of `internal` alive.
  std::vector<std::shared_ptr<const void>> pinned;
  // Called once when the iterator is destroyed (e.g. to release an implicit snapshot).
  std::function<void()> on_destroy;
};

std::unique_ptr<Iterator> NewDBIterator(DBIterOptions options, std::unique_ptr<Iterator> internal);

}  // namespace kvlsm

#endif  // KVLSM_DB_DB_ITER_H_
