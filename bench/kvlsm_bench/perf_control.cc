#include "perf_control.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"

namespace kvlsm::bench {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrFormat("%s: %s", what, std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PerfControl>> PerfControl::Open(const std::string& spec) {
  const size_t comma = spec.find(',');
  if (comma == std::string::npos || comma == 0 || comma + 1 == spec.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--perf_control=%s: expected CTL_FIFO,ACK_FIFO", spec));
  }
  const std::string ctl_path = spec.substr(0, comma);
  const std::string ack_path = spec.substr(comma + 1);
  const int ctl = ::open(ctl_path.c_str(), O_WRONLY | O_CLOEXEC);
  if (ctl < 0) return Errno("cannot open perf control FIFO " + ctl_path);
  const int ack = ::open(ack_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ack < 0) {
    absl::Status s = Errno("cannot open perf acknowledgement FIFO " + ack_path);
    ::close(ctl);
    return s;
  }
  return std::unique_ptr<PerfControl>(new PerfControl(ctl, ack));
}

PerfControl::~PerfControl() {
  ::close(ctl_);
  ::close(ack_);
}

absl::Status PerfControl::Send(const std::string& command) {
  const std::string line = command + "\n";
  if (::write(ctl_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    return Errno("writing \"" + command + "\" to perf");
  }
  // perf answers "ack\n" and a NUL, which may arrive in pieces (and a NUL left over from
  // the previous answer may come first).
  std::string reply;
  while (reply.find('\n') == std::string::npos) {
    char buffer[16];
    const ssize_t r = ::read(ack_, buffer, sizeof(buffer));
    if (r <= 0) return Errno("waiting for perf to acknowledge \"" + command + "\"");
    reply.append(buffer, static_cast<size_t>(r));
  }
  return absl::OkStatus();
}

}  // namespace kvlsm::bench
