#include "cluster/skewed_clock.h"

#include <algorithm>
#include <cmath>

namespace kvlsm::cluster {

uint64_t SkewedClock::Read(uint64_t true_now) {
  const double computed = ComputedLocal(true_now);
  const uint64_t local = computed <= 0 ? 0 : static_cast<uint64_t>(computed);
  last_local_ = std::max(last_local_, local);
  return last_local_;
}

uint64_t SkewedClock::FirstTrueTimeReading(uint64_t true_now, double target) const {
  uint64_t at = true_now;
  if (ComputedLocal(at) < target) {
    const double wait = std::ceil((target - ComputedLocal(true_now)) / rate_);
    at = true_now + static_cast<uint64_t>(std::max(wait, 0.0));
    while (ComputedLocal(at) < target) at++;
  }
  return at;
}

}  // namespace kvlsm::cluster
