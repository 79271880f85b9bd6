#include "permutation.h"

#include <bit>

#include "util/random.h"

namespace kvlsm::bench {
namespace {

uint64_t Mix(uint64_t x, uint64_t key) {
  x ^= key;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 29;
  return x;
}

}  // namespace

Permutation::Permutation(uint64_t n, uint64_t seed) : n_(n) {
  const int bits = n <= 1 ? 2 : std::bit_width(n - 1);
  half_bits_ = (bits + 1) / 2;
  half_mask_ = (uint64_t{1} << half_bits_) - 1;
  Random rnd(seed);
  for (uint64_t& key : round_keys_) key = rnd.Next();
}

uint64_t Permutation::Encrypt(uint64_t x) const {
  uint64_t left = x >> half_bits_;
  uint64_t right = x & half_mask_;
  for (uint64_t key : round_keys_) {
    const uint64_t next = left ^ (Mix(right, key) & half_mask_);
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

uint64_t Permutation::At(uint64_t i) const {
  uint64_t x = Encrypt(i);
  while (x >= n_) x = Encrypt(x);
  return x;
}

}  // namespace kvlsm::bench
