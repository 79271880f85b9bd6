// The keys and values kvlsm-bench writes, and the checks its reads make.
//
// Record i has the key "2i" in decimal, zero-padded to key_size bytes, so keys sort in
// record order; "2i+1" is a key that is never written and falls between two written ones
// (a read of it must go through the filters, not only a key-range check).
//
// A value is derived from (seed, record, generation): a 4-byte little-endian generation
// number, then payload bytes of which the first half is pseudo-random and the second half
// repeats it (about 50% compressible, like db_bench's default). A read can thus check the
// value byte for byte without remembering what was written: it recomputes the value of the
// generation the value claims, and that generation must be one the run wrote.
//
// Thread safety: const methods are safe to call concurrently.
#ifndef KVLSM_BENCH_KVLSM_BENCH_KEY_VALUE_FORMAT_H_
#define KVLSM_BENCH_KVLSM_BENCH_KEY_VALUE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace kvlsm::bench {

class KeyValueFormat {
 public:
  static constexpr size_t kMinValueSize = 8;
  static constexpr size_t kMaxKeySize = 1024;
  static constexpr size_t kMaxValueSize = size_t{1} << 24;

  // InvalidArgument naming the flag when key_size cannot hold the key of record
  // max_records - 1 (or its missing neighbour), or value_size is out of
  // [kMinValueSize, kMaxValueSize].
  static absl::Status Validate(size_t key_size, size_t value_size, uint64_t max_records);

  // REQUIRES: Validate(key_size, value_size, ...) is OK.
  KeyValueFormat(size_t key_size, size_t value_size, uint64_t seed)
      : key_size_(key_size), value_size_(value_size), seed_(seed) {}

  size_t key_size() const { return key_size_; }
  size_t value_size() const { return value_size_; }
  size_t entry_size() const { return key_size_ + value_size_; }

  // The key of record `index` into *dst.
  void Key(uint64_t index, std::string* dst) const { Digits(2 * index, dst); }
  // A key between Key(index) and Key(index + 1) that is never written.
  void MissingKey(uint64_t index, std::string* dst) const { Digits(2 * index + 1, dst); }
  // The record whose Key() is `key`; false for any other string (a missing key included).
  bool ParseKey(std::string_view key, uint64_t* index) const;

  // The value of record `index` at `generation` into *dst.
  void Value(uint64_t index, uint32_t generation, std::string* dst) const;
  // OK when `value` is Value(index, g) for some g <= max_generation; otherwise DataLoss
  // saying what differs (size, generation, or the first wrong byte) for `key`.
  absl::Status CheckValue(uint64_t index, std::string_view key, std::string_view value,
                          uint32_t max_generation) const;

 private:
  void Digits(uint64_t number, std::string* dst) const;

  const size_t key_size_;
  const size_t value_size_;
  const uint64_t seed_;
};

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_KEY_VALUE_FORMAT_H_
