// Basic behaviour of kvlsm::DB on the in-memory Env: the API contracts one by one.
#include "kvlsm/db.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "kvlsm/env.h"
#include "kvlsm/merge_operator.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

// Appends operands to the value with ',' between them.
class AppendOperator final : public MergeOperator {
 public:
  const char* Name() const override { return "test.AppendOperator"; }
  absl::Status FullMerge(std::string_view key, std::optional<std::string_view> existing,
                         std::span<const std::string_view> operands,
                         std::string* new_value) const override {
    new_value->assign(existing ? *existing : std::string_view());
    for (std::string_view op : operands) {
      if (op == "fail") return absl::InvalidArgumentError("operand 'fail'");
      if (!new_value->empty()) new_value->push_back(',');
      new_value->append(op);
    }
    return absl::OkStatus();
  }
};

class DBTest : public testing::Test {
 protected:
  DBTest() : env_(NewMemEnv()) {
    options_.env = env_.get();
    options_.create_if_missing = true;
    options_.write_buffer_size = 64 << 10;
    options_.merge_operator = std::make_shared<AppendOperator>();
    Reopen();
  }

  void Reopen() {
    db_.reset();
    auto db = DB::Open(options_, kPath);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  std::string Get(std::string_view key, const Snapshot* snapshot = nullptr) {
    ReadOptions ro;
    ro.snapshot = snapshot;
    std::string value;
    absl::Status s = db_->Get(ro, key, &value);
    if (absl::IsNotFound(s)) return "NOT_FOUND";
    if (!s.ok()) return "ERROR: " + s.ToString();
    return value;
  }

  // "k1=v1 k2=v2 " over the whole DB, forward.
  std::string Contents(const ReadOptions& ro = ReadOptions()) {
    std::string out;
    auto it = db_->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out += std::string(it->key()) + "=" + std::string(it->value()) + " ";
    }
    if (!it->status().ok()) out += "ERROR: " + it->status().ToString();
    return out;
  }

  static constexpr const char* kPath = "/db";
  std::unique_ptr<Env> env_;
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(DBTest, EmptyDBReadsNothing) {
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  EXPECT_EQ(Contents(), "");
}

TEST_F(DBTest, GetMissingKeyLeavesValueUnchanged) {
  std::string value = "untouched";
  absl::Status s = db_->Get(ReadOptions(), "missing", &value);
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_EQ(value, "untouched");
}

TEST_F(DBTest, PutGetOverwriteDelete) {
  ASSERT_OK(db_->Put(WriteOptions(), "a", "1"));
  EXPECT_EQ(Get("a"), "1");
  ASSERT_OK(db_->Put(WriteOptions(), "a", "2"));
  EXPECT_EQ(Get("a"), "2");
  ASSERT_OK(db_->Delete(WriteOptions(), "a"));
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  ASSERT_OK(db_->Delete(WriteOptions(), "never-there"));
}

TEST_F(DBTest, EmptyKeyAndValueAndBinaryBytes) {
  ASSERT_OK(db_->Put(WriteOptions(), "", "empty key"));
  ASSERT_OK(db_->Put(WriteOptions(), "v", ""));
  const std::string binary("\0\xff\x01", 3);
  ASSERT_OK(db_->Put(WriteOptions(), binary, binary));
  EXPECT_EQ(Get(""), "empty key");
  EXPECT_EQ(Get("v"), "");
  EXPECT_EQ(Get(binary), binary);
  Reopen();
  EXPECT_EQ(Get(""), "empty key");
  EXPECT_EQ(Get(binary), binary);
}

TEST_F(DBTest, WriteBatchIsAtomicAndOrdered) {
  WriteBatch batch;
  batch.Put("a", "1");
  batch.Put("b", "2");
  batch.Delete("a");
  batch.Put("c", "3");
  batch.Put("c", "4");
  ASSERT_OK(db_->Write(WriteOptions(), &batch));
  EXPECT_EQ(Contents(), "b=2 c=4 ");
  EXPECT_EQ(db_->GetProperty("kvlsm.last-sequence"), "5");
}

TEST_F(DBTest, MergeFoldsOperandsOverBaseValue) {
  ASSERT_OK(db_->Merge(WriteOptions(), "m", "x"));
  ASSERT_OK(db_->Merge(WriteOptions(), "m", "y"));
  EXPECT_EQ(Get("m"), "x,y");
  ASSERT_OK(db_->Put(WriteOptions(), "m", "base"));
  ASSERT_OK(db_->Merge(WriteOptions(), "m", "z"));
  EXPECT_EQ(Get("m"), "base,z");
  ASSERT_OK(db_->Delete(WriteOptions(), "m"));
  ASSERT_OK(db_->Merge(WriteOptions(), "m", "w"));
  EXPECT_EQ(Get("m"), "w");
  EXPECT_EQ(Contents(), "m=w ");
  Reopen();
  EXPECT_EQ(Get("m"), "w");
}

TEST_F(DBTest, FailedMergeIsAnErrorNotAValue) {
  ASSERT_OK(db_->Merge(WriteOptions(), "m", "fail"));
  std::string value = "untouched";
  absl::Status s = db_->Get(ReadOptions(), "m", &value);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "test.AppendOperator")) << s;
  EXPECT_EQ(value, "untouched");
  auto it = db_->NewIterator(ReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(absl::IsInvalidArgument(it->status())) << it->status();
}

TEST_F(DBTest, MergeWithoutOperatorIsRefused) {
  options_.merge_operator = nullptr;
  Reopen();
  absl::Status s = db_->Merge(WriteOptions(), "m", "x");
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  WriteBatch batch;
  batch.Merge("m", "x");
  s = db_->Write(WriteOptions(), &batch);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(Get("m"), "NOT_FOUND");
}

TEST_F(DBTest, SnapshotSeesPastState) {
  ASSERT_OK(db_->Put(WriteOptions(), "a", "1"));
  const Snapshot* s1 = db_->GetSnapshot();
  ASSERT_OK(db_->Put(WriteOptions(), "a", "2"));
  ASSERT_OK(db_->Put(WriteOptions(), "b", "1"));
  ASSERT_OK(db_->Merge(WriteOptions(), "a", "m"));
  const Snapshot* s2 = db_->GetSnapshot();
  ASSERT_OK(db_->Delete(WriteOptions(), "a"));
  EXPECT_EQ(Get("a", s1), "1");
  EXPECT_EQ(Get("b", s1), "NOT_FOUND");
  EXPECT_EQ(Get("a", s2), "2,m");
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  ReadOptions ro;
  ro.snapshot = s1;
  EXPECT_EQ(Contents(ro), "a=1 ");
  ro.snapshot = s2;
  EXPECT_EQ(Contents(ro), "a=2,m b=1 ");
  EXPECT_EQ(db_->GetProperty("kvlsm.num-snapshots"), "2");
  db_->ReleaseSnapshot(s1);
  db_->ReleaseSnapshot(s2);
  EXPECT_EQ(db_->GetProperty("kvlsm.num-snapshots"), "0");
}

TEST_F(DBTest, IteratorIsStableWhileWritesContinue) {
  ASSERT_OK(db_->Put(WriteOptions(), "a", "1"));
  ASSERT_OK(db_->Put(WriteOptions(), "c", "3"));
  auto it = db_->NewIterator(ReadOptions());
  ASSERT_OK(db_->Put(WriteOptions(), "b", "2"));
  ASSERT_OK(db_->Delete(WriteOptions(), "c"));
  std::string seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) seen += std::string(it->key());
  EXPECT_EQ(seen, "ac");
}

TEST_F(DBTest, IteratorBothDirectionsAndSeeks) {
  for (const char* k : {"b", "d", "f", "h"}) ASSERT_OK(db_->Put(WriteOptions(), k, k));
  ASSERT_OK(db_->Delete(WriteOptions(), "f"));
  auto it = db_->NewIterator(ReadOptions());
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "h");
  it->Prev();
  EXPECT_EQ(it->key(), "d");  // f is deleted.
  it->Next();
  EXPECT_EQ(it->key(), "h");
  it->Seek("c");
  EXPECT_EQ(it->key(), "d");
  it->SeekForPrev("c");
  EXPECT_EQ(it->key(), "b");
  it->SeekForPrev("d");
  EXPECT_EQ(it->key(), "d");
  it->Prev();
  EXPECT_EQ(it->key(), "b");
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->Seek("i");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("a");
  EXPECT_FALSE(it->Valid());
  EXPECT_OK(it->status());
}

TEST_F(DBTest, IteratorHonoursBounds) {
  for (const char* k : {"a", "b", "c", "d", "e"}) ASSERT_OK(db_->Put(WriteOptions(), k, k));
  ReadOptions ro;
  ro.lower_bound = "b";
  ro.upper_bound = "d";
  EXPECT_EQ(Contents(ro), "b=b c=c ");
  auto it = db_->NewIterator(ro);
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  it->Prev();
  EXPECT_EQ(it->key(), "b");
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->Seek("a");
  EXPECT_EQ(it->key(), "b");
  it->SeekForPrev("z");
  EXPECT_EQ(it->key(), "c");
  it->Seek("d");
  EXPECT_FALSE(it->Valid());

  ro.lower_bound = "d";
  ro.upper_bound = "b";
  it = db_->NewIterator(ro);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(absl::IsInvalidArgument(it->status())) << it->status();
}

TEST_F(DBTest, ReopenRecoversEverythingAcrossMemtableSwitches) {
  std::string big(1000, 'v');
  for (int i = 0; i < 500; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i), big + std::to_string(i)));
  }
  const std::string last_seq = *db_->GetProperty("kvlsm.last-sequence");
  Reopen();
  EXPECT_EQ(*db_->GetProperty("kvlsm.last-sequence"), last_seq);
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(Get("k" + std::to_string(i)), big + std::to_string(i));
  }
  ASSERT_OK(db_->Put(WriteOptions(), "after", "reopen"));
  Reopen();
  EXPECT_EQ(Get("after"), "reopen");
  EXPECT_EQ(Get("k7"), big + "7");
}

TEST_F(DBTest, ManyReopensKeepDataAndBoundTheWalCount) {
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i), std::to_string(i)));
    Reopen();
  }
  for (int i = 0; i < 30; ++i) EXPECT_EQ(Get("k" + std::to_string(i)), std::to_string(i));
  auto children = env_->GetChildren(kPath);
  ASSERT_OK(children);
  int logs = 0;
  for (const auto& name : *children) logs += name.ends_with(".log");
  EXPECT_LE(logs, 10);
}

TEST_F(DBTest, FlushWritesATableAndKeepsData) {
  ASSERT_OK(db_->Put(WriteOptions(), "a", "1"));
  ASSERT_OK(db_->Flush());
  EXPECT_EQ(db_->GetProperty("kvlsm.num-immutable-mem-table"), "0");
  EXPECT_EQ(db_->GetProperty("kvlsm.num-entries-active-mem-table"), "0");
  EXPECT_EQ(db_->GetProperty("kvlsm.num-files-at-level0"), "1");
  EXPECT_EQ(Get("a"), "1");
  ASSERT_OK(db_->Flush());  // Nothing new: no new table.
  EXPECT_EQ(db_->GetProperty("kvlsm.num-files-at-level0"), "1");
  Reopen();
  EXPECT_EQ(Get("a"), "1");
  EXPECT_EQ(db_->GetProperty("kvlsm.num-files-at-level0"), "1");
}

TEST_F(DBTest, CompactRangeChecksItsArguments) {
  EXPECT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  EXPECT_OK(db_->CompactRange("a", "b"));
  EXPECT_TRUE(absl::IsInvalidArgument(db_->CompactRange("b", "a")));
}

TEST_F(DBTest, Properties) {
  ASSERT_OK(db_->Put(WriteOptions(), "a", std::string(1000, 'x')));
  auto mem = db_->GetProperty("kvlsm.cur-size-all-mem-tables");
  ASSERT_TRUE(mem.has_value());
  EXPECT_GT(std::stoull(*mem), 1000u);
  auto stats = db_->GetProperty("kvlsm.stats");
  ASSERT_TRUE(stats.has_value());
  EXPECT_NE(stats->find("memtables"), std::string::npos) << *stats;
  EXPECT_EQ(db_->GetProperty("kvlsm.background-error"), "OK");
  EXPECT_EQ(db_->GetProperty("kvlsm.no-such-property"), std::nullopt);
}

TEST_F(DBTest, DestroyDBRemovesEverything) {
  ASSERT_OK(db_->Put(WriteOptions(), "a", "1"));
  EXPECT_FALSE(DestroyDB(kPath, options_).ok());  // Still open.
  db_.reset();
  ASSERT_OK(DestroyDB(kPath, options_));
  EXPECT_FALSE(env_->FileExists(std::string(kPath) + "/CURRENT"));
  options_.create_if_missing = false;
  EXPECT_TRUE(absl::IsNotFound(DB::Open(options_, kPath).status()));
  ASSERT_OK(DestroyDB("/never-existed", options_));
}

}  // namespace
}  // namespace kvlsm
