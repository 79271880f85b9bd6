// VersionBuilder (manifest/version_builder.h): the one place table additions and removals
// are applied, for LogAndApply and for every MANIFEST replay.
#include "manifest/version_builder.h"

#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "kvlsm/comparator.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

FileMetaData Table(uint64_t number, std::string_view key, SequenceNumber seqno) {
  FileMetaData f;
  f.number = number;
  AppendInternalKey(&f.smallest, key, seqno, ValueType::kPut);
  AppendInternalKey(&f.largest, key, seqno, ValueType::kPut);
  f.smallest_seqno = f.largest_seqno = seqno;
  return f;
}

class VersionBuilderTest : public testing::Test {
 protected:
  const InternalKeyComparator comparator_{BytewiseComparator()};
  const Version empty_{&comparator_, nullptr};
};

TEST_F(VersionBuilderTest, LevelZeroIsNewestFirstBySequence) {
  VersionBuilder builder(&comparator_, nullptr, empty_);
  VersionEdit edit;
  edit.AddFile(0, Table(9, "a", 10));  // Higher number, older data (e.g. a slow flush).
  edit.AddFile(0, Table(7, "b", 30));
  edit.AddFile(0, Table(8, "c", 20));
  ASSERT_OK(builder.Apply(edit));
  std::shared_ptr<Version> version;
  ASSERT_OK(builder.Finish(&version));
  ASSERT_EQ(version->NumFiles(0), 3);
  EXPECT_EQ(version->files(0)[0]->number, 7u);
  EXPECT_EQ(version->files(0)[1]->number, 8u);
  EXPECT_EQ(version->files(0)[2]->number, 9u);
}

TEST_F(VersionBuilderTest, EveryProblemOfAnEditIsListedTheFirstReturned) {
  VersionBuilder builder(&comparator_, nullptr, empty_);
  VersionEdit edit;
  edit.RemoveFile(1, 4);
  edit.RemoveFile(3, 5);
  edit.AddFile(1, Table(6, "a", 1));
  ASSERT_OK(builder.Apply(VersionEdit()));
  std::vector<absl::Status> problems;
  absl::Status s = builder.Apply(edit, &problems);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "removes table 000004 from level 1")) << s;
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_TRUE(test::MessageContains(problems[1], "removes table 000005 from level 3"));
  std::shared_ptr<Version> version;
  ASSERT_OK(builder.Finish(&version));
  EXPECT_EQ(version->NumFiles(1), 1);  // The addition still applied.
}

TEST_F(VersionBuilderTest, BuildsOnTheBaseWithoutChangingIt) {
  VersionBuilder first(&comparator_, nullptr, empty_);
  VersionEdit add;
  add.AddFile(1, Table(4, "a", 1));
  ASSERT_OK(first.Apply(add));
  std::shared_ptr<Version> base;
  ASSERT_OK(first.Finish(&base));
  VersionBuilder second(&comparator_, nullptr, *base);
  VersionEdit remove;
  remove.RemoveFile(1, 4);
  ASSERT_OK(second.Apply(remove));
  std::shared_ptr<Version> next;
  ASSERT_OK(second.Finish(&next));
  EXPECT_EQ(base->NumFiles(1), 1);
  EXPECT_EQ(next->NumFiles(1), 0);
  VersionEdit again;
  again.AddFile(2, Table(4, "b", 2));
  EXPECT_TRUE(test::MessageContains(VersionBuilder(&comparator_, nullptr, *base).Apply(again),
                                    "adds table 000004 twice"));
}

}  // namespace
}  // namespace kvlsm
