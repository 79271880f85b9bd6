// RateLimiter: holds writers to a byte rate (Options::compaction_rate_limit).
//
// Each Request(n) reserves the next n bytes of a shared schedule that advances at
// bytes_per_second and sleeps until the reservation starts, so that concurrent callers
// together stay at the rate. Idle time is not saved up: after a pause the schedule
// restarts at the present.
//
// Thread safety: every method may be called concurrently.
#ifndef KVLSM_UTIL_RATE_LIMITER_H_
#define KVLSM_UTIL_RATE_LIMITER_H_

#include <algorithm>
#include <cstdint>

#include "kvlsm/env.h"
#include "util/mutex.h"

namespace kvlsm {

class RateLimiter {
 public:
  // REQUIRES: bytes_per_second > 0.
  RateLimiter(Env* env, uint64_t bytes_per_second) : env_(env), rate_(bytes_per_second) {}

  // Blocks until `bytes` more may be written.
  void Request(uint64_t bytes) {
    int64_t wait;
    {
      MutexLock l(&mu_);
      const uint64_t now = env_->NowMicros();
      next_free_ = std::max(next_free_, now);
      wait = static_cast<int64_t>(next_free_ - now);
      next_free_ += bytes * 1'000'000 / rate_;
    }
    if (wait > 0) env_->SleepForMicroseconds(wait);
  }

 private:
  Env* const env_;
  const uint64_t rate_;
  Mutex mu_;
  uint64_t next_free_ ABSL_GUARDED_BY(mu_) = 0;  // Microseconds: when the next reservation starts.
};

}  // namespace kvlsm

#endif  // KVLSM_UTIL_RATE_LIMITER_H_
