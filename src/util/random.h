// A small, fast, seedable pseudo-random generator (SplitMix64) for tests, benchmarks and
// skiplist heights. Not for anything that needs unpredictability.
#ifndef KVLSM_UTIL_RANDOM_H_
#define KVLSM_UTIL_RANDOM_H_

#include <cstdint>

namespace kvlsm {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n) { return Next() % n; }
  // True with probability 1/n. REQUIRES: n > 0.
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }

 private:
  uint64_t state_;
};

}  // namespace kvlsm

#endif  // KVLSM_UTIL_RANDOM_H_
