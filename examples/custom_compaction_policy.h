// TwoLevelPolicy: a user-defined CompactionPolicy, written against kvlsm's public headers
// only (examples/custom_compaction.cc shows it at work; tests/compaction checks its picks).
//
// It keeps a two-level tree: once level 0 holds `trigger` tables, all of level 0 merges into
// level 1 together with every level-1 table it overlaps; level 1 itself never compacts. Reads
// then consult at most trigger - 1 level-0 tables plus one level-1 table, at the price of
// rewriting the overlapping part of level 1 on every merge. That suits small DBs with
// random writes; larger ones want NewLeveledCompaction().
//
// Thread safety: immutable after construction, so Pick may run concurrently, as the DB
// requires.
#ifndef KVLSM_EXAMPLES_CUSTOM_COMPACTION_POLICY_H_
#define KVLSM_EXAMPLES_CUSTOM_COMPACTION_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kvlsm/compaction_policy.h"
#include "kvlsm/comparator.h"

namespace example {

class TwoLevelPolicy final : public kvlsm::CompactionPolicy {
 public:
  // trigger: level-0 tables that start a merge; must be >= 1 (see Validate).
  explicit TwoLevelPolicy(int trigger = 2, uint64_t target_file_size = uint64_t{64} << 20)
      : trigger_(trigger), target_file_size_(target_file_size) {}

  const char* Name() const override { return "example.TwoLevelPolicy"; }

  absl::Status Validate() const override {
    if (trigger_ < 1) {
      return absl::InvalidArgumentError("TwoLevelPolicy: trigger = " + std::to_string(trigger_) +
                                        " must be >= 1");
    }
    return absl::OkStatus();
  }

  std::optional<kvlsm::CompactionPick> Pick(
      const kvlsm::CompactionPicture& picture) const override {
    if (!Validate().ok() || picture.levels.size() < 2) return std::nullopt;
    const auto& level0 = picture.levels[0];
    const auto& level1 = picture.levels[1];
    if (level0.size() < static_cast<size_t>(trigger_)) return std::nullopt;
    // Taking all of level 0 satisfies the level-0 rule (every older overlapping table comes
    // along). Wait while a merge is running: its tables are being compacted, and it may be
    // writing into level 1.
    for (const kvlsm::CompactionFile& f : level0) {
      if (f.being_compacted) return std::nullopt;
    }
    for (const kvlsm::RunningCompaction& r : picture.running) {
      if (r.output_level >= 1 && r.start_level <= 1) return std::nullopt;
    }
    const kvlsm::Comparator* cmp =
        picture.comparator != nullptr ? picture.comparator : kvlsm::BytewiseComparator();
    std::string lo = level0[0].smallest, hi = level0[0].largest;
    auto widen = [&](const kvlsm::CompactionFile& f) {
      bool grew = false;
      if (cmp->Compare(f.smallest, lo) < 0) lo = f.smallest, grew = true;
      if (cmp->Compare(f.largest, hi) > 0) hi = f.largest, grew = true;
      return grew;
    };
    for (const kvlsm::CompactionFile& f : level0) widen(f);

    // Every level-1 table overlapping the merge's key range must join it. Each one widens
    // the range, which may reach a neighbour sharing a boundary key, so repeat until stable.
    kvlsm::CompactionPick pick;
    pick.inputs.push_back({0, {}});
    for (const kvlsm::CompactionFile& f : level0) pick.inputs[0].files.push_back(f.number);
    std::vector<uint64_t> level1_inputs;
    for (bool grew = true; grew;) {
      grew = false;
      level1_inputs.clear();
      for (const kvlsm::CompactionFile& f : level1) {
        if (cmp->Compare(f.smallest, hi) > 0 || cmp->Compare(f.largest, lo) < 0) continue;
        if (f.being_compacted) return std::nullopt;
        level1_inputs.push_back(f.number);
        grew = widen(f) || grew;
      }
    }
    if (!level1_inputs.empty()) pick.inputs.push_back({1, level1_inputs});
    pick.output_level = 1;
    pick.target_file_size = target_file_size_;
    pick.reason = "level 0 holds " + std::to_string(level0.size()) + " tables";
    return pick;
  }

  // The bytes of level 0 once it is due; the level-1 bytes it overlaps are not counted.
  uint64_t EstimatePendingBytes(const kvlsm::CompactionPicture& picture) const override {
    if (picture.levels.empty() || picture.levels[0].size() < static_cast<size_t>(trigger_)) {
      return 0;
    }
    uint64_t bytes = 0;
    for (const kvlsm::CompactionFile& f : picture.levels[0]) bytes += f.size;
    return bytes;
  }

 private:
  const int trigger_;
  const uint64_t target_file_size_;
};

}  // namespace example

#endif  // KVLSM_EXAMPLES_CUSTOM_COMPACTION_POLICY_H_
