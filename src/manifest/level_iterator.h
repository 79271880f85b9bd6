// LevelIterator: one iterator over all tables of a level >= 1, whose key ranges are
// disjoint and sorted. It opens one table at a time, as the position moves into it.
//
// Thread safety: like any Iterator, one thread at a time.
#ifndef KVLSM_MANIFEST_LEVEL_ITERATOR_H_
#define KVLSM_MANIFEST_LEVEL_ITERATOR_H_

#include <memory>

#include "base/dbformat.h"
#include "manifest/version_set.h"
#include "kvlsm/iterator.h"
#include "kvlsm/options.h"

namespace kvlsm {

class TableCache;

// `files` must be sorted by key and disjoint, and must outlive the iterator (the caller
// pins the Version that holds them).
std::unique_ptr<Iterator> NewLevelIterator(const ReadOptions& options,
                                           const InternalKeyComparator* comparator,
                                           TableCache* table_cache, const FileList* files);

}  // namespace kvlsm

#endif  // KVLSM_MANIFEST_LEVEL_ITERATOR_H_
