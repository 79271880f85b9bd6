// --perf_control=CTL_FIFO,ACK_FIFO: lets `perf record --control=fifo:CTL_FIFO,ACK_FIFO -D -1`
// sample only the measured workloads, not the loading and settling around them
// (scripts/run-benchmarks profiles kvlsm this way where it is behind).
#ifndef KVLSM_BENCH_KVLSM_BENCH_PERF_CONTROL_H_
#define KVLSM_BENCH_KVLSM_BENCH_PERF_CONTROL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace kvlsm::bench {

class PerfControl {
 public:
  // Opens the two FIFOs named by "CTL_FIFO,ACK_FIFO" (perf must have them open already, or
  // open them next: opening a FIFO waits for the other end). InvalidArgument for a
  // malformed spec, Unavailable naming the FIFO that cannot be opened.
  static absl::StatusOr<std::unique_ptr<PerfControl>> Open(const std::string& spec);

  ~PerfControl();
  PerfControl(const PerfControl&) = delete;
  PerfControl& operator=(const PerfControl&) = delete;

  // Sends "enable" / "disable" and waits for perf's acknowledgement.
  absl::Status Enable() { return Send("enable"); }
  absl::Status Disable() { return Send("disable"); }

 private:
  PerfControl(int ctl, int ack) : ctl_(ctl), ack_(ack) {}
  absl::Status Send(const std::string& command);

  const int ctl_;
  const int ack_;
};

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_PERF_CONTROL_H_
