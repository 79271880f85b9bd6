// POSIX-specific behaviour of Env::Default(): cross-process locks, buffering, large files,
// concurrent reads, errno mapping.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
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
#include "util/random.h"

namespace kvlsm {
namespace {

using ::testing::HasSubstr;

class PosixEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = test::TempDir(absl::StrCat("posix-", info->name()));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  Env* env_ = Env::Default();
  std::string dir_;
};

// Tries a classic fcntl write lock on fname from a fresh descriptor; returns the errno, or 0
// when the lock was granted.
int TryRawLock(const std::string& fname) {
  const int fd = ::open(fname.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  struct flock lock;
  std::memset(&lock, 0, sizeof(lock));
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  const int r = ::fcntl(fd, F_SETLK, &lock);
  const int err = r < 0 ? errno : 0;
  ::close(fd);
  return err;
}

TEST_F(PosixEnvTest, LockHeldHereFailsInAForkedChild) {
  const std::string fname = Path("LOCK");
  auto lock = env_->LockFile(fname);
  ASSERT_OK(lock);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int err = TryRawLock(fname);
    ::_exit(err == EAGAIN || err == EACCES ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child could take a lock the parent holds";

  ASSERT_OK(env_->UnlockFile(*std::move(lock)));
  const pid_t pid2 = ::fork();
  ASSERT_GE(pid2, 0);
  if (pid2 == 0) ::_exit(TryRawLock(fname) == 0 ? 0 : 1);
  ASSERT_EQ(::waitpid(pid2, &status, 0), pid2);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "UnlockFile did not release the lock";
}

TEST_F(PosixEnvTest, LockHeldByAnotherProcessFails) {
  const std::string fname = Path("LOCK");
  int to_child[2];
  int to_parent[2];
  ASSERT_EQ(::pipe(to_child), 0);
  ASSERT_EQ(::pipe(to_parent), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Hold a lock until the parent says so.
    const int fd = ::open(fname.c_str(), O_RDWR | O_CREAT, 0644);
    struct flock lock;
    std::memset(&lock, 0, sizeof(lock));
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    const char ok = (fd >= 0 && ::fcntl(fd, F_SETLK, &lock) == 0) ? 'y' : 'n';
    if (::write(to_parent[1], &ok, 1) != 1) ::_exit(2);
    char go;
    if (::read(to_child[0], &go, 1) != 1) ::_exit(3);
    ::_exit(0);
  }
  char ok = 0;
  ASSERT_EQ(::read(to_parent[0], &ok, 1), 1);
  ASSERT_EQ(ok, 'y');

  const absl::Status s = env_->LockFile(fname).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(fname));
  EXPECT_THAT(std::string(s.message()), HasSubstr("held by another process"));

  ASSERT_EQ(::write(to_child[1], "g", 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  for (int fd : {to_child[0], to_child[1], to_parent[0], to_parent[1]}) ::close(fd);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  auto lock = env_->LockFile(fname);  // The child is gone, and its lock with it.
  ASSERT_OK(lock);
  ASSERT_OK(env_->UnlockFile(*std::move(lock)));
}

TEST_F(PosixEnvTest, LockSurvivesClosingAnotherDescriptorOfTheFile) {
  const std::string fname = Path("LOCK");
  auto lock = env_->LockFile(fname);
  ASSERT_OK(lock);
  // A failed second LockFile and an unrelated reader must not drop the held lock.
  EXPECT_FALSE(env_->LockFile(fname).ok());
  { ASSERT_OK(env_->NewSequentialFile(fname)); }
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int err = TryRawLock(fname);
    ::_exit(err == EAGAIN || err == EACCES ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the lock was lost";
}

TEST_F(PosixEnvTest, SmallAppendsAreBufferedUntilFlush) {
  const std::string fname = Path("f");
  auto file = env_->NewWritableFile(fname);
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append("buffered"));
  auto size = env_->GetFileSize(fname);
  ASSERT_OK(size);
  EXPECT_EQ(*size, 0u);
  ASSERT_OK((*file)->Flush());
  size = env_->GetFileSize(fname);
  ASSERT_OK(size);
  EXPECT_EQ(*size, 8u);
}

TEST_F(PosixEnvTest, ClosingFlushes) {
  const std::string fname = Path("f");
  {
    auto file = env_->NewWritableFile(fname);
    ASSERT_OK(file);
    ASSERT_OK((*file)->Append("written on destruction"));
  }
  std::string data;
  ASSERT_OK(ReadFileToString(env_, fname, &data));
  EXPECT_EQ(data, "written on destruction");
}

TEST_F(PosixEnvTest, ManySmallAndLargeAppends) {
  const std::string fname = Path("f");
  Random rnd(test::TestSeed(301));
  std::string expected;
  auto file = env_->NewWritableFile(fname);
  ASSERT_OK(file);
  for (int i = 0; i < 20000; ++i) {
    const std::string piece = test::RandomString(&rnd, rnd.Uniform(20), /*binary=*/true);
    expected += piece;
    ASSERT_OK((*file)->Append(piece));
  }
  for (size_t size : {64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 1 << 20}) {
    const std::string piece = test::RandomString(&rnd, size, /*binary=*/true);
    expected += piece;
    ASSERT_OK((*file)->Append(piece));
    ASSERT_OK((*file)->Append("tail"));
    expected += "tail";
  }
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Close());
  std::string data;
  ASSERT_OK(ReadFileToString(env_, fname, &data));
  ASSERT_EQ(data.size(), expected.size());
  EXPECT_TRUE(data == expected);
}

TEST_F(PosixEnvTest, ConcurrentRandomReads) {
  const std::string fname = Path("f");
  Random rnd(test::TestSeed(17));
  const std::string contents = test::RandomString(&rnd, 1 << 20, /*binary=*/true);
  ASSERT_OK(WriteStringToFile(env_, contents, fname, false));
  auto file = env_->NewRandomAccessFile(fname);
  ASSERT_OK(file);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Random local(t + 1);
      std::vector<char> scratch(4096);
      for (int i = 0; i < 500; ++i) {
        const uint64_t offset = local.Uniform(contents.size());
        const size_t n = 1 + local.Uniform(scratch.size());
        std::string_view result;
        ASSERT_OK((*file)->Read(offset, n, &result, scratch.data()));
        ASSERT_EQ(result, std::string_view(contents).substr(offset, n));
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

TEST_F(PosixEnvTest, DiskFullIsResourceExhausted) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no writable /dev/full";
  auto file = env_->NewAppendableFile("/dev/full");
  ASSERT_OK(file);
  ASSERT_OK((*file)->Append("x"));
  const absl::Status s = (*file)->Flush();
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("/dev/full"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("No space left on device"));
}

TEST_F(PosixEnvTest, OtherErrorsAreInternalWithErrnoText) {
  ASSERT_OK(WriteStringToFile(env_, "x", Path("file"), false));
  const absl::Status s = env_->NewWritableFile(Path("file/child")).status();
  EXPECT_TRUE(absl::IsInternal(s)) << s;
  EXPECT_THAT(std::string(s.message()), ::testing::StartsWith("I/O error"));
  EXPECT_THAT(std::string(s.message()), HasSubstr(Path("file/child")));
  EXPECT_THAT(std::string(s.message()), HasSubstr("Not a directory"));
}

TEST_F(PosixEnvTest, CreateDirIfMissingCreatesOnlyTheLastComponent) {
  EXPECT_TRUE(absl::IsNotFound(env_->CreateDirIfMissing(Path("a/b"))));
  ASSERT_OK(env_->CreateDirIfMissing(Path("a")));
  ASSERT_OK(env_->CreateDirIfMissing(Path("a/b")));
  struct stat st;
  ASSERT_EQ(::stat(Path("a/b").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST_F(PosixEnvTest, FilesAreClosedOnExec) {
  auto file = env_->NewWritableFile(Path("f"));
  ASSERT_OK(file);
  // The newest descriptor of the process is the file's.
  int newest = -1;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(entry.path(), ec);
    if (!ec && target == std::filesystem::path(Path("f"))) {
      newest = std::stoi(entry.path().filename().string());
    }
  }
  if (newest < 0) GTEST_SKIP() << "no /proc/self/fd";
  EXPECT_TRUE(::fcntl(newest, F_GETFD) & FD_CLOEXEC);
}

}  // namespace
}  // namespace kvlsm
