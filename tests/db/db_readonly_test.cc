// DB::OpenReadOnly: the state of tables and WALs, read without a lock and without writing
// anything; beside a running DB, while it changes, and on damaged directories.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "kvlsm/merge_operator.h"
#include "reliability/intercept_env.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using Model = std::map<std::string, std::string>;
// Every file of a directory (its name) and its bytes.
using Files = std::map<std::string, std::string>;

std::string Key(int i) { return "key" + std::to_string(1000 + i); }
std::string Value(int i, int round) {
  return "value-" + std::to_string(i) + "-" + std::to_string(round);
}

// Appends its operand to the existing value.
class AppendOperator final : public MergeOperator {
 public:
  const char* Name() const override { return "test.Append"; }
  absl::Status FullMerge(std::string_view, std::optional<std::string_view> existing,
                         std::span<const std::string_view> operands,
                         std::string* new_value) const override {
    new_value->assign(existing.value_or(""));
    for (std::string_view op : operands) new_value->append(op);
    return absl::OkStatus();
  }
};

class DBReadOnlyTest : public testing::Test {
 protected:
  DBReadOnlyTest() : env_(NewMemEnv()) {
    options_.env = env_.get();
    options_.create_if_missing = true;
    options_.write_buffer_size = 64 << 10;
  }

  std::unique_ptr<DB> OpenWriter() {
    auto db = DB::Open(options_, "/db");
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *std::move(db) : nullptr;
  }

  // Writes keys [begin, end) at `round`, recording them in model_.
  void Write(DB* db, int begin, int end, int round) {
    for (int i = begin; i < end; ++i) {
      ASSERT_OK(db->Put(WriteOptions(), Key(i), Value(i, round)));
      model_[Key(i)] = Value(i, round);
    }
  }

  void Delete(DB* db, int i) {
    ASSERT_OK(db->Delete(WriteOptions(), Key(i)));
    model_.erase(Key(i));
  }

  // A DB with two flushed tables, a deletion and more updates left in the WAL, closed.
  void MakeClosedDb() {
    std::unique_ptr<DB> db = OpenWriter();
    ASSERT_NE(db, nullptr);
    Write(db.get(), 0, 100, 1);
    ASSERT_OK(db->Flush());
    Write(db.get(), 50, 150, 2);
    Delete(db.get(), 7);
    ASSERT_OK(db->Flush());
    Write(db.get(), 140, 160, 3);  // Stays in the WAL.
    Delete(db.get(), 60);
  }

  Files ReadDir(const std::string& dir) {
    Files files;
    auto children = env_->GetChildren(dir);
    EXPECT_TRUE(children.ok()) << children.status();
    for (const std::string& name : children.ok() ? *children : std::vector<std::string>()) {
      EXPECT_OK(ReadFileToString(env_.get(), dir + "/" + name, &files[name]));
    }
    return files;
  }

  // The DB's contents through Get and through an iterator, each checked against model_.
  void ExpectContents(DB* db, const Model& model) {
    Model seen;
    std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      seen[std::string(it->key())] = std::string(it->value());
    }
    ASSERT_OK(it->status());
    EXPECT_EQ(seen, model);
    for (int i = 0; i < 170; ++i) {
      std::string value;
      absl::Status s = db->Get(ReadOptions(), Key(i), &value);
      auto expected = model.find(Key(i));
      if (expected == model.end()) {
        EXPECT_TRUE(absl::IsNotFound(s)) << Key(i) << ": " << s;
      } else {
        ASSERT_OK(s);
        EXPECT_EQ(value, expected->second) << Key(i);
      }
    }
  }

  // Replaces the file at `path` with its bytes changed by `change`.
  void Damage(const std::string& path, const std::function<void(std::string*)>& change) {
    std::string bytes;
    ASSERT_OK(ReadFileToString(env_.get(), path, &bytes));
    change(&bytes);
    ASSERT_OK(WriteStringToFile(env_.get(), bytes, path, /*sync=*/false));
  }

  std::string FileWithSuffix(const std::string& suffix) {
    for (const auto& [name, bytes] : ReadDir("/db")) {
      if (name.ends_with(suffix) && !bytes.empty()) return "/db/" + name;
    }
    ADD_FAILURE() << "no non-empty " << suffix << " file";
    return "";
  }

  std::unique_ptr<Env> env_;
  Options options_;
  Model model_;
};

TEST_F(DBReadOnlyTest, ReadsTablesAndWalAndWritesNothing) {
  MakeClosedDb();
  const Files before = ReadDir("/db");
  {
    auto db = DB::OpenReadOnly(options_, "/db");
    ASSERT_OK(db);
    ExpectContents(db->get(), model_);
    EXPECT_EQ((*db)->GetProperty("kvlsm.num-files-at-level0"), "2");
    EXPECT_GT(std::stoi((*db)->GetProperty("kvlsm.num-entries-active-mem-table").value()), 0);
    EXPECT_NE((*db)->GetProperty("kvlsm.stats")->find("read-only"), std::string::npos);
  }
  // Not a byte changed, no file added or removed (no LOCK, no LOG, no new WAL or table).
  EXPECT_EQ(ReadDir("/db"), before);
}

TEST_F(DBReadOnlyTest, EveryWriteIsRefused) {
  MakeClosedDb();
  auto db = DB::OpenReadOnly(options_, "/db");
  ASSERT_OK(db);
  WriteBatch batch;
  batch.Put("k", "v");
  const absl::Status results[] = {(*db)->Put(WriteOptions(), "k", "v"),
                                  (*db)->Delete(WriteOptions(), "k"),
                                  (*db)->Merge(WriteOptions(), "k", "v"),
                                  (*db)->Write(WriteOptions(), &batch),
                                  (*db)->Flush(),
                                  (*db)->CompactRange(std::nullopt, std::nullopt)};
  for (const absl::Status& s : results) {
    EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
    EXPECT_TRUE(test::MessageContains(s, "read-only")) << s;
  }
  ExpectContents(db->get(), model_);
}

TEST_F(DBReadOnlyTest, OpensBesideARunningWriterAndSeesItsStateAtOpen) {
  std::unique_ptr<DB> writer = OpenWriter();
  ASSERT_NE(writer, nullptr);
  Write(writer.get(), 0, 80, 1);
  ASSERT_OK(writer->Flush());
  Write(writer.get(), 40, 120, 2);  // In the writer's WAL, not flushed.
  const Model at_open = model_;

  auto reader = DB::OpenReadOnly(options_, "/db");
  ASSERT_OK(reader);
  // The writer goes on; the reader keeps the state it opened.
  Write(writer.get(), 0, 10, 3);
  ASSERT_OK(writer->Flush());
  ExpectContents(reader->get(), at_open);
  // The writer still holds the DB: a second writer is refused, readers are not.
  EXPECT_TRUE(absl::IsFailedPrecondition(DB::Open(options_, "/db").status()));
  auto second_reader = DB::OpenReadOnly(options_, "/db");
  ASSERT_OK(second_reader);
  ExpectContents(second_reader->get(), model_);
}

// The writer records a flush (a MANIFEST edit, then its old WAL deleted) after the reader
// has read the MANIFEST and before it opens that WAL: the reader notices that the MANIFEST
// changed and reads again, so that it finds the flushed data in the new table.
class FlushDuringReadEnv final : public test::InterceptEnv {
 public:
  FlushDuringReadEnv(Env* target, std::function<void()> flush)
      : InterceptEnv(target), flush_(std::move(flush)) {}
  int flushes() const { return flushes_; }

 protected:
  absl::Status Before(const Operation& op) override {
    if (op.kind == OpKind::kOpen && op.file.ends_with(".log") && flushes_ == 0) {
      ++flushes_;
      flush_();
    }
    return absl::OkStatus();
  }

 private:
  std::function<void()> flush_;
  int flushes_ = 0;
};

TEST_F(DBReadOnlyTest, RereadsWhenTheWriterChangesTheDbDuringOpen) {
  std::unique_ptr<DB> writer = OpenWriter();
  ASSERT_NE(writer, nullptr);
  Write(writer.get(), 0, 50, 1);
  ASSERT_OK(writer->Flush());
  Write(writer.get(), 50, 100, 1);  // Only in the WAL until the flush below.
  FlushDuringReadEnv env(env_.get(), [&] { EXPECT_OK(writer->Flush()); });
  Options reader_options = options_;
  reader_options.env = &env;
  auto reader = DB::OpenReadOnly(reader_options, "/db");
  ASSERT_OK(reader);
  EXPECT_EQ(env.flushes(), 1);
  ExpectContents(reader->get(), model_);
}

TEST_F(DBReadOnlyTest, MissingDbIsNotFoundAndNothingIsCreated) {
  auto db = DB::OpenReadOnly(options_, "/nothing");  // create_if_missing is ignored.
  EXPECT_TRUE(absl::IsNotFound(db.status())) << db.status();
  EXPECT_TRUE(test::MessageContains(db.status(), "CURRENT")) << db.status();
  EXPECT_FALSE(env_->FileExists("/nothing"));
  EXPECT_TRUE(absl::IsInvalidArgument(DB::OpenReadOnly(options_, "").status()));
}

TEST_F(DBReadOnlyTest, DamagedWalRecordFailsUnlessRecoveryModeSkipsIt) {
  MakeClosedDb();
  const std::string log = FileWithSuffix(".log");
  Damage(log, [](std::string* bytes) { (*bytes)[20] ^= 0x40; });  // In the first record.
  const Files before = ReadDir("/db");
  auto db = DB::OpenReadOnly(options_, "/db");
  EXPECT_TRUE(absl::IsDataLoss(db.status())) << db.status();
  EXPECT_TRUE(test::MessageContains(db.status(), log)) << db.status();

  options_.wal_recovery_mode = WalRecoveryMode::kSkipAnyCorruptedRecords;
  db = DB::OpenReadOnly(options_, "/db");
  ASSERT_OK(db);
  // The damaged block of the WAL is skipped; the tables are whole.
  std::string value;
  ASSERT_OK((*db)->Get(ReadOptions(), Key(100), &value));
  EXPECT_EQ(value, Value(100, 2));
  db->reset();
  EXPECT_EQ(ReadDir("/db"), before);  // The damaged WAL is left as it was.
}

TEST_F(DBReadOnlyTest, MissingTableFileIsNamedUnlessParanoidChecksAreOff) {
  MakeClosedDb();
  const std::string idx = FileWithSuffix(".idx");
  ASSERT_OK(env_->RemoveFile(idx));
  auto db = DB::OpenReadOnly(options_, "/db");
  EXPECT_TRUE(absl::IsDataLoss(db.status())) << db.status();
  EXPECT_TRUE(test::MessageContains(db.status(), idx)) << db.status();

  // Without paranoid checks it opens; reads that need the table say which file is gone,
  // the WAL's data is there.
  options_.paranoid_checks = false;
  db = DB::OpenReadOnly(options_, "/db");
  ASSERT_OK(db);
  std::unique_ptr<Iterator> it = (*db)->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  EXPECT_TRUE(absl::IsDataLoss(it->status())) << it->status();
  EXPECT_TRUE(test::MessageContains(it->status(), idx)) << it->status();
  std::string value;
  ASSERT_OK((*db)->Get(ReadOptions(), Key(150), &value));
  EXPECT_EQ(value, Value(150, 3));
}

TEST_F(DBReadOnlyTest, DamagedManifestIsDataLoss) {
  MakeClosedDb();
  std::string current;
  ASSERT_OK(ReadFileToString(env_.get(), "/db/CURRENT", &current));
  const std::string path = "/db/" + current.substr(0, current.size() - 1);
  Damage(path, [](std::string* bytes) { (*bytes)[15] ^= 0x01; });
  auto db = DB::OpenReadOnly(options_, "/db");
  EXPECT_TRUE(absl::IsDataLoss(db.status())) << db.status();
  EXPECT_TRUE(test::MessageContains(db.status(), path)) << db.status();
  EXPECT_TRUE(test::MessageContains(db.status(), "offset 0")) << db.status();
}

TEST_F(DBReadOnlyTest, SnapshotsAndMergeOperandsAsInAWritableDb) {
  options_.merge_operator = std::make_shared<AppendOperator>();
  {
    std::unique_ptr<DB> db = OpenWriter();
    ASSERT_NE(db, nullptr);
    ASSERT_OK(db->Put(WriteOptions(), "m", "a"));
    ASSERT_OK(db->Flush());
    ASSERT_OK(db->Merge(WriteOptions(), "m", "b"));  // Folded across table and WAL.
    ASSERT_OK(db->Merge(WriteOptions(), "m", "c"));
  }
  auto db = DB::OpenReadOnly(options_, "/db");
  ASSERT_OK(db);
  const Snapshot* snapshot = (*db)->GetSnapshot();
  EXPECT_EQ((*db)->GetProperty("kvlsm.num-snapshots"), "1");
  std::string value;
  ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot;
  ASSERT_OK((*db)->Get(at_snapshot, "m", &value));
  EXPECT_EQ(value, "abc");
  EXPECT_EQ((*db)->GetProperty("kvlsm.last-sequence"), "3");
  (*db)->ReleaseSnapshot(snapshot);
  EXPECT_EQ((*db)->GetProperty("kvlsm.num-snapshots"), "0");
}

}  // namespace
}  // namespace kvlsm
