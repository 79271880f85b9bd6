// Zipfian-distributed record numbers, as YCSB draws them (Gray et al., "Quickly
// generating billion-record synthetic databases", SIGMOD 1994): rank r in [0, n) is drawn
// with probability proportional to 1 / (r + 1)^theta, theta = 0.99 by default. Like
// YCSB's ScrambledZipfianGenerator, the ranks are then scattered over the key space (here
// by a Permutation, which keeps the distribution exact), so the hot records are not
// neighbours.
//
// Construction costs O(n) (the zeta constant); Next is O(1).
//
// Thread safety: immutable after construction; each thread passes its own Random.
#ifndef KVLSM_BENCH_KVLSM_BENCH_ZIPFIAN_H_
#define KVLSM_BENCH_KVLSM_BENCH_ZIPFIAN_H_

#include <cstdint>

#include "permutation.h"
#include "util/random.h"

namespace kvlsm::bench {

class Zipfian {
 public:
  static constexpr double kYcsbTheta = 0.99;

  // REQUIRES: n > 0, 0 < theta < 1.
  Zipfian(uint64_t n, uint64_t seed, double theta = kYcsbTheta);

  // The rank drawn, before scattering: 0 is the most frequent.
  uint64_t NextRank(Random* rnd) const;
  // A record number in [0, n): NextRank scattered by the permutation.
  uint64_t Next(Random* rnd) const { return scatter_.At(NextRank(rnd)); }

 private:
  uint64_t n_;
  double theta_;
  double alpha_;
  double zeta_n_;
  double eta_;
  double half_pow_theta_;  // 1 + 0.5^theta: the threshold between rank 0 and rank 1.
  Permutation scatter_;
};

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_ZIPFIAN_H_
