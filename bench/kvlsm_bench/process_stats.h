// What the operating system says this process did: bytes written (/proc/self/io), peak
// resident memory (/proc/self/status, reset through /proc/self/clear_refs), and bytes a
// DB directory holds. Linux only; each reader returns an error naming the file it could
// not use.
#ifndef KVLSM_BENCH_KVLSM_BENCH_PROCESS_STATS_H_
#define KVLSM_BENCH_KVLSM_BENCH_PROCESS_STATS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace kvlsm::bench {

// From /proc/self/io, for every thread of the process.
struct IoCounters {
  uint64_t wchar = 0;                  // bytes passed to write(2) and friends
  uint64_t write_bytes = 0;            // bytes of page cache dirtied: headed for the device
  uint64_t cancelled_write_bytes = 0;  // dirty bytes dropped (file truncated or deleted)
};
absl::StatusOr<IoCounters> ReadIoCounters();

// Makes the peak resident set size (VmHWM) start again from the current size.
absl::Status ResetPeakRss();
// VmHWM, in bytes: the peak since the process started or the last ResetPeakRss.
absl::StatusOr<uint64_t> PeakRssBytes();

// The sum of the sizes of the regular files under `dir`.
absl::StatusOr<uint64_t> DirectoryBytes(const std::string& dir);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_PROCESS_STATS_H_
