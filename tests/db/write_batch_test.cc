#include "kvlsm/write_batch.h"

#include <string>

#include <gtest/gtest.h>

#include "db/write_batch_internal.h"
#include "kvlsm/comparator.h"
#include "memtable/memtable.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

// Renders a batch as "Put(k,v)@seq ..." by inserting it into a memtable.
std::string PrintContents(const WriteBatch& batch) {
  InternalKeyComparator cmp(BytewiseComparator());
  MemTable mem(cmp);
  absl::Status s = WriteBatchInternal::InsertInto(batch, &mem);
  std::string out;
  auto it = mem.NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedInternalKey ikey;
    EXPECT_TRUE(ParseInternalKey(it->key(), &ikey));
    switch (ikey.type) {
      case ValueType::kPut:
        out += "Put(" + std::string(ikey.user_key) + "," + std::string(it->value()) + ")";
        break;
      case ValueType::kDelete:
        out += "Delete(" + std::string(ikey.user_key) + ")";
        break;
      case ValueType::kMerge:
        out += "Merge(" + std::string(ikey.user_key) + "," + std::string(it->value()) + ")";
        break;
    }
    out += "@" + std::to_string(ikey.sequence) + " ";
  }
  if (!s.ok()) out += "ERROR";
  return out;
}

class Recorder final : public WriteBatch::Handler {
 public:
  void Put(std::string_view k, std::string_view v) override {
    log += "P:" + std::string(k) + "=" + std::string(v) + ";";
  }
  void Delete(std::string_view k) override { log += "D:" + std::string(k) + ";"; }
  void Merge(std::string_view k, std::string_view v) override {
    log += "M:" + std::string(k) + "=" + std::string(v) + ";";
  }
  std::string log;
};

TEST(WriteBatchTest, EmptyBatch) {
  WriteBatch batch;
  EXPECT_EQ(batch.Count(), 0u);
  EXPECT_EQ(batch.ApproximateSize(), WriteBatchInternal::kHeaderSize);
  EXPECT_EQ(PrintContents(batch), "");
}

// The worked example of docs/format.md ("Write batch").
TEST(WriteBatchTest, EncodingMatchesTheDocumentedExample) {
  WriteBatch batch;
  batch.Put("k1", "v");
  batch.Delete("k2");
  WriteBatchInternal::SetSequence(&batch, 7);
  const std::string expected(
      "\x07\x00\x00\x00\x00\x00\x00\x00"
      "\x02\x00\x00\x00"
      "\x01\x02k1\x01v"
      "\x00\x02k2",
      22);
  EXPECT_EQ(WriteBatchInternal::Contents(batch), expected);
}

TEST(WriteBatchTest, RecordsGetConsecutiveSequences) {
  WriteBatch batch;
  batch.Put("foo", "bar");
  batch.Delete("box");
  batch.Merge("baz", "+1");
  WriteBatchInternal::SetSequence(&batch, 100);
  EXPECT_EQ(batch.Count(), 3u);
  EXPECT_EQ(WriteBatchInternal::Sequence(batch), 100u);
  EXPECT_EQ(PrintContents(batch), "Merge(baz,+1)@102 Delete(box)@101 Put(foo,bar)@100 ");
}

TEST(WriteBatchTest, IterateInOrderAndAppend) {
  WriteBatch a, b;
  a.Put("k1", "v1");
  b.Delete("k2");
  b.Merge("k3", "m");
  a.Append(b);
  EXPECT_EQ(a.Count(), 3u);
  Recorder r;
  ASSERT_OK(a.Iterate(&r));
  EXPECT_EQ(r.log, "P:k1=v1;D:k2;M:k3=m;");
  EXPECT_TRUE(WriteBatchInternal::HasMerge(a));
  EXPECT_FALSE(WriteBatchInternal::HasMerge(WriteBatch()));
  a.Clear();
  EXPECT_EQ(a.Count(), 0u);
}

TEST(WriteBatchTest, DamagedEncodingsAreDataLoss) {
  WriteBatch batch;
  batch.Put("key", "value");
  batch.Delete("other");
  const std::string good(WriteBatchInternal::Contents(batch));
  // Every truncation and every single-byte change of the records is caught or harmless.
  for (size_t cut = 0; cut < good.size(); ++cut) {
    WriteBatch damaged;
    absl::Status s = WriteBatchInternal::SetContents(&damaged, good.substr(0, cut));
    if (s.ok()) s = WriteBatchInternal::Validate(damaged);
    EXPECT_TRUE(absl::IsDataLoss(s)) << "cut at " << cut << ": " << s;
  }
  std::string wrong_count = good;
  wrong_count[8] = 5;
  WriteBatch damaged;
  ASSERT_OK(WriteBatchInternal::SetContents(&damaged, wrong_count));
  absl::Status s = WriteBatchInternal::Validate(damaged);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "header says 5")) << s;
  std::string bad_tag = good;
  bad_tag[WriteBatchInternal::kHeaderSize] = 9;
  ASSERT_OK(WriteBatchInternal::SetContents(&damaged, bad_tag));
  Recorder r;
  s = damaged.Iterate(&r);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "unknown tag 9")) << s;
}

}  // namespace
}  // namespace kvlsm
