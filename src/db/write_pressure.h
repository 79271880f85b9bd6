// WritePressure: how much a write must slow down while compaction is behind.
//
// From the level-0 table count and the policy's pending compaction bytes, against the
// triggers in Options (see options.h): normal, delayed (each write group waits for its
// bytes at a rate that falls linearly from delayed_write_rate at the slowdown threshold to
// 1/16 of it at the stop threshold), or stopped.
//
// Thread safety: a plain value.
#ifndef KVLSM_DB_WRITE_PRESSURE_H_
#define KVLSM_DB_WRITE_PRESSURE_H_

#include <cstdint>
#include <string>

#include "kvlsm/options.h"

namespace kvlsm {

struct WritePressure {
  bool stopped = false;
  uint64_t delayed_rate = 0;  // Bytes per second while delayed; 0: no delay.
  std::string cause;          // For the info log, e.g. "22 level-0 tables".

  // `compaction_can_help`: a compaction is running or the policy has one to run; without
  // it, writes are never held back (nothing would release them).
  static WritePressure Compute(const Options& options, int level0_files, uint64_t pending_bytes,
                               bool compaction_can_help);

  // Microseconds a write group of `bytes` waits. 0 when not delayed.
  uint64_t DelayMicros(uint64_t bytes) const;
};

}  // namespace kvlsm

#endif  // KVLSM_DB_WRITE_PRESSURE_H_
