// A seeded pseudo-random permutation of [0, n) computed on the fly: At(i) for i in [0, n)
// visits every number of [0, n) exactly once, in an order fixed by the seed, in O(1)
// memory. kvlsm-bench uses it to write every key once in random order (fillrandom) and to
// scatter the hot ranks of a zipfian distribution over the key space.
//
// It is a 4-round Feistel network over the smallest even number of bits covering n, with
// cycle walking: values that land at or beyond n are permuted again until they fall
// inside (fewer than 4 rounds of walking on average, since the domain is < 4n).
//
// Thread safety: immutable after construction.
#ifndef KVLSM_BENCH_KVLSM_BENCH_PERMUTATION_H_
#define KVLSM_BENCH_KVLSM_BENCH_PERMUTATION_H_

#include <array>
#include <cstdint>

namespace kvlsm::bench {

class Permutation {
 public:
  // REQUIRES: 0 < n < 2^62.
  Permutation(uint64_t n, uint64_t seed);

  uint64_t size() const { return n_; }
  // REQUIRES: i < size().
  uint64_t At(uint64_t i) const;

 private:
  uint64_t Encrypt(uint64_t x) const;

  uint64_t n_;
  int half_bits_;
  uint64_t half_mask_;
  std::array<uint64_t, 4> round_keys_;
};

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_PERMUTATION_H_
