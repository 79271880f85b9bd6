// net_cluster: a kvlsm Clock on an Asio io_context.
//
// Time is std::chrono::steady_clock since construction; each timer is an
// asio::steady_timer whose handler runs on the io_context's thread, the thread that runs
// the Node (kvlsm/cluster/clock.h).
//
// Thread safety: use from the io_context's thread only.
#ifndef KVLSM_EXAMPLES_NET_CLUSTER_ASIO_CLOCK_H_
#define KVLSM_EXAMPLES_NET_CLUSTER_ASIO_CLOCK_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include <asio.hpp>

#include "kvlsm/cluster/clock.h"

namespace net_cluster {

class AsioClock final : public kvlsm::cluster::Clock {
 public:
  explicit AsioClock(asio::io_context& io) : io_(io), start_(std::chrono::steady_clock::now()) {}
  ~AsioClock() override {
    for (auto& [id, timer] : timers_) timer->cancel();
  }

  uint64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 start_)
        .count();
  }

  TimerId Schedule(uint64_t delay_micros, std::function<void()> callback) override {
    const TimerId id = next_id_++;
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::microseconds(delay_micros));
    timers_[id] = timer;
    timer->async_wait([this, id, timer, callback = std::move(callback)](const asio::error_code& ec) {
      if (ec) return;  // cancelled
      timers_.erase(id);
      callback();
    });
    return id;
  }

  void Cancel(TimerId id) override {
    auto it = timers_.find(id);
    if (it == timers_.end()) return;
    it->second->cancel();
    timers_.erase(it);
  }

 private:
  asio::io_context& io_;
  const std::chrono::steady_clock::time_point start_;
  TimerId next_id_ = 1;
  std::map<TimerId, std::shared_ptr<asio::steady_timer>> timers_;
};

}  // namespace net_cluster

#endif  // KVLSM_EXAMPLES_NET_CLUSTER_ASIO_CLOCK_H_
