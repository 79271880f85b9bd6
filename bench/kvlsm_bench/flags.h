// The command line of kvlsm-bench.
//
// Every flag is --name=value (a boolean flag alone means true). ParseFlags checks each
// value and returns InvalidArgument naming the flag that is wrong.
#ifndef KVLSM_BENCH_KVLSM_BENCH_FLAGS_H_
#define KVLSM_BENCH_KVLSM_BENCH_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine.h"

namespace kvlsm::bench {

struct Flags {
  std::vector<std::string> engines;     // --engines: default every compiled-in engine
  std::vector<std::string> benchmarks;  // --benchmarks: default every workload, in order
  uint64_t num = 1'000'000;             // --num: records loaded or written
  uint64_t reads = 0;                   // --reads: operations of read and mixed workloads (0: num)
  size_t key_size = 16;                 // --key_size
  size_t value_size = 100;              // --value_size
  int threads = 1;      // --threads: client threads (readwhilewriting adds a writer)
  uint64_t seed = 301;  // --seed: keys, values and every random choice
  Compression compression = Compression::kNone;  // --compression=none|zstd
  bool sync = false;                             // --sync: fdatasync the WAL on every write
  size_t cache_mb = 32;                          // --cache_mb: block cache of each engine
  int bloom_bits = 10;                           // --bloom_bits: 0 disables the filters
  size_t write_buffer_mb = 64;                   // --write_buffer_mb
  std::string db_dir = "/tmp/kvlsm-bench";       // --db_dir: one fresh subdirectory per run
  bool reload = false;      // --reload: load the records for every workload, not once per engine
  int repeats = 1;          // --repeats: rounds of every engine per workload
  int settle_ms = 1000;     // --settle_ms: quiet time that counts as settled
  int settle_stall_s = 60;  // --settle_stall_s: busy, directory still
  int settle_timeout_s = 1800;  // --settle_timeout_s: give up waiting after this
  std::string json_path;        // --json=FILE
  std::string report_dir;       // --report=DIR: report.md, data and SVG plots
  std::string perf_control;     // --perf_control=CTL_FIFO,ACK_FIFO (perf_control.h)
  std::string command_line;     // the arguments, as given, for the report
  // --compaction=leveled|size-tiered: the tree shape every engine is asked to keep
  CompactionStyle compaction = CompactionStyle::kLeveled;

  uint64_t read_ops() const { return reads == 0 ? num : reads; }
};

// The text printed by --help.
std::string FlagsHelp();

// Parses argv[1..argc). The result has every list filled in (defaults expanded) and
// validated: unknown engines or workloads, or values out of range, are InvalidArgument
// naming the flag. --help is reported as a Cancelled status whose message is FlagsHelp().
absl::StatusOr<Flags> ParseFlags(int argc, const char* const* argv);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_FLAGS_H_
