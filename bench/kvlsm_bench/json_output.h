// --json: every run of a kvlsm-bench invocation, with the flags, the machine and each
// engine's settings, as one JSON document:
//
//   {"flags": {...}, "machine": {...}, "engines": [{"name", "settings": {...}}],
//    "runs": [{"workload", "engine", "round", "ops", "seconds", "ops_per_sec",
//              "mb_per_sec", "latency_us": {"p50", "p99", "p99.9", "max"},
//              "user_bytes_written", "engine_bytes_written", "write_amp",
//              "write_amp_source", "disk_bytes", "live_bytes", "space_amp",
//              "peak_rss_bytes", "load_seconds", "settle_seconds", "settled", "settle_note", "note"}]}
//
// Quantities that do not apply (write amp of a read-only workload) are null.
#ifndef KVLSM_BENCH_KVLSM_BENCH_JSON_OUTPUT_H_
#define KVLSM_BENCH_KVLSM_BENCH_JSON_OUTPUT_H_

#include <string>

#include "results.h"

namespace kvlsm::bench {

std::string ResultsJson(const BenchmarkResults& results);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_JSON_OUTPUT_H_
