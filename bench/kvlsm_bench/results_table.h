// The results as a table, one row per workload and engine (the median round), and the
// settings table, each rendered as aligned text (stdout) or as Markdown (the report).
#ifndef KVLSM_BENCH_KVLSM_BENCH_RESULTS_TABLE_H_
#define KVLSM_BENCH_KVLSM_BENCH_RESULTS_TABLE_H_

#include <string>
#include <vector>

#include "results.h"
#include "targets.h"

namespace kvlsm::bench {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;  // printed under the table
  std::vector<bool> numeric;       // per column: numbers, aligned right (missing: text)

  bool IsNumeric(size_t column) const { return column < numeric.size() && numeric[column]; }
};

// Columns: workload, engine, ops/s, MB/s, p50/p99/p99.9 latency (us), write amp, space
// amp, peak RSS (MiB), and kvlsm/peer: kvlsm's ops/s over this engine's (above 1: kvlsm
// is faster).
Table ResultsTable(const BenchmarkResults& results);
// One row per setting, one column per engine.
Table SettingsTable(const BenchmarkResults& results);
// One row per workload: kvlsm against each goal of targets.h, and what it misses.
Table TargetsTable(const std::vector<TargetCheck>& checks);

std::string RenderText(const Table& table);
std::string RenderMarkdown(const Table& table);

// 1234567.8 -> "1,234,568".
std::string WithThousands(double value);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_RESULTS_TABLE_H_
