// Internal: a simulated node's local time, a function of the network's true (virtual)
// time with its own offset and drift:
//     local = anchor_local + (true time - anchor_true) * rate,
// read so that it never decreases, even when the skew changes (a clock set back stalls
// until the formula catches up instead of running backwards).
//
// Thread safety: a plain value; SimNetwork owns one per node and uses it on its thread.
#ifndef KVLSM_CLUSTER_SKEWED_CLOCK_H_
#define KVLSM_CLUSTER_SKEWED_CLOCK_H_

#include <cstdint>

namespace kvlsm::cluster {

class SkewedClock {
 public:
  // From true time `true_now` on, the formula reads local_now there and runs at `rate`
  // local microseconds per true one. Earlier readings still bound later ones.
  // REQUIRES: rate > 0.
  void Reset(uint64_t true_now, double local_now, double rate) {
    anchor_true_ = true_now;
    anchor_local_ = local_now;
    rate_ = rate;
  }

  // The formula at `true_time` (not clamped). REQUIRES: true_time >= the last Reset's.
  double ComputedLocal(uint64_t true_time) const {
    return anchor_local_ + static_cast<double>(true_time - anchor_true_) * rate_;
  }

  // The local time at true time `true_now`, never below an earlier reading (nor 0).
  uint64_t Read(uint64_t true_now);

  // The first true time, not before true_now, at which the formula reads at least
  // `target`.
  uint64_t FirstTrueTimeReading(uint64_t true_now, double target) const;

 private:
  uint64_t anchor_true_ = 0;
  double anchor_local_ = 0;
  double rate_ = 1.0;
  uint64_t last_local_ = 0;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_SKEWED_CLOCK_H_
