// RateLimiter on a virtual clock: requests are spaced at the rate, and idle time is not
// saved up.
#include "util/rate_limiter.h"

#include <memory>

#include <gtest/gtest.h>

#include "kvlsm/fault_injection_env.h"

namespace kvlsm {
namespace {

// Time moves only when someone sleeps.
class VirtualClockEnv final : public FaultInjectionEnv {
 public:
  explicit VirtualClockEnv(Env* base) : FaultInjectionEnv(base) {}
  uint64_t NowMicros() override { return now_; }
  void SleepForMicroseconds(int64_t micros) override {
    slept_ += static_cast<uint64_t>(micros);
    now_ += static_cast<uint64_t>(micros);
  }
  void Advance(uint64_t micros) { now_ += micros; }
  uint64_t slept() const { return slept_; }

 private:
  uint64_t now_ = 1'000'000;
  uint64_t slept_ = 0;
};

TEST(RateLimiterTest, SpacesRequestsAtTheRate) {
  std::unique_ptr<Env> base = NewMemEnv();
  VirtualClockEnv env(base.get());
  RateLimiter limiter(&env, 1'000'000);  // 1 MB/s: 1 µs per byte.
  limiter.Request(500'000);              // Starts at once.
  EXPECT_EQ(env.slept(), 0u);
  limiter.Request(500'000);  // Waits for the first half second.
  EXPECT_EQ(env.slept(), 500'000u);
  limiter.Request(1);
  EXPECT_EQ(env.slept(), 1'000'000u);  // 1 MB took (at least) 1 s.
}

TEST(RateLimiterTest, IdleTimeIsNotSavedUp) {
  std::unique_ptr<Env> base = NewMemEnv();
  VirtualClockEnv env(base.get());
  RateLimiter limiter(&env, 1'000'000);
  limiter.Request(100);
  env.Advance(10'000'000);  // Ten idle seconds.
  limiter.Request(2'000'000);
  limiter.Request(1);
  EXPECT_EQ(env.slept(), 2'000'000u);  // The burst still runs at the rate.
}

}  // namespace
}  // namespace kvlsm
