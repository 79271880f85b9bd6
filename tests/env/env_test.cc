// The Env contract, checked against both the POSIX Env (in a temporary directory) and the
// in-memory Env.
#include "kvlsm/env.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "env/env_internal.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

enum class EnvKind { kPosix, kMem };

// The message of an info-log line "2026/11/21-06:42:19.123456 <thread id> <message>", or
// "<bad line>" when the line does not have that shape.
std::string LogLineMessage(const std::string& line) {
  const std::string pattern = "dddd/dd/dd-dd:dd:dd.dddddd ";
  if (line.size() < pattern.size()) return "<bad line>";
  for (size_t i = 0; i < pattern.size(); ++i) {
    const bool ok = pattern[i] == 'd' ? absl::ascii_isdigit(line[i]) : line[i] == pattern[i];
    if (!ok) return "<bad line>";
  }
  size_t pos = pattern.size();
  const size_t digits_start = pos;
  while (pos < line.size() && absl::ascii_isdigit(line[pos])) ++pos;
  if (pos == digits_start || pos >= line.size() || line[pos] != ' ') return "<bad line>";
  return line.substr(pos + 1);
}

class EnvTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  void SetUp() override {
    if (GetParam() == EnvKind::kPosix) {
      env_ = Env::Default();
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      std::string name = absl::StrCat("env-", info->name());
      std::replace(name.begin(), name.end(), '/', '-');
      dir_ = test::TempDir(name);
    } else {
      mem_env_ = NewMemEnv();
      env_ = mem_env_.get();
      dir_ = "/test";
      ASSERT_OK(env_->CreateDirIfMissing(dir_));
    }
  }

  void TearDown() override {
    if (GetParam() == EnvKind::kPosix) std::filesystem::remove_all(dir_);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string Contents(const std::string& fname) {
    std::string data;
    EXPECT_OK(ReadFileToString(env_, fname, &data));
    return data;
  }

  std::unique_ptr<Env> mem_env_;
  Env* env_ = nullptr;
  std::string dir_;
};

TEST_P(EnvTest, WriteThenReadBack) {
  const std::string fname = Path("f");
  auto file = env_->NewWritableFile(fname);
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append("hello "));
  ASSERT_OK((*file)->Append("world"));
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Close());
  EXPECT_EQ(Contents(fname), "hello world");
  auto size = env_->GetFileSize(fname);
  ASSERT_OK(size);
  EXPECT_EQ(*size, 11u);
}

TEST_P(EnvTest, SequentialReadsInPiecesAndSkips) {
  const std::string fname = Path("f");
  ASSERT_OK(WriteStringToFile(env_, "0123456789", fname, /*sync=*/false));
  auto file = env_->NewSequentialFile(fname);
  ASSERT_OK(file);
  char scratch[16];
  std::string_view result;
  ASSERT_OK((*file)->Read(3, &result, scratch));
  EXPECT_EQ(result, "012");
  ASSERT_OK((*file)->Skip(2));
  ASSERT_OK((*file)->Read(3, &result, scratch));
  EXPECT_EQ(result, "567");
  ASSERT_OK((*file)->Read(16, &result, scratch));
  EXPECT_EQ(result, "89");  // Short only at the end.
  ASSERT_OK((*file)->Read(16, &result, scratch));
  EXPECT_EQ(result, "");
}

TEST_P(EnvTest, SkipPastEndLeavesFileAtEnd) {
  const std::string fname = Path("f");
  ASSERT_OK(WriteStringToFile(env_, "abc", fname, false));
  auto file = env_->NewSequentialFile(fname);
  ASSERT_OK(file);
  ASSERT_OK((*file)->Skip(1000));
  char scratch[4];
  std::string_view result;
  ASSERT_OK((*file)->Read(4, &result, scratch));
  EXPECT_EQ(result, "");
}

TEST_P(EnvTest, RandomAccessReadsAtOffsetsShortAtEnd) {
  const std::string fname = Path("f");
  ASSERT_OK(WriteStringToFile(env_, "abcdefghij", fname, false));
  auto file = env_->NewRandomAccessFile(fname);
  ASSERT_OK(file);
  char scratch[8];
  std::string_view result;
  ASSERT_OK((*file)->Read(2, 3, &result, scratch));
  EXPECT_EQ(result, "cde");
  ASSERT_OK((*file)->Read(8, 8, &result, scratch));
  EXPECT_EQ(result, "ij");
  ASSERT_OK((*file)->Read(100, 8, &result, scratch));
  EXPECT_EQ(result, "");
}

TEST_P(EnvTest, NewWritableFileTruncates) {
  const std::string fname = Path("f");
  ASSERT_OK(WriteStringToFile(env_, "long old contents", fname, false));
  ASSERT_OK(WriteStringToFile(env_, "new", fname, false));
  EXPECT_EQ(Contents(fname), "new");
}

TEST_P(EnvTest, AppendableFileAppendsAndCreatesWhenMissing) {
  const std::string fname = Path("f");
  {
    auto file = env_->NewAppendableFile(fname);
    ASSERT_OK(file);
    ASSERT_OK((*file)->Append("one"));
    ASSERT_OK((*file)->Close());
  }
  {
    auto file = env_->NewAppendableFile(fname);
    ASSERT_OK(file);
    ASSERT_OK((*file)->Append("two"));
    ASSERT_OK((*file)->Close());
  }
  EXPECT_EQ(Contents(fname), "onetwo");
}

TEST_P(EnvTest, AppendAfterCloseFails) {
  auto file = env_->NewWritableFile(Path("f"));
  ASSERT_OK(file);
  ASSERT_OK((*file)->Close());
  const absl::Status s = (*file)->Append("x");
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(Path("f")));
}

TEST_P(EnvTest, DataIsVisibleToReadersAfterFlush) {
  const std::string fname = Path("f");
  auto writer = env_->NewWritableFile(fname);
  ASSERT_OK(writer);
  ASSERT_OK((*writer)->Append("abc"));
  ASSERT_OK((*writer)->Flush());
  EXPECT_EQ(Contents(fname), "abc");
  ASSERT_OK((*writer)->Append("def"));
  ASSERT_OK((*writer)->Flush());
  EXPECT_EQ(Contents(fname), "abcdef");
}

TEST_P(EnvTest, MissingFileIsNotFoundNamingIt) {
  const std::string fname = Path("missing");
  EXPECT_FALSE(env_->FileExists(fname));
  const absl::Status statuses[] = {env_->NewSequentialFile(fname).status(),
                                   env_->NewRandomAccessFile(fname).status(),
                                   env_->GetFileSize(fname).status(), env_->RemoveFile(fname),
                                   env_->RenameFile(fname, Path("other"))};
  for (const absl::Status& s : statuses) {
    EXPECT_TRUE(absl::IsNotFound(s)) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(fname));
    EXPECT_THAT(std::string(s.message()), HasSubstr("No such file or directory"));
  }
  std::string data = "unchanged";
  const absl::Status s = ReadFileToString(env_, fname, &data);
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
}

TEST_P(EnvTest, FileInMissingDirectoryIsNotFound) {
  const std::string fname = Path("no-such-dir/f");
  const absl::Status s = env_->NewWritableFile(fname).status();
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(fname));
  EXPECT_FALSE(env_->FileExists(fname));
}

TEST_P(EnvTest, WritingADirectoryIsAnIOError) {
  ASSERT_OK(env_->CreateDirIfMissing(Path("d")));
  const absl::Status s = env_->NewWritableFile(Path("d")).status();
  EXPECT_TRUE(absl::IsInternal(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("I/O error"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("Is a directory"));
}

TEST_P(EnvTest, RemoveFile) {
  const std::string fname = Path("f");
  ASSERT_OK(WriteStringToFile(env_, "x", fname, false));
  EXPECT_TRUE(env_->FileExists(fname));
  ASSERT_OK(env_->RemoveFile(fname));
  EXPECT_FALSE(env_->FileExists(fname));
}

TEST_P(EnvTest, RemovedFileStaysReadableThroughOpenHandle) {
  const std::string fname = Path("f");
  ASSERT_OK(WriteStringToFile(env_, "still here", fname, false));
  auto file = env_->NewRandomAccessFile(fname);
  ASSERT_OK(file);
  ASSERT_OK(env_->RemoveFile(fname));
  char scratch[16];
  std::string_view result;
  ASSERT_OK((*file)->Read(0, 16, &result, scratch));
  EXPECT_EQ(result, "still here");
}

TEST_P(EnvTest, RenameMovesAndReplacesTarget) {
  ASSERT_OK(WriteStringToFile(env_, "new", Path("src"), false));
  ASSERT_OK(WriteStringToFile(env_, "old", Path("target"), false));
  ASSERT_OK(env_->RenameFile(Path("src"), Path("target")));
  EXPECT_FALSE(env_->FileExists(Path("src")));
  EXPECT_EQ(Contents(Path("target")), "new");
  ASSERT_OK(env_->RenameFile(Path("target"), Path("fresh")));
  EXPECT_EQ(Contents(Path("fresh")), "new");
  ASSERT_OK(env_->SyncDir(dir_));
}

TEST_P(EnvTest, GetChildrenListsDirectChildren) {
  ASSERT_OK(WriteStringToFile(env_, "", Path("a"), false));
  ASSERT_OK(WriteStringToFile(env_, "", Path("b"), false));
  ASSERT_OK(env_->CreateDirIfMissing(Path("sub")));
  ASSERT_OK(WriteStringToFile(env_, "", Path("sub/nested"), false));
  auto children = env_->GetChildren(dir_);
  ASSERT_OK(children);
  EXPECT_THAT(*children, UnorderedElementsAre("a", "b", "sub"));
  children = env_->GetChildren(Path("sub"));
  ASSERT_OK(children);
  EXPECT_THAT(*children, UnorderedElementsAre("nested"));
}

TEST_P(EnvTest, GetChildrenOfMissingDirIsNotFound) {
  const absl::Status s = env_->GetChildren(Path("nope")).status();
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(Path("nope")));
}

TEST_P(EnvTest, CreateDirIfMissingIsIdempotent) {
  ASSERT_OK(env_->CreateDirIfMissing(Path("d")));
  ASSERT_OK(env_->CreateDirIfMissing(Path("d")));
  EXPECT_TRUE(env_->FileExists(Path("d")));
  ASSERT_OK(env_->SyncDir(Path("d")));
}

TEST_P(EnvTest, CreateDirWhereAFileStandsFails) {
  ASSERT_OK(WriteStringToFile(env_, "x", Path("f"), false));
  const absl::Status s = env_->CreateDirIfMissing(Path("f"));
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(Path("f")));
  EXPECT_THAT(std::string(s.message()), HasSubstr("not a directory"));
}

TEST_P(EnvTest, RemoveDir) {
  ASSERT_OK(env_->CreateDirIfMissing(Path("d")));
  ASSERT_OK(WriteStringToFile(env_, "x", Path("d/f"), false));
  const absl::Status not_empty = env_->RemoveDir(Path("d"));
  EXPECT_FALSE(not_empty.ok());
  EXPECT_THAT(std::string(not_empty.message()), HasSubstr("Directory not empty"));
  ASSERT_OK(env_->RemoveFile(Path("d/f")));
  ASSERT_OK(env_->RemoveDir(Path("d")));
  EXPECT_FALSE(env_->FileExists(Path("d")));
  EXPECT_TRUE(absl::IsNotFound(env_->RemoveDir(Path("d"))));
}

TEST_P(EnvTest, SyncDirOfMissingDirFails) {
  EXPECT_TRUE(absl::IsNotFound(env_->SyncDir(Path("nope"))));
}

TEST_P(EnvTest, SecondLockOfSameFileFails) {
  const std::string fname = Path("LOCK");
  auto lock = env_->LockFile(fname);
  ASSERT_OK(lock);
  EXPECT_TRUE(env_->FileExists(fname));  // Created.
  const absl::Status s = env_->LockFile(fname).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(fname));
  EXPECT_THAT(std::string(s.message()), HasSubstr("already held"));
  // Another spelling of the same path is the same lock.
  EXPECT_TRUE(absl::IsFailedPrecondition(env_->LockFile(dir_ + "/./LOCK").status()));

  ASSERT_OK(env_->UnlockFile(*std::move(lock)));
  auto again = env_->LockFile(fname);
  ASSERT_OK(again);
  ASSERT_OK(env_->UnlockFile(*std::move(again)));
}

TEST_P(EnvTest, DestroyingALockReleasesIt) {
  const std::string fname = Path("LOCK");
  { ASSERT_OK(env_->LockFile(fname)); }
  auto again = env_->LockFile(fname);
  ASSERT_OK(again);
}

TEST_P(EnvTest, LockInMissingDirFails) {
  EXPECT_TRUE(absl::IsNotFound(env_->LockFile(Path("nope/LOCK")).status()));
}

TEST_P(EnvTest, LoggerWritesTimestampedLines) {
  const std::string fname = Path("LOG");
  {
    auto logger = env_->NewLogger(fname);
    ASSERT_OK(logger);
    (*logger)->Log("first message");
    (*logger)->Log("second message\n");
    // Flushed after each line, so visible before the logger goes away.
    EXPECT_THAT(Contents(fname), HasSubstr("second message\n"));
  }
  const std::vector<std::string> lines = absl::StrSplit(Contents(fname), '\n');
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(LogLineMessage(lines[0]), "first message") << lines[0];
  EXPECT_EQ(LogLineMessage(lines[1]), "second message") << lines[1];
}

TEST_P(EnvTest, LoggerIsThreadSafe) {
  const std::string fname = Path("LOG");
  constexpr int kThreads = 4;
  constexpr int kLines = 200;
  {
    auto logger = env_->NewLogger(fname);
    ASSERT_OK(logger);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kLines; ++i) (*logger)->Log(absl::StrCat("thread ", t, " line ", i));
      });
    }
    for (auto& thread : threads) thread.join();
  }
  const std::vector<std::string> lines = absl::StrSplit(Contents(fname), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLines));
  // Lines are whole (not interleaved), and each thread's lines are in order.
  std::vector<int> next(kThreads, 0);
  for (const std::string& line : lines) {
    const std::string message = LogLineMessage(line);
    int thread = -1;
    int index = -1;
    ASSERT_EQ(std::sscanf(message.c_str(), "thread %d line %d", &thread, &index), 2) << line;
    ASSERT_GE(thread, 0);
    ASSERT_LT(thread, kThreads);
    EXPECT_EQ(index, next[thread]++);
  }
}

TEST_P(EnvTest, ReadsAreSafeConcurrentlyWithAppends) {
  const std::string fname = Path("f");
  auto writer = env_->NewWritableFile(fname);
  ASSERT_OK(writer);
  auto reader = env_->NewRandomAccessFile(fname);
  ASSERT_OK(reader);
  constexpr int kRecords = 2000;
  std::atomic<int> flushed{0};
  std::thread read_thread([&] {
    char scratch[8];
    while (flushed.load() < kRecords) {
      const int visible = flushed.load();
      if (visible == 0) continue;
      const int record = visible - 1;
      std::string_view result;
      ASSERT_OK((*reader)->Read(record * 4, 4, &result, scratch));
      ASSERT_EQ(result, absl::StrCat(record % 10, "abc"));
    }
  });
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_OK((*writer)->Append(absl::StrCat(i % 10, "abc")));
    ASSERT_OK((*writer)->Flush());
    flushed.store(i + 1);
  }
  read_thread.join();
}

TEST_P(EnvTest, WriteStringAndReadFileRoundTripBinary) {
  std::string data;
  for (int i = 0; i < 200000; ++i) data.push_back(static_cast<char>(i * 7));
  ASSERT_OK(WriteStringToFile(env_, data, Path("bin"), /*sync=*/true));
  EXPECT_EQ(Contents(Path("bin")), data);
}

TEST_P(EnvTest, ClockMovesForward) {
  const uint64_t start = env_->NowMicros();
  env_->SleepForMicroseconds(2000);
  EXPECT_GE(env_->NowMicros() - start, 2000u);
  env_->SleepForMicroseconds(-5);  // Negative is no sleep.
}

INSTANTIATE_TEST_SUITE_P(Envs, EnvTest, ::testing::Values(EnvKind::kPosix, EnvKind::kMem),
                         [](const ::testing::TestParamInfo<EnvKind>& info) {
                           return info.param == EnvKind::kPosix ? "Posix" : "Mem";
                         });

// Internals shared by the Envs.

TEST(EnvInternalTest, NormalizePath) {
  using env_internal::NormalizePath;
  EXPECT_EQ(NormalizePath("/"), "/");
  EXPECT_EQ(NormalizePath("//"), "/");
  EXPECT_EQ(NormalizePath("/db/"), "/db");
  EXPECT_EQ(NormalizePath("/db//x"), "/db/x");
  EXPECT_EQ(NormalizePath("/db/./x"), "/db/x");
  EXPECT_EQ(NormalizePath("/db/sub/../x"), "/db/x");
  EXPECT_EQ(NormalizePath("/.."), "/");
  EXPECT_EQ(NormalizePath(""), ".");
  EXPECT_EQ(NormalizePath("."), ".");
  EXPECT_EQ(NormalizePath("./x"), "x");
  EXPECT_EQ(NormalizePath("a/.."), ".");
  EXPECT_EQ(NormalizePath("../x"), "../x");
}

TEST(EnvInternalTest, ParentDir) {
  using env_internal::ParentDir;
  EXPECT_EQ(ParentDir("/"), "/");
  EXPECT_EQ(ParentDir("/x"), "/");
  EXPECT_EQ(ParentDir("/db/x"), "/db");
  EXPECT_EQ(ParentDir("x"), ".");
  EXPECT_EQ(ParentDir("db/x"), "db");
  EXPECT_EQ(ParentDir("."), ".");
}

TEST(EnvInternalTest, IOErrorMapsErrno) {
  const absl::Status not_found = env_internal::IOError("open /f", ENOENT);
  EXPECT_TRUE(absl::IsNotFound(not_found));
  EXPECT_EQ(not_found.message(), "open /f: No such file or directory");
  const absl::Status full = env_internal::IOError("write /f", ENOSPC);
  EXPECT_TRUE(absl::IsResourceExhausted(full));
  EXPECT_EQ(full.message(), "write /f: No space left on device");
  const absl::Status io = env_internal::IOError("sync /f", EIO);
  EXPECT_TRUE(absl::IsInternal(io));
  EXPECT_EQ(io.message(), "I/O error: sync /f: Input/output error");
}

// MemEnv specifics.

TEST(MemEnvTest, RootAlwaysExists) {
  std::unique_ptr<Env> env = NewMemEnv();
  ASSERT_OK(WriteStringToFile(env.get(), "x", "/top", false));
  auto children = env->GetChildren("/");
  ASSERT_OK(children);
  EXPECT_THAT(*children, UnorderedElementsAre("top"));
  ASSERT_OK(env->SyncDir("/"));
}

TEST(MemEnvTest, CreateDirIfMissingCreatesParents) {
  std::unique_ptr<Env> env = NewMemEnv();
  ASSERT_OK(env->CreateDirIfMissing("/a/b/c"));
  EXPECT_TRUE(env->FileExists("/a"));
  EXPECT_TRUE(env->FileExists("/a/b"));
  ASSERT_OK(WriteStringToFile(env.get(), "x", "/a/b/c/f", false));
  auto children = env->GetChildren("/a");
  ASSERT_OK(children);
  EXPECT_THAT(*children, UnorderedElementsAre("b"));
}

TEST(MemEnvTest, CreateDirUnderAFileFailsNamingTheFile) {
  std::unique_ptr<Env> env = NewMemEnv();
  ASSERT_OK(WriteStringToFile(env.get(), "x", "/f", false));
  const absl::Status s = env->CreateDirIfMissing("/f/sub");
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("/f "));
  EXPECT_FALSE(env->FileExists("/f/sub"));
}

TEST(MemEnvTest, PathsAreNormalized) {
  std::unique_ptr<Env> env = NewMemEnv();
  ASSERT_OK(env->CreateDirIfMissing("/db/"));
  ASSERT_OK(WriteStringToFile(env.get(), "x", "/db//./f", false));
  EXPECT_TRUE(env->FileExists("/db/f"));
  EXPECT_TRUE(env->FileExists("/db/sub/../f"));
}

TEST(MemEnvTest, RelativePathsLiveUnderDot) {
  std::unique_ptr<Env> env = NewMemEnv();
  ASSERT_OK(WriteStringToFile(env.get(), "x", "top", false));
  ASSERT_OK(env->CreateDirIfMissing("dir"));
  auto children = env->GetChildren(".");
  ASSERT_OK(children);
  EXPECT_THAT(*children, UnorderedElementsAre("top", "dir"));
}

TEST(MemEnvTest, OpenWriterSeesRenameAndTruncation) {
  std::unique_ptr<Env> env = NewMemEnv();
  auto writer = env->NewWritableFile("/a");
  ASSERT_OK(writer);
  ASSERT_OK((*writer)->Append("12"));
  ASSERT_OK(env->RenameFile("/a", "/b"));
  ASSERT_OK((*writer)->Append("34"));  // Same file, new name.
  std::string data;
  ASSERT_OK(ReadFileToString(env.get(), "/b", &data));
  EXPECT_EQ(data, "1234");
}

TEST(MemEnvTest, RenameOfDirectoryIsRefused) {
  std::unique_ptr<Env> env = NewMemEnv();
  ASSERT_OK(env->CreateDirIfMissing("/d"));
  EXPECT_TRUE(absl::IsFailedPrecondition(env->RenameFile("/d", "/e")));
}

TEST(MemEnvTest, LocksAreIndependentPerEnv) {
  std::unique_ptr<Env> first = NewMemEnv();
  std::unique_ptr<Env> second = NewMemEnv();
  auto lock = first->LockFile("/LOCK");
  ASSERT_OK(lock);
  auto other = second->LockFile("/LOCK");
  ASSERT_OK(other);
  EXPECT_TRUE(absl::IsInvalidArgument(first->UnlockFile(*std::move(other))));
  ASSERT_OK(first->UnlockFile(*std::move(lock)));
}

}  // namespace
}  // namespace kvlsm
