// The run loop of kvlsm-bench. For each workload, for each round, each engine in turn
// (A B C A B C ...):
//
//   1. a fresh DB directory <db_dir>/<engine>; when the workload needs the records, the
//      files of a DB loaded with them (LoadRecords) and settled once per engine, kept in
//      <db_dir>/<engine>.loaded for the whole run, are copied into it (--reload: the
//      records are loaded afresh instead, after step 2; neither is measured);
//   2. the engine opened on it;
//   3. settled (settle.h), the process's write counters read and its peak RSS reset;
//   4. the workload, timed;
//   5. settled again, so that the flushes and compactions the workload caused are counted
//      in its write amplification (their time is reported, not in ops/s);
//   6. write and space amplification computed, the engine closed and its directory removed.
//
// Nothing is printed to stdout or to a file while a workload runs (those writes would
// count in the write counters); progress goes to `progress` between phases.
#ifndef KVLSM_BENCH_KVLSM_BENCH_RUNNER_H_
#define KVLSM_BENCH_KVLSM_BENCH_RUNNER_H_

#include <ostream>

#include "absl/status/statusor.h"
#include "flags.h"
#include "results.h"

namespace kvlsm::bench {

// Stops at the first error (a failed engine call, a wrong value, a settle that cannot
// reopen the engine) and returns it, naming the workload and engine.
absl::StatusOr<BenchmarkResults> RunBenchmarks(const Flags& flags, std::ostream& progress);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_RUNNER_H_
