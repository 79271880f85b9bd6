// CheckCompactionPick beyond its golden picks (testdata/check_pick, run by
// policy_golden_test.cc).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compaction/compaction_test_util.h"
#include "kvlsm/compaction_policy.h"
#include "kvlsm/comparator.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using test::MakePicture;

CompactionPick Merge(std::vector<CompactionPick::Input> inputs, int output_level,
                     std::vector<uint64_t> grandparents = {}) {
  CompactionPick pick;
  pick.inputs = std::move(inputs);
  pick.output_level = output_level;
  pick.grandparent_files = std::move(grandparents);
  return pick;
}

TEST(CheckPickTest, NoGrandparentsBelowTheLastLevel) {
  const CompactionPicture picture = MakePicture({{}, {}, {}, {}, {}, {}, {{60, "a", "b", 10}}});
  EXPECT_OK(CheckCompactionPick(picture, Merge({{6, {60}}}, 6)));
  const absl::Status s = CheckCompactionPick(picture, Merge({{6, {60}}}, 6, {60}));
  EXPECT_TRUE(test::MessageContains(s, "grandparent_files given but level 7 does not exist")) << s;
}

TEST(CheckPickTest, UsesThePicturesComparator) {
  // Keys compare through picture.comparator. In reverse order, level 1's [c, a] contains
  // "b", so level 2's [b, b] overlaps it; in bytewise order it does not.
  class ReverseComparator : public Comparator {
   public:
    int Compare(std::string_view a, std::string_view b) const override { return b.compare(a); }
    const char* Name() const override { return "test.Reverse"; }
  };
  static const ReverseComparator reverse;
  CompactionPicture picture = MakePicture({{}, {{10, "c", "a", 100}}, {{20, "b", "b", 100}}});
  const CompactionPick pick = Merge({{1, {10}}}, 2);
  EXPECT_OK(CheckCompactionPick(picture, pick));
  picture.comparator = &reverse;
  const absl::Status s = CheckCompactionPick(picture, pick);
  EXPECT_TRUE(test::MessageContains(s, "file 20 of output level 2 overlaps")) << s;
}

}  // namespace
}  // namespace kvlsm
