// CheckCompactionPick: one golden pick per rule of kvlsm/compaction_policy.h, valid and not.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compaction/compaction_test_util.h"
#include "kvlsm/compaction_policy.h"
#include "kvlsm/comparator.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using test::FileSpec;
using test::MakePicture;

// Level 0, newest first: 5 [a,c], 4 [x,y], 3 [b,d], 2 [m,n], 1 [c,e].
// Level 1: 10 [a,b], 11 [b,d] (shares "b" with 10), 12 [f,g]. Level 2: 20 [a,c], 21 [h,i].
// Level 3: 30 [h,h]. Level 4: 40 [a,b], being compacted.
CompactionPicture Tree(std::vector<RunningCompaction> running = {}) {
  return MakePicture({{{5, "a", "c", 10},
                       {4, "x", "y", 10},
                       {3, "b", "d", 10},
                       {2, "m", "n", 10},
                       {1, "c", "e", 10}},
                      {{10, "a", "b", 100}, {11, "b", "d", 100}, {12, "f", "g", 100}},
                      {{20, "a", "c", 100}, {21, "h", "i", 100}},
                      {{30, "h", "h", 100}},
                      {{40, "a", "b", 100, 0, 0, true}}},
                     std::move(running));
}

CompactionPick Merge(std::vector<CompactionPick::Input> inputs, int output_level,
                     std::vector<uint64_t> grandparents = {}) {
  CompactionPick pick;
  pick.inputs = std::move(inputs);
  pick.output_level = output_level;
  pick.grandparent_files = std::move(grandparents);
  return pick;
}

CompactionPick Drop(std::vector<CompactionPick::Input> inputs, int output_level = -1) {
  CompactionPick pick = Merge(std::move(inputs), output_level);
  pick.drop_only = true;
  return pick;
}

struct Case {
  const char* name;
  CompactionPick pick;
  const char* error;  // Expected in the message; nullptr when the pick is valid.
  std::vector<RunningCompaction> running = {};
};

const Case kCases[] = {
    {"Level0MergeOfAdjacentRuns", Merge({{0, {4, 3}}}, 0), nullptr},
    {"Level0IntoLevel1", Merge({{0, {5, 3, 1}}, {1, {10, 11}}}, 1), nullptr},
    {"NewerOverlappingLevel0TableMayStay", Merge({{0, {3, 1}}, {1, {10, 11}}}, 1), nullptr},
    {"Level1IntoLevel2", Merge({{1, {10, 11}}, {2, {20}}}, 2, {}), nullptr},
    {"Level2IntoLevel3", Merge({{2, {21}}, {3, {30}}}, 3), nullptr},
    {"MoveWithoutOutputOverlap", Merge({{1, {12}}}, 2), nullptr},
    {"RewriteInPlaceWithGrandparents", Merge({{2, {21}}}, 2, {30}), nullptr},
    {"DropOldestData", Drop({{2, {21}}, {3, {30}}}), nullptr},
    {"RunningElsewhere", Merge({{2, {21}}, {3, {30}}}, 3), nullptr, {{0, 1, "a", "z"}}},
    {"RunningLevelZeroMergeNeverCollides", Merge({{1, {12}}}, 2), nullptr, {{0, 0, "a", "z"}}},

    {"NoInputs", Merge({}, 1), "no inputs"},
    {"LevelOutOfRange", Merge({{7, {1}}}, 1), "input level 7 is outside [0, 7)"},
    {"LevelsNotAscending", Merge({{1, {12}}, {0, {4}}}, 1), "does not follow"},
    {"EmptyFileList", Merge({{1, {}}}, 1), "lists no files"},
    {"UnknownFile", Merge({{1, {99}}}, 2), "file 99 is not in level 1"},
    {"FileAtAnotherLevel", Merge({{1, {20}}}, 2), "file 20 is not in level 1"},
    {"DuplicateFile", Merge({{1, {12, 12}}}, 2), "file 12 is listed twice"},
    {"BeingCompacted", Merge({{4, {40}}}, 5), "file 40 of level 4 is being compacted"},
    {"DropWithOutputLevel", Drop({{2, {21}}, {3, {30}}}, 3), "must be -1"},
    {"DropKeepsOlderLevel0Table", Drop({{0, {5}}}),
     "drops file 5 but keeps the older, overlapping file 3 of level 0"},
    {"DropKeepsOlderDeeperTable", Drop({{2, {21}}}),
     "drops file 21 but keeps the older, overlapping file 30 of level 3"},
    {"Level0MergeSkipsARun", Merge({{0, {5, 3}}}, 0), "skips file 4"},
    {"Level0IntoLevel1LeavesOlderOverlap", Merge({{0, {5, 3}}, {1, {10, 11}}}, 1),
     "level-0 file 1 is older than input 5"},
    {"NotACleanCut", Merge({{1, {10}}, {2, {20}}}, 2), "not a clean cut"},
    {"SkipsALevelWithOverlap", Merge({{1, {10, 11}}}, 3),
     "file 20 of level 2, between input level 1 and output level 3"},
    {"MissesOutputOverlap", Merge({{1, {10, 11}}}, 2),
     "file 20 of output level 2 overlaps the pick's key range but is not an input"},
    {"ThreeLevels", Merge({{0, {4}}, {1, {12}}, {2, {21}}}, 2), "more than two levels"},
    {"SecondLevelNotOutput", Merge({{0, {4}}, {1, {12}}}, 2),
     "second input level 1 is not the output level 2"},
    {"OutputAboveInput", Merge({{2, {21}}}, 1), "below the output level"},
    {"OutputLevelOutOfRange", Merge({{2, {21}}}, 7), "output level 7 is outside"},
    {"NegativeOutputLevel", Merge({{2, {21}}}, -1), "output level -1 is outside"},
    {"RunningCollides", Merge({{2, {21}}, {3, {30}}}, 3), "running compaction", {{1, 2, "a", "z"}}},
    {"UnknownGrandparent", Merge({{2, {21}}}, 2, {31}), "grandparent file 31 is not in level 3"},
    {"GrandparentsOfADrop",
     [] {
       CompactionPick p = Drop({{2, {21}}, {3, {30}}});
       p.grandparent_files = {30};
       return p;
     }(),
     "grandparent_files given for a drop"},

};

TEST(CheckPickTest, GoldenPicks) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const absl::Status s = CheckCompactionPick(Tree(c.running), c.pick);
    if (c.error == nullptr) {
      EXPECT_OK(s);
    } else {
      EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
      EXPECT_TRUE(test::MessageContains(s, c.error)) << s;
    }
  }
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
