// FaultInjectionEnv: crash simulation (DropUnsyncedData) and injected faults.
#include "kvlsm/fault_injection_env.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "kvlsm/env.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Op = FaultInjectionEnv::Op;
using Error = FaultInjectionEnv::Error;

class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  FaultInjectionEnvTest() : base_(NewMemEnv()), env_(base_.get()) {}

  void SetUp() override { ASSERT_OK(base_->CreateDirIfMissing(kDir)); }

  static std::string Path(const std::string& name) { return std::string(kDir) + "/" + name; }

  // Creates fname through the wrapper with `data`, synced; the directory entry is made
  // durable only when sync_dir.
  void WriteSynced(const std::string& fname, const std::string& data, bool sync_dir) {
    auto file = env_.NewWritableFile(fname);
    ASSERT_OK(file);
    ASSERT_OK((*file)->Append(data));
    ASSERT_OK((*file)->Sync());
    ASSERT_OK((*file)->Close());
    if (sync_dir) ASSERT_OK(env_.SyncDir(kDir));
  }

  // The contents of fname, or "<missing>".
  std::string Contents(const std::string& fname) {
    if (!base_->FileExists(fname)) return "<missing>";
    std::string data;
    EXPECT_OK(ReadFileToString(base_.get(), fname, &data));
    return data;
  }

  static constexpr char kDir[] = "/db";
  std::unique_ptr<Env> base_;
  FaultInjectionEnv env_;
};

TEST_F(FaultInjectionEnvTest, UnsyncedTailIsDropped) {
  auto file = env_.NewWritableFile(Path("log"));
  ASSERT_OK(file);
  ASSERT_OK(env_.SyncDir(kDir));
  ASSERT_OK((*file)->Append("synced"));
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Append(" lost"));
  ASSERT_OK((*file)->Flush());
  EXPECT_EQ(Contents(Path("log")), "synced lost");
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("log")), "synced");
}

TEST_F(FaultInjectionEnvTest, SyncedDataIsKept) {
  WriteSynced(Path("f"), "all of it", /*sync_dir=*/true);
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("f")), "all of it");
}

TEST_F(FaultInjectionEnvTest, FileCreatedWithoutDirSyncVanishes) {
  WriteSynced(Path("f"), "data", /*sync_dir=*/false);
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("f")), "<missing>");
}

TEST_F(FaultInjectionEnvTest, FileCreatedWithDirSyncButNoFileSyncIsEmpty) {
  auto file = env_.NewWritableFile(Path("f"));
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append("never synced"));
  ASSERT_OK(env_.SyncDir(kDir));
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("f")), "");
}

TEST_F(FaultInjectionEnvTest, SyncDirOfAnotherDirectoryDoesNotHelp) {
  ASSERT_OK(base_->CreateDirIfMissing("/other"));
  WriteSynced(Path("f"), "data", /*sync_dir=*/false);
  ASSERT_OK(env_.SyncDir("/other"));
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("f")), "<missing>");
}

TEST_F(FaultInjectionEnvTest, RenameWithoutDirSyncIsUndone) {
  ASSERT_OK(WriteStringToFile(base_.get(), "old", Path("CURRENT"), false));  // Pre-existing.
  WriteSynced(Path("CURRENT.tmp"), "new", /*sync_dir=*/true);
  ASSERT_OK(env_.RenameFile(Path("CURRENT.tmp"), Path("CURRENT")));
  EXPECT_EQ(Contents(Path("CURRENT")), "new");
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("CURRENT")), "old");
  EXPECT_EQ(Contents(Path("CURRENT.tmp")), "new");
}

TEST_F(FaultInjectionEnvTest, RenameWithDirSyncIsKept) {
  ASSERT_OK(WriteStringToFile(base_.get(), "old", Path("CURRENT"), false));
  WriteSynced(Path("CURRENT.tmp"), "new", /*sync_dir=*/true);
  ASSERT_OK(env_.RenameFile(Path("CURRENT.tmp"), Path("CURRENT")));
  ASSERT_OK(env_.SyncDir(kDir));
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("CURRENT")), "new");
  EXPECT_EQ(Contents(Path("CURRENT.tmp")), "<missing>");
}

TEST_F(FaultInjectionEnvTest, UndoneRenameOfNeverDurableFileLeavesNothing) {
  ASSERT_OK(WriteStringToFile(base_.get(), "old", Path("CURRENT"), false));
  WriteSynced(Path("CURRENT.tmp"), "new", /*sync_dir=*/false);
  ASSERT_OK(env_.RenameFile(Path("CURRENT.tmp"), Path("CURRENT")));
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("CURRENT")), "old");
  EXPECT_EQ(Contents(Path("CURRENT.tmp")), "<missing>");
}

TEST_F(FaultInjectionEnvTest, UndoneRenameRestoresOnlyTheDurablePartOfTheTarget) {
  auto target = env_.NewWritableFile(Path("target"));
  ASSERT_OK(target);
  ASSERT_OK(env_.SyncDir(kDir));
  ASSERT_OK((*target)->Append("durable"));
  ASSERT_OK((*target)->Sync());
  ASSERT_OK((*target)->Append(" volatile"));
  ASSERT_OK((*target)->Close());
  WriteSynced(Path("src"), "replacement", /*sync_dir=*/true);
  ASSERT_OK(env_.RenameFile(Path("src"), Path("target")));
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("target")), "durable");
  EXPECT_EQ(Contents(Path("src")), "replacement");
}

TEST_F(FaultInjectionEnvTest, ChainOfRenamesIsUndoneInReverse) {
  WriteSynced(Path("a"), "A", /*sync_dir=*/true);
  ASSERT_OK(env_.RenameFile(Path("a"), Path("b")));
  ASSERT_OK(env_.RenameFile(Path("b"), Path("c")));
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("a")), "A");
  EXPECT_EQ(Contents(Path("b")), "<missing>");
  EXPECT_EQ(Contents(Path("c")), "<missing>");
}

TEST_F(FaultInjectionEnvTest, RenamedFileKeepsItsSyncedLength) {
  auto file = env_.NewWritableFile(Path("a"));
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append("kept"));
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Append("dropped"));
  ASSERT_OK((*file)->Close());
  ASSERT_OK(env_.RenameFile(Path("a"), Path("b")));
  ASSERT_OK(env_.SyncDir(kDir));
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("b")), "kept");
}

TEST_F(FaultInjectionEnvTest, PreexistingFilesCountAsSyncedAndDurable) {
  ASSERT_OK(WriteStringToFile(base_.get(), "untouched", Path("untouched"), false));
  ASSERT_OK(WriteStringToFile(base_.get(), "before", Path("appended"), false));
  auto file = env_.NewAppendableFile(Path("appended"));
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append(" after"));
  ASSERT_OK((*file)->Close());
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("untouched")), "untouched");
  EXPECT_EQ(Contents(Path("appended")), "before");
}

TEST_F(FaultInjectionEnvTest, RemovalIsDurableAtOnce) {
  WriteSynced(Path("durable"), "x", /*sync_dir=*/true);
  ASSERT_OK(env_.RemoveFile(Path("durable")));
  WriteSynced(Path("fresh"), "y", /*sync_dir=*/false);
  ASSERT_OK(env_.RemoveFile(Path("fresh")));
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("durable")), "<missing>");
  EXPECT_EQ(Contents(Path("fresh")), "<missing>");
}

TEST_F(FaultInjectionEnvTest, OpenHandlesFailAfterDrop) {
  auto file = env_.NewWritableFile(Path("f"));
  ASSERT_OK(file);
  ASSERT_OK(env_.SyncDir(kDir));
  ASSERT_OK((*file)->Append("x"));
  ASSERT_OK(env_.DropUnsyncedData());
  for (const absl::Status& s :
       {(*file)->Append("y"), (*file)->Flush(), (*file)->Sync(), (*file)->Close()}) {
    EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(Path("f")));
  }
  EXPECT_EQ(Contents(Path("f")), "");
  // New handles work.
  WriteSynced(Path("f"), "again", /*sync_dir=*/true);
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("f")), "again");
}

TEST_F(FaultInjectionEnvTest, DropStartsAFreshState) {
  WriteSynced(Path("f"), "x", /*sync_dir=*/false);
  auto file = env_.NewAppendableFile(Path("g"));
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append("g"));
  ASSERT_OK((*file)->Sync());
  ASSERT_OK(env_.SyncDir(kDir));  // Both entries durable now.
  ASSERT_OK(env_.DropUnsyncedData());
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("f")), "x");
  EXPECT_EQ(Contents(Path("g")), "g");
}

TEST_F(FaultInjectionEnvTest, WorksOverThePosixEnv) {
  const std::string dir = test::TempDir("fault-injection-posix");
  FaultInjectionEnv env(Env::Default());
  const std::string log = dir + "/000001.log";
  auto file = env.NewWritableFile(log);
  ASSERT_OK(file);
  ASSERT_OK(env.SyncDir(dir));
  ASSERT_OK((*file)->Append("synced"));
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Append(" still in the user-space buffer"));
  auto fresh = env.NewWritableFile(dir + "/fresh");
  ASSERT_OK(fresh);
  ASSERT_OK((*fresh)->Append("x"));
  ASSERT_OK((*fresh)->Sync());
  ASSERT_OK(env.DropUnsyncedData());
  std::string data;
  ASSERT_OK(ReadFileToString(Env::Default(), log, &data));
  EXPECT_EQ(data, "synced");
  EXPECT_FALSE(Env::Default()->FileExists(dir + "/fresh"));
  file->reset();  // Destroying an invalidated handle writes nothing.
  fresh->reset();
  ASSERT_OK(ReadFileToString(Env::Default(), log, &data));
  EXPECT_EQ(data, "synced");
  std::filesystem::remove_all(dir);
}

// Injected faults.

class FaultTest : public FaultInjectionEnvTest {
 protected:
  void SetUp() override {
    FaultInjectionEnvTest::SetUp();
    ASSERT_OK(WriteStringToFile(base_.get(), "readable", Path("readable"), false));
    auto writer = env_.NewWritableFile(Path("w"));
    ASSERT_OK(writer);
    writer_ = *std::move(writer);
    auto reader = env_.NewRandomAccessFile(Path("readable"));
    ASSERT_OK(reader);
    reader_ = *std::move(reader);
  }

  // Performs exactly one operation of `op` through the wrapper.
  absl::Status DoOp(Op op) {
    switch (op) {
      case Op::kWrite:
        return writer_->Append("x");
      case Op::kSync:
        return writer_->Sync();
      case Op::kRename: {
        absl::Status s = WriteStringToFile(base_.get(), "r", Path("rename-src"), false);
        if (!s.ok()) return s;
        return env_.RenameFile(Path("rename-src"), Path("rename-dst"));
      }
      case Op::kOpen:
        return env_.NewSequentialFile(Path("readable")).status();
      case Op::kRead: {
        char scratch[8];
        std::string_view result;
        return reader_->Read(0, 8, &result, scratch);
      }
    }
    return absl::InternalError("unknown op");
  }

  std::unique_ptr<WritableFile> writer_;
  std::unique_ptr<RandomAccessFile> reader_;
};

constexpr Op kAllOps[] = {Op::kWrite, Op::kSync, Op::kRename, Op::kOpen, Op::kRead};

void ExpectInjected(const absl::Status& s, Error error) {
  EXPECT_THAT(std::string(s.message()), HasSubstr("injected fault"));
  if (error == Error::kIOError) {
    EXPECT_TRUE(absl::IsInternal(s)) << s;
    EXPECT_THAT(std::string(s.message()), StartsWith("I/O error"));
    EXPECT_THAT(std::string(s.message()), HasSubstr("Input/output error"));
  } else {
    EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr("No space left on device"));
  }
}

TEST_F(FaultTest, NthOperationFailsOnce) {
  for (Op op : kAllOps) {
    for (Error error : {Error::kIOError, Error::kNoSpace}) {
      SCOPED_TRACE(absl::StrCat("op ", static_cast<int>(op), " error ", static_cast<int>(error)));
      const int64_t count_before = env_.OperationCount(op);
      const int64_t failures_before = env_.InjectedFailures();
      env_.FailOperation(op, 2, error, /*persistent=*/false);
      EXPECT_OK(DoOp(op));
      ExpectInjected(DoOp(op), error);
      EXPECT_OK(DoOp(op));
      EXPECT_OK(DoOp(op));
      EXPECT_EQ(env_.OperationCount(op) - count_before, 4);
      EXPECT_EQ(env_.InjectedFailures() - failures_before, 1);
    }
  }
}

TEST_F(FaultTest, PersistentFaultFailsUntilCleared) {
  for (Op op : kAllOps) {
    for (Error error : {Error::kIOError, Error::kNoSpace}) {
      SCOPED_TRACE(absl::StrCat("op ", static_cast<int>(op), " error ", static_cast<int>(error)));
      const int64_t failures_before = env_.InjectedFailures();
      env_.FailOperation(op, 2, error, /*persistent=*/true);
      EXPECT_OK(DoOp(op));
      ExpectInjected(DoOp(op), error);
      ExpectInjected(DoOp(op), error);
      ExpectInjected(DoOp(op), error);
      env_.ClearFaults();
      EXPECT_OK(DoOp(op));
      EXPECT_EQ(env_.InjectedFailures() - failures_before, 3);
    }
  }
}

TEST_F(FaultTest, FaultsOnOneOpLeaveOthersAlone) {
  env_.FailOperation(Op::kSync, 1, Error::kIOError, /*persistent=*/true);
  EXPECT_OK(DoOp(Op::kWrite));
  EXPECT_OK(DoOp(Op::kOpen));
  EXPECT_OK(DoOp(Op::kRead));
  EXPECT_OK(DoOp(Op::kRename));
  EXPECT_FALSE(DoOp(Op::kSync).ok());
}

TEST_F(FaultTest, FlushCountsAsWriteAndSyncDirAsSync) {
  env_.FailOperation(Op::kWrite, 1, Error::kNoSpace, /*persistent=*/false);
  ExpectInjected(writer_->Flush(), Error::kNoSpace);
  env_.FailOperation(Op::kSync, 1, Error::kIOError, /*persistent=*/false);
  const absl::Status s = env_.SyncDir(kDir);
  ExpectInjected(s, Error::kIOError);
  EXPECT_THAT(std::string(s.message()), HasSubstr(kDir));
}

TEST_F(FaultTest, OpenFaultCoversEveryKindOfOpen) {
  env_.FailOperation(Op::kOpen, 1, Error::kIOError, /*persistent=*/true);
  EXPECT_FALSE(env_.NewSequentialFile(Path("readable")).ok());
  EXPECT_FALSE(env_.NewRandomAccessFile(Path("readable")).ok());
  EXPECT_FALSE(env_.NewWritableFile(Path("new")).ok());
  EXPECT_FALSE(env_.NewAppendableFile(Path("new")).ok());
  EXPECT_FALSE(base_->FileExists(Path("new")));  // A failed open creates nothing.
}

TEST_F(FaultTest, SequentialReadFails) {
  auto file = env_.NewSequentialFile(Path("readable"));
  ASSERT_OK(file);
  env_.FailOperation(Op::kRead, 1, Error::kIOError, /*persistent=*/false);
  char scratch[16];
  std::string_view result = "garbage";
  ExpectInjected((*file)->Read(16, &result, scratch), Error::kIOError);
  EXPECT_TRUE(result.empty());
  ASSERT_OK((*file)->Read(16, &result, scratch));
  EXPECT_EQ(result, "readable");
}

TEST_F(FaultTest, FailedAppendWritesTheFirstHalf) {
  env_.FailOperation(Op::kWrite, 1, Error::kNoSpace, /*persistent=*/false);
  ExpectInjected(writer_->Append("abcdefg"), Error::kNoSpace);
  ASSERT_OK(writer_->Flush());
  EXPECT_EQ(Contents(Path("w")), "abc");
}

TEST_F(FaultTest, FailedSyncSyncsNothing) {
  ASSERT_OK(env_.SyncDir(kDir));
  ASSERT_OK(writer_->Append("data"));
  env_.FailOperation(Op::kSync, 1, Error::kIOError, /*persistent=*/false);
  EXPECT_FALSE(writer_->Sync().ok());
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("w")), "");
}

TEST_F(FaultTest, FailedSyncDirMakesNothingDurable) {
  WriteSynced(Path("f"), "x", /*sync_dir=*/false);
  env_.FailOperation(Op::kSync, 1, Error::kIOError, /*persistent=*/false);
  EXPECT_FALSE(env_.SyncDir(kDir).ok());
  ASSERT_OK(env_.DropUnsyncedData());
  EXPECT_EQ(Contents(Path("f")), "<missing>");
}

TEST_F(FaultTest, FailedRenameDoesNothing) {
  ASSERT_OK(WriteStringToFile(base_.get(), "src", Path("src"), false));
  ASSERT_OK(WriteStringToFile(base_.get(), "dst", Path("dst"), false));
  env_.FailOperation(Op::kRename, 1, Error::kIOError, /*persistent=*/false);
  const absl::Status s = env_.RenameFile(Path("src"), Path("dst"));
  ExpectInjected(s, Error::kIOError);
  EXPECT_THAT(std::string(s.message()), HasSubstr(Path("src")));
  EXPECT_EQ(Contents(Path("src")), "src");
  EXPECT_EQ(Contents(Path("dst")), "dst");
  ASSERT_OK(env_.DropUnsyncedData());  // Nothing to undo either.
  EXPECT_EQ(Contents(Path("src")), "src");
  EXPECT_EQ(Contents(Path("dst")), "dst");
}

TEST_F(FaultTest, CountersCountAttemptsIncludingFailures) {
  const int64_t writes = env_.OperationCount(Op::kWrite);
  const int64_t opens = env_.OperationCount(Op::kOpen);
  env_.FailOperation(Op::kWrite, 1, Error::kIOError, /*persistent=*/true);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(writer_->Append("x").ok());
  EXPECT_EQ(env_.OperationCount(Op::kWrite) - writes, 3);
  EXPECT_EQ(env_.OperationCount(Op::kOpen), opens);
  EXPECT_EQ(env_.InjectedFailures(), 3);
}

TEST_F(FaultTest, ConcurrentWritersWithFaultsAndDrop) {
  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto file = env_.NewWritableFile(Path(absl::StrCat("t", t)));
      if (!file.ok()) return;
      for (int i = 0; i < 300 && !stop.load(); ++i) {
        (*file)->Append("record").IgnoreError();
        (*file)->Sync().IgnoreError();
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    env_.FailOperation(i % 2 == 0 ? Op::kWrite : Op::kSync, 3, Error::kIOError, false);
    env_.SyncDir(kDir).IgnoreError();
  }
  EXPECT_OK(env_.DropUnsyncedData());
  stop.store(true);
  for (auto& thread : threads) thread.join();
  env_.ClearFaults();
  // Nothing more than was written survives (the point is that nothing crashed or raced).
  for (int t = 0; t < kThreads; ++t) {
    const std::string data = Contents(Path(absl::StrCat("t", t)));
    EXPECT_LE(data.size(), 300u * 6) << t;
  }
}

}  // namespace
}  // namespace kvlsm
