// The DB with tables: flushes, reads through memtables and level-0 tables, index files in
// another directory, missing or damaged table files, power cuts during a flush.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "kvlsm/fault_injection_env.h"
#include "kvlsm/merge_operator.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

class ConcatOperator final : public MergeOperator {
 public:
  const char* Name() const override { return "test.Concat"; }
  absl::Status FullMerge(std::string_view, std::optional<std::string_view> existing,
                         std::span<const std::string_view> operands,
                         std::string* new_value) const override {
    new_value->assign(existing ? *existing : std::string_view());
    for (std::string_view op : operands) new_value->append(op);
    return absl::OkStatus();
  }
};

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

class DBTableTest : public testing::Test {
 protected:
  DBTableTest() : env_(NewMemEnv()) {
    options_.env = env_.get();
    options_.create_if_missing = true;
    options_.write_buffer_size = 64 << 10;
    options_.merge_operator = std::make_shared<ConcatOperator>();
  }

  void Open() {
    db_.reset();
    auto db = DB::Open(options_, "/db");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  std::string Get(std::string_view key) {
    std::string value;
    absl::Status s = db_->Get(ReadOptions(), key, &value);
    if (absl::IsNotFound(s)) return "NOT_FOUND";
    if (!s.ok()) return "ERROR: " + s.ToString();
    return value;
  }

  int Property(std::string_view name) { return std::stoi(*db_->GetProperty(name)); }

  std::vector<std::string> Files(const std::string& dir, std::string_view suffix) {
    std::vector<std::string> out;
    auto children = env_->GetChildren(dir);
    if (!children.ok()) return out;
    for (const auto& name : *children) {
      if (name.ends_with(suffix)) out.push_back(dir + "/" + name);
    }
    return out;
  }

  std::unique_ptr<Env> env_;
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(DBTableTest, ReadsSpanMemtablesAndTables) {
  Open();
  ASSERT_OK(db_->Put(WriteOptions(), "a", "table-1"));
  ASSERT_OK(db_->Put(WriteOptions(), "b", "table-1"));
  ASSERT_OK(db_->Merge(WriteOptions(), "m", "1"));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Put(WriteOptions(), "b", "table-2"));
  ASSERT_OK(db_->Delete(WriteOptions(), "a"));
  ASSERT_OK(db_->Merge(WriteOptions(), "m", "2"));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Merge(WriteOptions(), "m", "3"));
  ASSERT_OK(db_->Put(WriteOptions(), "c", "memtable"));
  EXPECT_EQ(Property("kvlsm.num-files-at-level0"), 2);
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  EXPECT_EQ(Get("b"), "table-2");
  EXPECT_EQ(Get("c"), "memtable");
  EXPECT_EQ(Get("m"), "123");
  std::string all;
  auto it = db_->NewIterator(ReadOptions());
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    all += std::string(it->key()) + "=" + std::string(it->value()) + " ";
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(all, "m=123 c=memtable b=table-2 ");
  it.reset();
  Open();
  EXPECT_EQ(Get("m"), "123");
  EXPECT_EQ(Get("b"), "table-2");
}

TEST_F(DBTableTest, SnapshotReadsOlderVersionsInTables) {
  Open();
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v1"));
  const Snapshot* snap = db_->GetSnapshot();
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v2"));
  ASSERT_OK(db_->Flush());
  ReadOptions ro;
  ro.snapshot = snap;
  std::string value;
  ASSERT_OK(db_->Get(ro, "k", &value));
  EXPECT_EQ(value, "v1");
  EXPECT_EQ(Get("k"), "v2");
  db_->ReleaseSnapshot(snap);
}

TEST_F(DBTableTest, BackgroundFlushesKeepEverythingReadable) {
  Open();
  const std::string value(500, 'x');
  for (int i = 0; i < 3000; ++i) ASSERT_OK(db_->Put(WriteOptions(), Key(i), value + Key(i)));
  ASSERT_OK(db_->Flush());
  int tables = 0;
  for (int level = 0; level < 7; ++level) {
    tables += Property(absl::StrCat("kvlsm.num-files-at-level", level));
  }
  EXPECT_GT(tables, 1);
  EXPECT_GT(Property("kvlsm.index-and-filter-memory"), 0);
  for (int i = 0; i < 3000; i += 7) ASSERT_EQ(Get(Key(i)), value + Key(i)) << i;
  EXPECT_EQ(Get("missing"), "NOT_FOUND");
  // Only live files remain: one .log, and a .sst/.idx pair per table.
  ASSERT_OK(test::WaitForBackgroundWork(db_.get()));
  tables = 0;
  for (int level = 0; level < 7; ++level) {
    tables += Property(absl::StrCat("kvlsm.num-files-at-level", level));
  }
  EXPECT_EQ(Files("/db", ".log").size(), 1u);
  EXPECT_EQ(Files("/db", ".sst").size(), static_cast<size_t>(tables));
  EXPECT_EQ(Files("/db", ".idx").size(), static_cast<size_t>(tables));
  Open();
  int count = 0;
  auto it = db_->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++count) {
    ASSERT_EQ(it->key(), Key(count));
  }
  ASSERT_OK(it->status());
  EXPECT_EQ(count, 3000);
}

TEST_F(DBTableTest, IndexFilesCanLiveElsewhere) {
  ASSERT_OK(env_->CreateDirIfMissing("/fast"));
  options_.index_path = "/fast/idx";
  Open();
  for (int i = 0; i < 100; ++i) ASSERT_OK(db_->Put(WriteOptions(), Key(i), "v"));
  ASSERT_OK(db_->Flush());
  EXPECT_EQ(Files("/fast/idx", ".idx").size(), 1u);
  EXPECT_EQ(Files("/db", ".idx").size(), 0u);
  EXPECT_EQ(Files("/db", ".sst").size(), 1u);
  Open();
  EXPECT_EQ(Get(Key(42)), "v");
  db_.reset();
  ASSERT_OK(DestroyDB("/db", options_));
  EXPECT_EQ(Files("/fast/idx", ".idx").size(), 0u);
}

TEST_F(DBTableTest, MissingTableHalfIsNamedAtOpen) {
  Open();
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v"));
  ASSERT_OK(db_->Flush());
  db_.reset();
  for (const char* suffix : {".sst", ".idx"}) {
    SCOPED_TRACE(suffix);
    auto files = Files("/db", suffix);
    ASSERT_EQ(files.size(), 1u);
    std::string saved;
    ASSERT_OK(ReadFileToString(env_.get(), files[0], &saved));
    ASSERT_OK(env_->RemoveFile(files[0]));
    auto db = DB::Open(options_, "/db");
    EXPECT_TRUE(absl::IsDataLoss(db.status())) << db.status();
    EXPECT_TRUE(test::MessageContains(db.status(), files[0])) << db.status();

    // Without paranoid checks the DB opens, and reads that need the table fail naming it.
    Options lax = options_;
    lax.paranoid_checks = false;
    db = DB::Open(lax, "/db");
    ASSERT_OK(db);
    std::string value;
    absl::Status s = (*db)->Get(ReadOptions(), "k", &value);
    EXPECT_TRUE(absl::IsDataLoss(s)) << s;
    EXPECT_TRUE(test::MessageContains(s, files[0])) << s;
    auto it = (*db)->NewIterator(ReadOptions());
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid());
    EXPECT_TRUE(absl::IsDataLoss(it->status())) << it->status();
    it.reset();
    db->reset();
    ASSERT_OK(WriteStringToFile(env_.get(), saved, files[0], false));
  }
  Open();
  EXPECT_EQ(Get("k"), "v");
}

TEST_F(DBTableTest, TruncatedTableIsNamedAtOpen) {
  Open();
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v"));
  ASSERT_OK(db_->Flush());
  db_.reset();
  auto files = Files("/db", ".sst");
  ASSERT_EQ(files.size(), 1u);
  std::string contents;
  ASSERT_OK(ReadFileToString(env_.get(), files[0], &contents));
  ASSERT_OK(
      WriteStringToFile(env_.get(), contents.substr(0, contents.size() - 1), files[0], false));
  auto db = DB::Open(options_, "/db");
  EXPECT_TRUE(absl::IsDataLoss(db.status())) << db.status();
  EXPECT_TRUE(test::MessageContains(db.status(), files[0])) << db.status();
}

TEST_F(DBTableTest, WritesStallWhileFlushesPileUpAndItIsVisible) {
  // A flush that cannot finish (its Env fails to sync) leaves writers stopped with a clear
  // error rather than hanging or losing data.
  auto base = NewMemEnv();
  FaultInjectionEnv faulty(base.get());
  options_.env = &faulty;
  Open();
  faulty.FailOperation(FaultInjectionEnv::Op::kSync, 1, FaultInjectionEnv::Error::kIOError,
                       /*persistent=*/true);
  const std::string value(1000, 'v');
  absl::Status s;
  for (int i = 0; i < 2000 && s.ok(); ++i) s = db_->Put(WriteOptions(), Key(i), value);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(test::MessageContains(s, "read-only")) << s;
  EXPECT_TRUE(test::MessageContains(s, "injected fault")) << s;
  EXPECT_NE(db_->GetProperty("kvlsm.background-error"), "OK");
  EXPECT_EQ(Get(Key(0)), value);  // Reads go on.
  faulty.ClearFaults();
  db_.reset();
  options_.env = &faulty;
  Open();  // Everything acknowledged is back.
  EXPECT_EQ(Get(Key(0)), value);
  db_.reset();  // Before `faulty` goes.
}

TEST_F(DBTableTest, SlowFlushDelaysThenStopsWriters) {
  options_.max_write_buffer_number = 2;
  Open();
  const std::string value(1000, 'v');
  for (int i = 0; i < 3000; ++i) ASSERT_OK(db_->Put(WriteOptions(), Key(i), value));
  ASSERT_OK(db_->Flush());
  // The flush thread cannot keep up with an in-memory writer at every moment; whether it
  // had to, the counters are there and consistent.
  EXPECT_GE(Property("kvlsm.num-delayed-writes"), 0);
  EXPECT_GE(Property("kvlsm.stall-micros"), 0);
  EXPECT_EQ(*db_->GetProperty("kvlsm.is-write-stopped"), "0");
  auto stats = db_->GetProperty("kvlsm.stats");
  EXPECT_TRUE(stats->find("stalls:") != std::string::npos) << *stats;
  for (int i = 0; i < 3000; i += 101) ASSERT_EQ(Get(Key(i)), value);
}

TEST_F(DBTableTest, LongFiveMillionKeysWrittenFlushedReopenedVerified) {
  if (!test::LongTestsEnabled()) GTEST_SKIP() << "set KVLSM_LONG_TESTS=1";
  const std::string dir = test::TempDir("five-million");
  Options options;
  options.create_if_missing = true;
  constexpr int kKeys = 5'000'000;
  auto value = [](int i) {
    std::string v(100, 'a' + i % 26);
    std::memcpy(v.data(), &i, sizeof(i));
    return v;
  };
  auto key = [](int i) {
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016d", i);
    return std::string(buf, 16);
  };
  {
    auto db = DB::Open(options, dir);
    ASSERT_OK(db);
    WriteBatch batch;
    for (int i = 0; i < kKeys; ++i) {
      batch.Put(key(i), value(i));
      if (batch.Count() == 1000) {
        ASSERT_OK((*db)->Write(WriteOptions(), &batch));
        batch.Clear();
      }
    }
    ASSERT_OK((*db)->Flush());
  }
  auto db = DB::Open(options, dir);
  ASSERT_OK(db);
  std::string v;
  for (int i = 0; i < kKeys; i += 1) {
    ASSERT_OK((*db)->Get(ReadOptions(), key(i), &v));
    ASSERT_EQ(v, value(i));
  }
  // Every table is open now, its index and filter pinned.
  std::printf("5M keys verified: %s tables, %s bytes of tables, index+filter memory %s bytes\n",
              (*db)->GetProperty("kvlsm.num-files-at-level0")->c_str(),
              (*db)->GetProperty("kvlsm.total-table-bytes")->c_str(),
              (*db)->GetProperty("kvlsm.index-and-filter-memory")->c_str());
  db->reset();
  ASSERT_OK(DestroyDB(dir, options));
}

}  // namespace
}  // namespace kvlsm
