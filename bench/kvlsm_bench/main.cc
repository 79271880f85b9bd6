// kvlsm-bench: the same workloads on kvlsm and its peers (RocksDB, LevelDB), in one run,
// with comparable settings. See docs/benchmarks.md and --help.
#include <iostream>

#include "absl/strings/str_format.h"
#include "flags.h"
#include "json_output.h"
#include "markdown_report.h"
#include "results_table.h"
#include "runner.h"
#include "targets.h"
#include "text_file.h"

int main(int argc, char** argv) {
  using namespace kvlsm::bench;
  absl::StatusOr<Flags> flags = ParseFlags(argc, argv);
  if (absl::IsCancelled(flags.status())) {
    std::cout << flags.status().message();
    return 0;
  }
  if (!flags.ok()) {
    std::cerr << "kvlsm-bench: " << flags.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<BenchmarkResults> results = RunBenchmarks(*flags, std::cerr);
  if (!results.ok()) {
    std::cerr << "kvlsm-bench: " << results.status() << "\n";
    return 1;
  }
  std::cout << "\nSettings in force\n\n"
            << RenderText(SettingsTable(*results)) << "\nResults (" << flags->num
            << " records; kvlsm/peer: kvlsm's ops/s over the peer's)\n\n"
            << RenderText(ResultsTable(*results));
  const std::vector<TargetCheck> checks = CheckTargets(*results);
  if (results->engines.size() > 1 && !checks.empty()) {
    std::cout << "\nkvlsm against the goals\n\n" << RenderText(TargetsTable(checks));
  }
  std::cout << std::flush;
  int exit_code = 0;
  if (!flags->json_path.empty()) {
    absl::Status s = WriteTextFile(flags->json_path, ResultsJson(*results));
    if (!s.ok()) {
      std::cerr << "kvlsm-bench: " << s << "\n";
      exit_code = 1;
    }
  }
  if (!flags->report_dir.empty()) {
    absl::Status s = WriteMarkdownReport(flags->report_dir, *results);
    if (!s.ok()) {
      std::cerr << "kvlsm-bench: " << s << "\n";
      exit_code = 1;
    }
  }
  return exit_code;
}
