// kvlsm/iterator.h: an ordered cursor over key/value pairs.
//
// Thread safety: an Iterator may be used by one thread at a time. Distinct iterators over
// the same DB may be used concurrently, and writes to the DB never disturb an iterator: it
// sees the DB as of its snapshot (ReadOptions::snapshot, or the moment it was created).
//
// Errors: when an operation hits an error (corruption, I/O, a failed merge), the iterator
// becomes !Valid() and status() returns the error. A !Valid() iterator with an OK status
// has simply run off either end.
#ifndef KVLSM_ITERATOR_H_
#define KVLSM_ITERATOR_H_

#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "kvlsm/export.h"

namespace kvlsm {

class KVLSM_EXPORT Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  virtual ~Iterator() = default;

  // True when positioned at an entry.
  virtual bool Valid() const = 0;

  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first entry with key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Positions at the last entry with key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  // REQUIRES: Valid().
  virtual void Prev() = 0;

  // REQUIRES: Valid(). The views stay valid until the iterator is moved or destroyed.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;

  virtual absl::Status status() const = 0;
};

// An iterator over nothing that reports `status` (OK for a plain empty iterator).
KVLSM_EXPORT std::unique_ptr<Iterator> NewErrorIterator(const absl::Status& status);

}  // namespace kvlsm

#endif  // KVLSM_ITERATOR_H_
