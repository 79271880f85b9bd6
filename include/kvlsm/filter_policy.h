// kvlsm/filter_policy.h: per-table filters that let a point lookup skip a table that
// cannot hold the key.
//
// A FilterPolicy makes a FilterBuilder per table (fed every user key of the table, then
// asked for the filter's bytes) and a FilterReader per loaded filter (asked whether a key
// may be in the set). A filter may say "maybe" for a key that is absent (a false
// positive), never "no" for a key that is present.
//
// Thread safety: a FilterPolicy and its FilterReaders are safe for concurrent use; a
// FilterBuilder belongs to one thread.
//
// Name() is persisted in each table; a table whose filter was built by a policy of
// another name refuses to open (its filter bytes would be misread).
#ifndef KVLSM_FILTER_POLICY_H_
#define KVLSM_FILTER_POLICY_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "kvlsm/export.h"

namespace kvlsm {

class KVLSM_EXPORT FilterBuilder {
 public:
  virtual ~FilterBuilder() = default;
  // Adds a key; keys arrive in the table's order and may repeat.
  virtual void AddKey(std::string_view key) = 0;
  // Appends the filter for every key added so far to *dst.
  virtual void Finish(std::string* dst) = 0;
};

class KVLSM_EXPORT FilterReader {
 public:
  virtual ~FilterReader() = default;
  // False only when the key was certainly not added.
  virtual bool KeyMayMatch(std::string_view key) const = 0;
  // Bytes of memory the reader holds (the filter itself included when it copied it).
  virtual size_t ApproximateMemoryUsage() const = 0;
};

class KVLSM_EXPORT FilterPolicy {
 public:
  virtual ~FilterPolicy() = default;

  // A stable name, e.g. "kvlsm.BlockedBloom". Persisted; see above.
  virtual const char* Name() const = 0;

  virtual std::unique_ptr<FilterBuilder> NewBuilder() const = 0;

  // Parses a filter made by this policy's builders. `filter` must stay valid and
  // unchanged while the reader lives (the reader may point into it). DataLoss when the
  // bytes are not a well-formed filter of this policy.
  virtual absl::StatusOr<std::unique_ptr<FilterReader>> NewReader(
      std::string_view filter) const = 0;
};

// A cache-local ("blocked") Bloom filter: every key's probes fall in one 64-byte cache
// line. bits_per_key trades memory for false positives: 10 bits give about 1% on a
// large table. Meaningful values are 1..100: smaller ones (and -inf) act as 1, larger
// ones as 100, NaN as 10. bits_per_key is not persisted; a filter reads back with any
// instance of this policy.
KVLSM_EXPORT std::shared_ptr<const FilterPolicy> NewBloomFilterPolicy(double bits_per_key = 10);

}  // namespace kvlsm

#endif  // KVLSM_FILTER_POLICY_H_
