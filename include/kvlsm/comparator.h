// kvlsm/comparator.h: the total order of user keys.
//
// Thread safety: a Comparator must be safe to call from many threads at once; kvlsm calls
// it concurrently from readers, the writer and background work without locking.
//
// The comparator's Name() is persisted in the DB (and later in every table); opening a DB
// with a comparator of another name fails with InvalidArgument, because keys sorted by one
// order are garbage under another. Change the name whenever the order changes.
#ifndef KVLSM_COMPARATOR_H_
#define KVLSM_COMPARATOR_H_

#include <string>
#include <string_view>

#include "kvlsm/export.h"

namespace kvlsm {

class KVLSM_EXPORT Comparator {
 public:
  virtual ~Comparator() = default;

  // Three-way comparison: < 0 when a < b, 0 when equal, > 0 when a > b.
  virtual int Compare(std::string_view a, std::string_view b) const = 0;

  // A stable name for this order, e.g. "kvlsm.BytewiseComparator". Persisted; see above.
  virtual const char* Name() const = 0;

  // Optional key shortening for index blocks. If *start < limit, may change *start to a
  // shorter string in [*start, limit). The default leaves *start unchanged.
  virtual void FindShortestSeparator(std::string* start, std::string_view limit) const;

  // Optional: may change *key to a shorter string >= *key. The default leaves it unchanged.
  virtual void FindShortSuccessor(std::string* key) const;
};

// Lexicographic order of unsigned bytes (memcmp order). The result has static lifetime and
// must not be deleted.
KVLSM_EXPORT const Comparator* BytewiseComparator();

}  // namespace kvlsm

#endif  // KVLSM_COMPARATOR_H_
