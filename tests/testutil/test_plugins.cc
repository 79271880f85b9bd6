#include "testutil/test_plugins.h"

namespace kvlsm::test {

absl::Status PlusAppendOperator::FullMerge(std::string_view, std::optional<std::string_view> existing,
                                           std::span<const std::string_view> operands,
                                           std::string* new_value) const {
  if (fail_) return absl::InvalidArgumentError("test.PlusAppend: asked to fail");
  new_value->assign(existing ? *existing : std::string_view());
  for (std::string_view op : operands) {
    new_value->push_back('+');
    new_value->append(op);
  }
  return absl::OkStatus();
}

bool PlusAppendOperator::PartialMerge(std::string_view, std::string_view older,
                                      std::string_view newer, std::string* new_operand) const {
  if (!partial_) return false;
  new_operand->assign(older);
  new_operand->push_back('+');
  new_operand->append(newer);
  return true;
}

std::shared_ptr<const CompactionPolicy> SmallLeveledCompaction() {
  LeveledCompactionOptions o;
  o.level0_file_trigger = 2;
  o.level_size_multiplier = 4;
  o.base_level_bytes = 128 << 10;
  o.target_file_size = 64 << 10;
  o.max_grandparent_overlap_bytes = 256 << 10;
  o.tombstone_min_age_seconds = 0;
  return NewLeveledCompaction(o);
}

std::shared_ptr<const CompactionPolicy> SmallSizeTieredCompaction() {
  SizeTieredCompactionOptions o;
  o.min_threshold = 2;
  o.tombstone_min_age_seconds = 0;
  return NewSizeTieredCompaction(o);
}

}  // namespace kvlsm::test
