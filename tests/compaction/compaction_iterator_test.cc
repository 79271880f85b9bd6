// CompactionIterator: what survives a compaction, case by case (stripes, tombstones,
// merges), on inputs built in a memtable.
#include "compaction/compaction_iterator.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/dbformat.h"
#include "memtable/memtable.h"
#include "testutil/test_plugins.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using AppendOperator = test::PlusAppendOperator;

// "k@7=Put:v" per surviving entry, in output order.
class CompactionIteratorTest : public testing::Test {
 protected:
  CompactionIteratorTest() : icmp_(BytewiseComparator()), mem_(icmp_) {}

  void Add(std::string_view key, SequenceNumber seq, ValueType type, std::string_view value = "") {
    mem_.Add(seq, type, key, value);
  }

  std::vector<std::string> Run(std::vector<SequenceNumber> snapshots, const MergeOperator* op,
                               std::set<std::string> below = {}) {
    CompactionIteratorOptions options;
    options.user_comparator = BytewiseComparator();
    options.merge_operator = op;
    options.snapshots = std::move(snapshots);
    options.key_may_exist_below = [below](std::string_view k) {
      return below.contains(std::string(k));
    };
    std::unique_ptr<Iterator> input = mem_.NewIterator();
    CompactionIterator iter(std::move(options), input.get());
    std::vector<std::string> out;
    for (iter.SeekToFirst(); iter.Valid(); iter.Next()) {
      ParsedInternalKey parsed;
      EXPECT_TRUE(ParseInternalKey(iter.key(), &parsed));
      const char* type = parsed.type == ValueType::kPut      ? "Put"
                         : parsed.type == ValueType::kDelete ? "Del"
                                                             : "Merge";
      out.push_back(std::string(parsed.user_key) + "@" + std::to_string(parsed.sequence) + "=" +
                    type + ":" + std::string(iter.value()));
    }
    EXPECT_OK(iter.status());
    stats_ = iter.stats();
    return out;
  }

  InternalKeyComparator icmp_;
  MemTable mem_;
  CompactionIterator::Stats stats_;
};

using Out = std::vector<std::string>;

TEST_F(CompactionIteratorTest, NewestVersionWinsWithoutSnapshots) {
  Add("a", 1, ValueType::kPut, "a1");
  Add("a", 5, ValueType::kPut, "a5");
  Add("b", 2, ValueType::kPut, "b2");
  EXPECT_EQ(Run({}, nullptr), (Out{"a@5=Put:a5", "b@2=Put:b2"}));
  EXPECT_EQ(stats_.input_entries, 3u);
  EXPECT_EQ(stats_.dropped_shadowed, 1u);
}

TEST_F(CompactionIteratorTest, EachSnapshotKeepsTheVersionItSees) {
  for (SequenceNumber s : {1, 3, 5, 7, 9}) Add("k", s, ValueType::kPut, "v" + std::to_string(s));
  // Snapshot 4 sees v3, snapshot 7 sees v7; the latest read sees v9.
  EXPECT_EQ(Run({4, 7}, nullptr), (Out{"k@9=Put:v9", "k@7=Put:v7", "k@3=Put:v3"}));
  EXPECT_EQ(stats_.dropped_shadowed, 2u);
}

TEST_F(CompactionIteratorTest, TombstoneDroppedOnlyWhenNothingOlderRemains) {
  Add("gone", 2, ValueType::kPut, "x");
  Add("gone", 4, ValueType::kDelete);
  Add("kept", 3, ValueType::kDelete);
  // Without snapshots the tombstone hides nothing any more at the bottom.
  EXPECT_EQ(Run({}, nullptr), Out{});
  EXPECT_EQ(stats_.dropped_tombstones, 2u);
  // A table below may hold "kept": its tombstone stays.
  EXPECT_EQ(Run({}, nullptr, {"kept"}), (Out{"kept@3=Del:"}));
  // A snapshot at 3 still sees "gone" = x: the tombstone stays above it.
  EXPECT_EQ(Run({3}, nullptr), (Out{"gone@4=Del:", "gone@2=Put:x"}));
}

TEST_F(CompactionIteratorTest, MergeFoldsOntoItsBaseOrAtTheBottom) {
  AppendOperator op(/*partial=*/false);
  Add("m", 1, ValueType::kPut, "base");
  Add("m", 2, ValueType::kMerge, "a");
  Add("m", 3, ValueType::kMerge, "b");
  Add("n", 4, ValueType::kMerge, "c");
  Add("n", 5, ValueType::kMerge, "d");
  EXPECT_EQ(Run({}, &op), (Out{"m@3=Put:base+a+b", "n@5=Put:+c+d"}));
  EXPECT_EQ(stats_.merged_operands, 3u);
  // n may have a base below: its operands stay (no partial merge offered).
  EXPECT_EQ(Run({}, &op, {"n"}), (Out{"m@3=Put:base+a+b", "n@5=Merge:d", "n@4=Merge:c"}));
}

TEST_F(CompactionIteratorTest, PartialMergeShortensChainsAboveAnUnknownBase) {
  AppendOperator op(/*partial=*/true);
  Add("n", 4, ValueType::kMerge, "c");
  Add("n", 5, ValueType::kMerge, "d");
  Add("n", 6, ValueType::kMerge, "e");
  EXPECT_EQ(Run({}, &op, {"n"}), (Out{"n@6=Merge:c+d+e"}));
}

TEST_F(CompactionIteratorTest, MergesDoNotCrossSnapshots) {
  AppendOperator op(/*partial=*/false);
  Add("m", 1, ValueType::kPut, "base");
  Add("m", 2, ValueType::kMerge, "a");
  Add("m", 3, ValueType::kMerge, "b");
  // Snapshot 2 sees base+a; the newest read sees base+a+b.
  EXPECT_EQ(Run({2}, &op), (Out{"m@3=Merge:b", "m@2=Put:base+a"}));
}

TEST_F(CompactionIteratorTest, FailingMergeKeepsTheOperandsAsTheyWere) {
  AppendOperator op(/*partial=*/false, /*fail=*/true);
  Add("m", 1, ValueType::kPut, "base");
  Add("m", 2, ValueType::kMerge, "a");
  EXPECT_EQ(Run({}, &op), (Out{"m@2=Merge:a", "m@1=Put:base"}));
}

TEST_F(CompactionIteratorTest, MergeOnADeleteStartsFromNothing) {
  AppendOperator op(/*partial=*/false);
  Add("m", 1, ValueType::kPut, "old");
  Add("m", 2, ValueType::kDelete);
  Add("m", 3, ValueType::kMerge, "a");
  EXPECT_EQ(Run({}, &op, {"m"}), (Out{"m@3=Put:+a"}));
}

}  // namespace
}  // namespace kvlsm
