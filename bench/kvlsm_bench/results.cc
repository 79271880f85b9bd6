#include "results.h"

#include <algorithm>

namespace kvlsm::bench {

const RunResult* BenchmarkResults::Median(const std::string& workload,
                                          const std::string& engine) const {
  std::vector<const RunResult*> rounds;
  for (const RunResult& run : runs) {
    if (run.workload == workload && run.engine == engine) rounds.push_back(&run);
  }
  if (rounds.empty()) return nullptr;
  std::sort(rounds.begin(), rounds.end(),
            [](const RunResult* a, const RunResult* b) { return a->ops_per_sec < b->ops_per_sec; });
  return rounds[(rounds.size() - 1) / 2];
}

}  // namespace kvlsm::bench
