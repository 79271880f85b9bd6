// The compactions DB::CompactRange runs, one step at a time.
//
// CompactRange(begin, end) pushes every version of the keys in [begin, end] down to the
// deepest level that holds data, rewriting them on the way so that shadowed versions and
// tombstones are dropped. It walks the levels that hold data, shallowest first: each step
// merges the tables of one level overlapping the range (widened until the pick follows the
// rules of kvlsm/compaction_policy.h) with the overlapping tables of the next level that
// holds data. The deepest level is then rewritten in place, unless the last step already
// wrote it; a tree with level 0 only (size-tiered) merges its overlapping runs into one.
//
// Thread safety: stateless functions of their arguments.
#ifndef KVLSM_COMPACTION_MANUAL_COMPACTION_H_
#define KVLSM_COMPACTION_MANUAL_COMPACTION_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "kvlsm/compaction_policy.h"

namespace kvlsm {

struct ManualCompactionRange {
  std::optional<std::string_view> begin;  // Unbounded when empty.
  std::optional<std::string_view> end;
};

// The step of CompactRange that starts at `level`: nullopt when the level holds no table
// overlapping the range, or when the step has nothing to do (the deepest level, already
// rewritten by the step above: `bottom_rewritten`). target_file_size goes into the pick.
std::optional<CompactionPick> PickManualCompactionStep(const CompactionPicture& picture,
                                                       const ManualCompactionRange& range,
                                                       int level, bool bottom_rewritten,
                                                       uint64_t target_file_size);

}  // namespace kvlsm

#endif  // KVLSM_COMPACTION_MANUAL_COMPACTION_H_
