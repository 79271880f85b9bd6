// kvlsm/cluster/clock.h: time and timers for the distribution module.
//
// Nothing in kvlsm::cluster reads the system clock or sleeps: every timeout, heartbeat and
// periodic task goes through a Clock that the application supplies. A real deployment
// wraps its event loop (for example an Asio io_context); the simulated cluster
// (kvlsm/cluster/sim_network.h) drives a virtual clock, so a whole cluster runs deterministically
// in one thread.
//
// Thread safety: the module calls a Clock only from the thread (or strand) that calls
// into the Node that owns it; an implementation need not be thread-safe beyond that.
#ifndef KVLSM_CLUSTER_CLOCK_H_
#define KVLSM_CLUSTER_CLOCK_H_

#include <cstdint>
#include <functional>

#include "kvlsm/export.h"

namespace kvlsm::cluster {

class KVLSM_EXPORT Clock {
 public:
  using TimerId = uint64_t;

  virtual ~Clock() = default;

  // Microseconds since an arbitrary epoch; never decreases.
  virtual uint64_t NowMicros() = 0;

  // Runs `callback` once, on the Node's thread, no sooner than `delay_micros` from now.
  // Returns an id for Cancel; never 0.
  virtual TimerId Schedule(uint64_t delay_micros, std::function<void()> callback) = 0;

  // Cancels a timer that has not fired yet; a fired or unknown id is ignored.
  virtual void Cancel(TimerId id) = 0;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_CLOCK_H_
