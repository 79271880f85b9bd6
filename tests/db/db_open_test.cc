// Opening a DB with bad options, in a bad place, twice, or with the wrong plugins: each is
// a clear status, and nothing is created or damaged.
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "kvlsm/comparator.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "kvlsm/merge_operator.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

class ReverseComparator final : public Comparator {
 public:
  int Compare(std::string_view a, std::string_view b) const override { return b.compare(a); }
  const char* Name() const override { return "test.ReverseComparator"; }
};

class NamedOperator final : public MergeOperator {
 public:
  explicit NamedOperator(const char* name) : name_(name) {}
  const char* Name() const override { return name_; }
  absl::Status FullMerge(std::string_view, std::optional<std::string_view>,
                         std::span<const std::string_view> operands,
                         std::string* new_value) const override {
    new_value->assign(operands.back());
    return absl::OkStatus();
  }

 private:
  const char* name_;
};

class DBOpenTest : public testing::Test {
 protected:
  DBOpenTest() : env_(NewMemEnv()) { options_.env = env_.get(); }

  bool Contains(const absl::Status& s, std::string_view text) {
    return test::MessageContains(s, text);
  }

  std::unique_ptr<Env> env_;
  Options options_;
};

TEST_F(DBOpenTest, InvalidOptionsNameTheField) {
  options_.create_if_missing = true;
  options_.write_buffer_size = 1;
  auto db = DB::Open(options_, "/db");
  EXPECT_TRUE(absl::IsInvalidArgument(db.status())) << db.status();
  EXPECT_TRUE(Contains(db.status(), "write_buffer_size")) << db.status();
  options_.write_buffer_size = 1 << 20;
  options_.max_write_buffer_number = 1;
  db = DB::Open(options_, "/db");
  EXPECT_TRUE(Contains(db.status(), "max_write_buffer_number")) << db.status();
  options_.max_write_buffer_number = 2;
  options_.wal_recovery_mode = static_cast<WalRecoveryMode>(42);
  db = DB::Open(options_, "/db");
  EXPECT_TRUE(Contains(db.status(), "wal_recovery_mode")) << db.status();
  EXPECT_FALSE(env_->FileExists("/db/CURRENT"));
}

TEST_F(DBOpenTest, MissingDBWithoutCreateIfMissingCreatesNothing) {
  auto db = DB::Open(options_, "/db");
  EXPECT_TRUE(absl::IsNotFound(db.status())) << db.status();
  EXPECT_TRUE(Contains(db.status(), "create_if_missing")) << db.status();
  auto children = env_->GetChildren("/db");
  EXPECT_TRUE(!children.ok() || children->empty());
}

TEST_F(DBOpenTest, PathThatIsAFile) {
  ASSERT_OK(WriteStringToFile(env_.get(), "not a directory", "/file", false));
  options_.create_if_missing = true;
  auto db = DB::Open(options_, "/file");
  EXPECT_FALSE(db.ok());
  EXPECT_TRUE(Contains(db.status(), "/file")) << db.status();
  std::string contents;
  ASSERT_OK(ReadFileToString(env_.get(), "/file", &contents));
  EXPECT_EQ(contents, "not a directory");
}

TEST_F(DBOpenTest, PosixPathThatIsAFile) {
  const std::string dir = test::TempDir("path-is-file");
  const std::string file = dir + "/file";
  ASSERT_OK(WriteStringToFile(Env::Default(), "x", file, false));
  Options options;
  options.create_if_missing = true;
  auto db = DB::Open(options, file);
  EXPECT_FALSE(db.ok());
  EXPECT_TRUE(Contains(db.status(), file)) << db.status();
}

TEST_F(DBOpenTest, SecondOpenIsRefusedUntilTheFirstCloses) {
  options_.create_if_missing = true;
  auto first = DB::Open(options_, "/db");
  ASSERT_OK(first);
  ASSERT_OK((*first)->Put(WriteOptions(), "k", "v"));
  auto second = DB::Open(options_, "/db");
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  EXPECT_TRUE(Contains(second.status(), "in use")) << second.status();
  first->reset();
  second = DB::Open(options_, "/db");
  ASSERT_OK(second);
  std::string value;
  ASSERT_OK((*second)->Get(ReadOptions(), "k", &value));
  EXPECT_EQ(value, "v");
}

TEST_F(DBOpenTest, PosixSecondOpenInTheSameProcessIsRefused) {
  const std::string dir = test::TempDir("second-open");
  Options options;
  options.create_if_missing = true;
  auto first = DB::Open(options, dir);
  ASSERT_OK(first);
  auto second = DB::Open(options, dir);
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
}

TEST_F(DBOpenTest, ErrorIfExists) {
  options_.create_if_missing = true;
  ASSERT_OK(DB::Open(options_, "/db"));
  options_.error_if_exists = true;
  auto db = DB::Open(options_, "/db");
  EXPECT_TRUE(absl::IsAlreadyExists(db.status())) << db.status();
}

TEST_F(DBOpenTest, ComparatorMismatchIsRefused) {
  options_.create_if_missing = true;
  {
    auto db = DB::Open(options_, "/db");
    ASSERT_OK(db);
    ASSERT_OK((*db)->Put(WriteOptions(), "k", "v"));
  }
  ReverseComparator reverse;
  options_.comparator = &reverse;
  auto db = DB::Open(options_, "/db");
  EXPECT_TRUE(absl::IsInvalidArgument(db.status())) << db.status();
  EXPECT_TRUE(Contains(db.status(), "test.ReverseComparator")) << db.status();
  EXPECT_TRUE(Contains(db.status(), "kvlsm.BytewiseComparator")) << db.status();
  options_.comparator = nullptr;
  ASSERT_OK(DB::Open(options_, "/db"));  // Unharmed.
}

TEST_F(DBOpenTest, MergeOperatorMismatchIsRefused) {
  options_.create_if_missing = true;
  options_.merge_operator = std::make_shared<NamedOperator>("test.First");
  ASSERT_OK(DB::Open(options_, "/db"));
  options_.merge_operator = std::make_shared<NamedOperator>("test.Second");
  auto db = DB::Open(options_, "/db");
  EXPECT_TRUE(absl::IsInvalidArgument(db.status())) << db.status();
  EXPECT_TRUE(Contains(db.status(), "test.First")) << db.status();
  options_.merge_operator = std::make_shared<NamedOperator>("test.First");
  ASSERT_OK(DB::Open(options_, "/db"));
}

TEST_F(DBOpenTest, ReverseComparatorOrdersIteration) {
  ReverseComparator reverse;
  options_.comparator = &reverse;
  options_.create_if_missing = true;
  auto db = DB::Open(options_, "/db");
  ASSERT_OK(db);
  for (const char* k : {"a", "c", "b"}) ASSERT_OK((*db)->Put(WriteOptions(), k, k));
  std::string order;
  auto it = (*db)->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) order += std::string(it->key());
  EXPECT_EQ(order, "cba");
}

TEST_F(DBOpenTest, DamagedCurrentIsDataLoss) {
  options_.create_if_missing = true;
  ASSERT_OK(DB::Open(options_, "/db"));
  ASSERT_OK(WriteStringToFile(env_.get(), "garbage", "/db/CURRENT", false));
  auto db = DB::Open(options_, "/db");
  EXPECT_TRUE(absl::IsDataLoss(db.status())) << db.status();
  EXPECT_TRUE(Contains(db.status(), "CURRENT")) << db.status();
}

TEST_F(DBOpenTest, MissingManifestIsDataLossNamingIt) {
  options_.create_if_missing = true;
  ASSERT_OK(DB::Open(options_, "/db"));
  std::string current;
  ASSERT_OK(ReadFileToString(env_.get(), "/db/CURRENT", &current));
  const std::string manifest = "/db/" + current.substr(0, current.size() - 1);
  ASSERT_OK(env_->RemoveFile(manifest));
  auto db = DB::Open(options_, "/db");
  EXPECT_TRUE(absl::IsDataLoss(db.status())) << db.status();
  EXPECT_TRUE(Contains(db.status(), manifest)) << db.status();
}

TEST_F(DBOpenTest, DamagedManifestIsRefusedOrHarmless) {
  options_.create_if_missing = true;
  {
    auto db = DB::Open(options_, "/db");
    ASSERT_OK(db);
    ASSERT_OK((*db)->Put(WriteOptions(), "k", "v"));
    ASSERT_OK((*db)->Flush());
  }
  // Keep every file, to restore the DB before each flip.
  std::map<std::string, std::string> files;
  auto children = env_->GetChildren("/db");
  ASSERT_OK(children);
  for (const auto& name : *children) {
    if (name == "LOCK") continue;
    ASSERT_OK(ReadFileToString(env_.get(), "/db/" + name, &files[name]));
  }
  const std::string current = files["CURRENT"];
  const std::string manifest = current.substr(0, current.size() - 1);
  const std::string contents = files[manifest];
  int refused = 0, opened = 0;
  for (size_t i = 0; i < contents.size(); ++i) {
    for (const auto& [name, data] : files) {
      std::string bytes = data;
      if (name == manifest) bytes[i] ^= 0x40;
      ASSERT_OK(WriteStringToFile(env_.get(), bytes, "/db/" + name, false));
    }
    auto db = DB::Open(options_, "/db");
    if (!db.ok()) {
      EXPECT_TRUE(absl::IsDataLoss(db.status()) || absl::IsInvalidArgument(db.status()))
          << "flipped byte " << i << ": " << db.status();
      ++refused;
      continue;
    }
    // Opening is only right when the flip made the last edit look like a torn write,
    // which is dropped as never having happened; the data must still be all there.
    std::string value;
    EXPECT_OK((*db)->Get(ReadOptions(), "k", &value));
    EXPECT_EQ(value, "v") << "flipped byte " << i;
    ++opened;
  }
  EXPECT_GT(refused, 0);
  std::printf("MANIFEST bytes flipped: %zu (%d refused, %d opened intact)\n", contents.size(),
              refused, opened);
}

}  // namespace
}  // namespace kvlsm
