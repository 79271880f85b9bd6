#include "db/write_pressure.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace kvlsm {

WritePressure WritePressure::Compute(const Options& options, int level0_files,
                                     uint64_t pending_bytes, bool compaction_can_help) {
  WritePressure p;
  if (!compaction_can_help) return p;
  const int l0_slow = options.level0_slowdown_writes_trigger;
  const int l0_stop = options.level0_stop_writes_trigger;
  const uint64_t soft = options.soft_pending_compaction_bytes;
  const uint64_t hard = options.hard_pending_compaction_bytes;
  if (level0_files >= l0_stop) {
    p.stopped = true;
    p.cause = absl::StrFormat("%d level-0 tables (stop at %d)", level0_files, l0_stop);
    return p;
  }
  if (hard > 0 && pending_bytes >= hard) {
    p.stopped = true;
    p.cause = absl::StrFormat("%d bytes of pending compaction (stop at %d)", pending_bytes, hard);
    return p;
  }
  // How far into the slowdown zone each measure is, in [0, 1).
  double depth = -1;
  if (level0_files >= l0_slow) {
    depth = static_cast<double>(level0_files - l0_slow) / (l0_stop - l0_slow);
    p.cause = absl::StrFormat("%d level-0 tables (slowdown from %d)", level0_files, l0_slow);
  }
  if (soft > 0 && pending_bytes >= soft) {
    const double upper = hard > soft ? static_cast<double>(hard - soft) : static_cast<double>(soft);
    const double d = std::min(static_cast<double>(pending_bytes - soft) / upper, 1.0);
    if (d > depth) {
      depth = d;
      p.cause =
          absl::StrFormat("%d bytes of pending compaction (slowdown from %d)", pending_bytes, soft);
    }
  }
  if (depth < 0) return p;
  const double rate = static_cast<double>(options.delayed_write_rate);
  p.delayed_rate = static_cast<uint64_t>(std::max(rate * (1.0 - depth * 15.0 / 16.0), rate / 16));
  return p;
}

uint64_t WritePressure::DelayMicros(uint64_t bytes) const {
  if (delayed_rate == 0) return 0;
  return bytes * 1'000'000 / delayed_rate;
}

}  // namespace kvlsm
