// Between a Version and the compaction machinery: the CompactionPicture a policy reads,
// and, for a pick, the CompactionSpec a job runs.
//
// Thread safety: functions of their arguments; the caller holds the DB mutex while the
// Version's tables are being marked (being_compacted, running).
#ifndef KVLSM_COMPACTION_COMPACTION_SETUP_H_
#define KVLSM_COMPACTION_COMPACTION_SETUP_H_

#include <cstdint>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "compaction/compaction_job.h"
#include "manifest/version_set.h"
#include "kvlsm/compaction_policy.h"

namespace kvlsm {

// The tree of `version` as a policy sees it. Tables numbered in being_compacted are marked.
CompactionPicture MakeCompactionPicture(const Version& version, const Comparator* comparator,
                                        const std::set<uint64_t>& being_compacted,
                                        std::vector<RunningCompaction> running, uint64_t now);

// What a job needs to run `pick` (checked against a picture of `version`): its input
// tables by level, the grandparents, and the older tables that may still hold versions of
// its keys. InvalidArgument when the pick names a table `version` does not hold there.
absl::StatusOr<CompactionSpec> MakeCompactionSpec(const Version& version,
                                                  const CompactionPick& pick,
                                                  std::vector<SequenceNumber> snapshots);

// The running-compaction entry of a pick, for later pictures.
RunningCompaction DescribeRunning(const CompactionSpec& spec, const Comparator* comparator);

}  // namespace kvlsm

#endif  // KVLSM_COMPACTION_COMPACTION_SETUP_H_
