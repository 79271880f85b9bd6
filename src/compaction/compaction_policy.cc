// The defaults of CompactionPolicy (kvlsm/compaction_policy.h).
#include "kvlsm/compaction_policy.h"

namespace kvlsm {

std::vector<double> CompactionPolicy::LevelScores(const CompactionPicture& picture) const {
  return {};
}

std::optional<uint64_t> CompactionPolicy::ManualCompactionFileSize() const {
  return uint64_t{64} << 20;
}

}  // namespace kvlsm
