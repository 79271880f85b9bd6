#include "zipfian.h"

#include <algorithm>
#include <cmath>

namespace kvlsm::bench {
namespace {

double Zeta(uint64_t n, double theta) {
  double sum = 0;
  for (uint64_t i = 1; i <= n; ++i) sum += 1.0 / std::pow(static_cast<double>(i), theta);
  return sum;
}

}  // namespace

Zipfian::Zipfian(uint64_t n, uint64_t seed, double theta)
    : n_(n), theta_(theta), scatter_(n, seed) {
  zeta_n_ = Zeta(n, theta);
  const double zeta_2 = Zeta(2, theta);
  alpha_ = 1.0 / (1.0 - theta);
  eta_ = (1.0 - std::pow(2.0 / static_cast<double>(n), 1.0 - theta)) / (1.0 - zeta_2 / zeta_n_);
  half_pow_theta_ = 1.0 + std::pow(0.5, theta);
}

uint64_t Zipfian::NextRank(Random* rnd) const {
  // A uniform double in [0, 1) from the top 53 bits.
  const double u = static_cast<double>(rnd->Next() >> 11) * 0x1.0p-53;
  const double uz = u * zeta_n_;
  if (uz < 1.0) return 0;
  if (uz < half_pow_theta_) return std::min<uint64_t>(1, n_ - 1);
  const auto rank =
      static_cast<uint64_t>(static_cast<double>(n_) * std::pow(eta_ * u - eta_ + 1.0, alpha_));
  return std::min(rank, n_ - 1);
}

}  // namespace kvlsm::bench
