// --report=DIR: a Markdown report of a kvlsm-bench run with SVG plots. (Not to be confused
// with the tools' common/field_output.h, which prints a command's fields as text or JSON.)
//
// DIR receives report.md (machine, settings, results, kvlsm against its goals, method),
// results.json (as --json), behind.txt (the workloads where kvlsm misses a throughput
// goal), throughput.dat and latency.dat (one row per workload, columns per engine),
// plots.gp, and the plots gnuplot makes from them: throughput.svg (ops/s per workload and engine)
// and latency.svg (p50, p99 and p99.9 per workload and engine).
#ifndef KVLSM_BENCH_KVLSM_BENCH_MARKDOWN_REPORT_H_
#define KVLSM_BENCH_KVLSM_BENCH_MARKDOWN_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "results.h"

namespace kvlsm::bench {

// Writes everything, then runs gnuplot in DIR. FailedPrecondition when gnuplot is missing
// or fails (the report and the plot inputs are written anyway, and the report says the
// plots are missing); Unavailable when DIR or a file in it cannot be written.
absl::Status WriteMarkdownReport(const std::string& dir, const BenchmarkResults& results);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_MARKDOWN_REPORT_H_
