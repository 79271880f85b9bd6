// LeveledCompactionPolicy: LevelDB/RocksDB-style leveled compaction with dynamic level
// targets (docs/compaction.md, "Leveled"). Exposed here, beyond NewLeveledCompaction, so that
// tests can check the level targets directly.
//
// Thread safety: immutable after construction; every method is safe to call concurrently.
#ifndef KVLSM_COMPACTION_LEVELED_POLICY_H_
#define KVLSM_COMPACTION_LEVELED_POLICY_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "kvlsm/compaction_policy.h"

namespace kvlsm::compaction {

// The size each level should have.
struct LevelTargets {
  // The level that level 0 compacts into. Levels 1 .. base_level - 1 are unused and empty.
  int base_level = 1;
  // Target bytes per level; 0 for level 0 and for unused levels.
  std::vector<uint64_t> bytes;
};

// Static sizing: level l >= 1 gets base_level_bytes * multiplier^(l - 1); the base level is 1.
//
// Dynamic sizing (N levels, last = N - 1, D = base_level_bytes, m = multiplier):
//   bottom = the largest level's bytes among levels 1 .. last (the last level's, once data
//            has settled);
//   no data below level 0: base = last, target[last] = D (level 0 compacts straight into
//            the last level);
//   otherwise target[last] = bottom and, going up, target[l] = target[l + 1] / m for as long
//            as that is at least D / m; the shallowest level so reached is the base. If a
//            level above it still holds data, the base moves up to that level (level 0 must
//            never compact past data, which is older), and the levels it passes get
//            max(target[l + 1] / m, D / m).
// REQUIRES: picture.levels.size() >= 2 and valid options.
LevelTargets ComputeLevelTargets(const CompactionPicture& picture,
                                 const LeveledCompactionOptions& options);

class LeveledCompactionPolicy final : public CompactionPolicy {
 public:
  explicit LeveledCompactionPolicy(const LeveledCompactionOptions& options);

  const char* Name() const override { return "kvlsm.LeveledCompaction"; }
  absl::Status Validate() const override { return options_.Validate(); }

  // The highest-scoring due level (score >= 1; ties go to the shallower level) that can
  // produce a pick, else a tombstone clean-up, else nothing. See docs/compaction.md.
  std::optional<CompactionPick> Pick(const CompactionPicture& picture) const override;

  // RocksDB's estimate: level 0's bytes (plus the base level's) once level 0 is due; then,
  // level by level from the base down, the bytes over target (including what the level above
  // pushes in) times (1 + next level's bytes / this level's bytes), the fan-out of merging
  // them into the next level.
  uint64_t EstimatePendingBytes(const CompactionPicture& picture) const override;

  // Level 0: files not being compacted / level0_file_trigger. Levels 1 .. N-2: bytes not
  // being compacted / target (0 for unused levels). The last level: 0 (it never compacts
  // by size).
  std::vector<double> LevelScores(const CompactionPicture& picture) const override;
  std::optional<uint64_t> ManualCompactionFileSize() const override {
    return options_.target_file_size;
  }

 private:
  const LeveledCompactionOptions options_;
  const bool valid_;
};

}  // namespace kvlsm::compaction

#endif  // KVLSM_COMPACTION_LEVELED_POLICY_H_
