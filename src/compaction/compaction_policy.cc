// The defaults of CompactionPolicy (kvlsm/compaction_policy.h).
#include "kvlsm/compaction_policy.h"

namespace kvlsm {

std::vector<double> CompactionPolicy::LevelScores(const CompactionPicture& picture) const {
  return {};
}

}  // namespace kvlsm
