// Plugins shared by tests: a merge operator with a visible order, and compaction policies
// tuned so small that a few thousand writes run many compactions.
//
// Thread safety: the plugins are immutable and safe to share.
#ifndef KVLSM_TESTS_TESTUTIL_TEST_PLUGINS_H_
#define KVLSM_TESTS_TESTUTIL_TEST_PLUGINS_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kvlsm/compaction_policy.h"
#include "kvlsm/merge_operator.h"

namespace kvlsm::test {

// Merge = append "+operand" to the value (or to nothing): order-sensitive, so a reordering
// shows. PartialMerge (when `partial`) joins two operands with "+", which FullMerge treats
// alike. With `fail`, every FullMerge fails with InvalidArgument.
class PlusAppendOperator final : public MergeOperator {
 public:
  explicit PlusAppendOperator(bool partial = true, bool fail = false)
      : partial_(partial), fail_(fail) {}
  const char* Name() const override { return "test.PlusAppend"; }
  absl::Status FullMerge(std::string_view key, std::optional<std::string_view> existing,
                         std::span<const std::string_view> operands,
                         std::string* new_value) const override;
  bool PartialMerge(std::string_view key, std::string_view older, std::string_view newer,
                    std::string* new_operand) const override;

 private:
  const bool partial_;
  const bool fail_;
};

// Leveled: level 0 due at 2 tables, levels 4x apart from 128 KiB, 64 KiB tables, and
// tombstones due at once.
std::shared_ptr<const CompactionPolicy> SmallLeveledCompaction();
// Size-tiered: merges from 2 runs, tombstones due at once.
std::shared_ptr<const CompactionPolicy> SmallSizeTieredCompaction();

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_TESTUTIL_TEST_PLUGINS_H_
