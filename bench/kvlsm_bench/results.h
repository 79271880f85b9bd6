// What a kvlsm-bench run produced: one RunResult per workload, engine and round, the
// settings each engine ran with, and the machine. The table, the JSON file and the report
// are all made from this.
#ifndef KVLSM_BENCH_KVLSM_BENCH_RESULTS_H_
#define KVLSM_BENCH_KVLSM_BENCH_RESULTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine.h"
#include "flags.h"

namespace kvlsm::bench {

struct RunResult {
  std::string workload;
  std::string engine;
  int round = 0;
  uint64_t ops = 0;
  double seconds = 0;
  double ops_per_sec = 0;
  double mb_per_sec = 0;  // user bytes (key + value per entry) per second, MiB
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
  // Write amplification: bytes the process wrote to files from the start of the workload
  // to the end of the settling after it (write_bytes of /proc/self/io: page-cache bytes
  // dirtied, all headed for the device), over the user bytes (key + value) the workload
  // wrote. Absent for workloads that write nothing.
  uint64_t user_bytes_written = 0;
  uint64_t engine_bytes_written = 0;  // the numerator: write_bytes, or wchar (see source)
  std::optional<double> write_amp;
  std::string write_amp_source;  // "write_bytes", or "wchar" where the file system has no
                                 // device accounting (tmpfs)
  uint64_t wchar_bytes = 0;      // bytes passed to write(2) in the same interval
  uint64_t cancelled_bytes = 0;  // dirty bytes dropped before writeback (deleted files)
  // Space amplification: bytes in the DB directory after settling over live user bytes.
  uint64_t disk_bytes = 0;
  uint64_t live_bytes = 0;
  std::optional<double> space_amp;
  std::optional<uint64_t> peak_rss_bytes;  // VmHWM during the workload
  double load_seconds = 0;                 // loading the records before the workload (not measured)
  double settle_seconds = 0;               // settling after the workload (not in ops/s)
  bool settled = true;                     // false: a settle ended on a limit (settle.h)
  std::string settle_note;                 // which limit, when, why
  std::string note;
};

struct EngineRecord {
  std::string name;
  EngineSettings settings;
};

struct MachineInfo {
  std::string cpu;
  int cores = 0;
  uint64_t memory_bytes = 0;
  std::string kernel;
  std::string filesystem;  // of --db_dir
  std::string date;        // UTC, ISO 8601
};

struct BenchmarkResults {
  Flags flags;
  MachineInfo machine;
  std::vector<EngineRecord> engines;  // in --engines order
  std::vector<RunResult> runs;        // in the order they ran

  // The run of (workload, engine) with the median ops/s over the rounds, or nullptr.
  const RunResult* Median(const std::string& workload, const std::string& engine) const;
};

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_RESULTS_H_
