// Env::Default(): the POSIX file system and clocks.
//
// Files are plain file descriptors opened with O_CLOEXEC. Reads use read/pread and loop
// over short reads; writes go through a 64 KiB user-space buffer per WritableFile, so that
// many small appends cost one write(2) each time the buffer fills (or on Flush/Sync/Close);
// an append larger than the buffer is written directly. Every system call is retried on
// EINTR and writes loop over short writes. Sync is Flush + fdatasync (fsync where
// fdatasync does not exist); SyncDir fsyncs a descriptor of the directory.
//
// Locks: LockFile takes an exclusive fcntl record lock on the whole file. On Linux it is
// an open-file-description lock (F_OFD_SETLK), which conflicts with other descriptors even
// within one process and is not dropped when some other descriptor of the same file is
// closed; elsewhere it is a classic F_SETLK lock. On top of that a process-wide table of
// held locks (by device and inode, so "db/LOCK" and "./db/LOCK" are the same file) makes a
// second LockFile of a held file in this process fail with a clear message.
//
// Clock: NowMicros reads CLOCK_MONOTONIC, which never jumps with wall-clock changes and is
// therefore only good for measuring intervals, as the Env contract says.
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "env/env_internal.h"
#include "kvlsm/env.h"
#include "util/mutex.h"

namespace kvlsm {
namespace {

using env_internal::IOError;

constexpr size_t kWritableFileBufferSize = 64 * 1024;

// open(2) retried on EINTR.
int OpenRetrying(const char* path, int flags, mode_t mode = 0644) {
  int fd;
  do {
    fd = ::open(path, flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// Makes the written data of fd durable.
int SyncData(int fd) {
  int r;
  do {
#if defined(__linux__)
    r = ::fdatasync(fd);
#else
    r = ::fsync(fd);
#endif
  } while (r < 0 && errno == EINTR);
  return r;
}

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string fname, int fd) : fname_(std::move(fname)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  absl::Status Read(size_t n, std::string_view* result, char* scratch) override {
    size_t total = 0;
    while (total < n) {
      const ssize_t r = ::read(fd_, scratch + total, n - total);
      if (r < 0) {
        if (errno == EINTR) continue;
        *result = std::string_view();
        return IOError(absl::StrCat("read ", fname_), errno);
      }
      if (r == 0) break;  // End of file.
      total += static_cast<size_t>(r);
    }
    *result = std::string_view(scratch, total);
    return absl::OkStatus();
  }

  absl::Status Skip(uint64_t n) override {
    const off_t position = ::lseek(fd_, 0, SEEK_CUR);
    struct stat st;
    if (position < 0 || ::fstat(fd_, &st) < 0) {
      return IOError(absl::StrCat("seek ", fname_), errno);
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    const uint64_t pos = static_cast<uint64_t>(position);
    const uint64_t step = std::min<uint64_t>(n, size > pos ? size - pos : 0);
    if (::lseek(fd_, static_cast<off_t>(step), SEEK_CUR) < 0) {
      return IOError(absl::StrCat("seek ", fname_), errno);
    }
    return absl::OkStatus();
  }

 private:
  const std::string fname_;
  const int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string fname, int fd) : fname_(std::move(fname)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  // Thread-safe: pread does not move a shared file offset.
  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* scratch) const override {
    size_t total = 0;
    while (total < n) {
      const ssize_t r =
          ::pread(fd_, scratch + total, n - total, static_cast<off_t>(offset + total));
      if (r < 0) {
        if (errno == EINTR) continue;
        *result = std::string_view();
        return IOError(absl::StrCat("read ", fname_, " at offset ", offset), errno);
      }
      if (r == 0) break;  // End of file.
      total += static_cast<size_t>(r);
    }
    *result = std::string_view(scratch, total);
    return absl::OkStatus();
  }

 private:
  const std::string fname_;
  const int fd_;
};

// Not thread-safe (one writer at a time, per the Env contract). After a failed write the
// buffered data is dropped and the file's contents past the last successful Flush are
// unspecified.
class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string fname, int fd)
      : fname_(std::move(fname)), fd_(fd), buffer_(new char[kWritableFileBufferSize]) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) Close().IgnoreError();
  }

  absl::Status Append(std::string_view data) override {
    if (fd_ < 0) return ClosedError("append to");
    const size_t copied = std::min(data.size(), kWritableFileBufferSize - used_);
    std::memcpy(buffer_.get() + used_, data.data(), copied);
    used_ += copied;
    data.remove_prefix(copied);
    if (data.empty()) return absl::OkStatus();

    // The buffer is full and more remains.
    absl::Status s = FlushBuffer();
    if (!s.ok()) return s;
    if (data.size() < kWritableFileBufferSize) {
      std::memcpy(buffer_.get(), data.data(), data.size());
      used_ = data.size();
      return absl::OkStatus();
    }
    return WriteUnbuffered(data.data(), data.size());
  }

  absl::Status Flush() override {
    if (fd_ < 0) return ClosedError("flush");
    return FlushBuffer();
  }

  absl::Status Sync() override {
    if (fd_ < 0) return ClosedError("sync");
    absl::Status s = FlushBuffer();
    if (!s.ok()) return s;
    if (SyncData(fd_) < 0) return IOError(absl::StrCat("sync ", fname_), errno);
    return absl::OkStatus();
  }

  // Closing an already closed file is OK.
  absl::Status Close() override {
    if (fd_ < 0) return absl::OkStatus();
    absl::Status s = FlushBuffer();
    // close(2) is not retried: on Linux the descriptor is gone even after EINTR.
    if (::close(fd_) < 0 && s.ok()) s = IOError(absl::StrCat("close ", fname_), errno);
    fd_ = -1;
    return s;
  }

 private:
  absl::Status ClosedError(absl::string_view what) const {
    return absl::FailedPreconditionError(absl::StrCat(what, " ", fname_, ": file is closed"));
  }

  absl::Status FlushBuffer() {
    const size_t used = used_;
    used_ = 0;
    return WriteUnbuffered(buffer_.get(), used);
  }

  absl::Status WriteUnbuffered(const char* data, size_t size) {
    while (size > 0) {
      const ssize_t r = ::write(fd_, data, size);
      if (r < 0) {
        if (errno == EINTR) continue;
        return IOError(absl::StrCat("write ", fname_), errno);
      }
      data += r;
      size -= static_cast<size_t>(r);
    }
    return absl::OkStatus();
  }

  const std::string fname_;
  int fd_;  // -1 once closed.
  const std::unique_ptr<char[]> buffer_;
  size_t used_ = 0;  // Bytes of buffer_ not yet written.
};

// The identity of a locked file.
struct FileId {
  dev_t device;
  ino_t inode;
  bool operator==(const FileId& other) const {
    return device == other.device && inode == other.inode;
  }
  template <typename H>
  friend H AbslHashValue(H h, const FileId& id) {
    return H::combine(std::move(h), id.device, id.inode);
  }
};

// The files locked by this process through Env::Default(). Process-wide, never destroyed.
class ProcessLockTable {
 public:
  static ProcessLockTable* Get() {
    static ProcessLockTable* const table = new ProcessLockTable();
    return table;
  }

  Mutex mu;
  absl::flat_hash_set<FileId> held ABSL_GUARDED_BY(mu);
};

#if defined(F_OFD_SETLK)
constexpr int kSetLockCommand = F_OFD_SETLK;
#else
constexpr int kSetLockCommand = F_SETLK;
#endif

int SetLock(int fd, short type) {
  struct flock lock;
  std::memset(&lock, 0, sizeof(lock));
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;  // The whole file.
  lock.l_pid = 0;  // Required for open-file-description locks.
  int r;
  do {
    r = ::fcntl(fd, kSetLockCommand, &lock);
  } while (r < 0 && errno == EINTR);
  return r;
}

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(std::string fname, int fd, FileId id)
      : fname_(std::move(fname)), fd_(fd), id_(id) {}
  // Releasing by destruction (without UnlockFile) is allowed and cannot report errors.
  ~PosixFileLock() override { Release().IgnoreError(); }

  // Unlocks, closes the descriptor and forgets the file in the process table.
  absl::Status Release() {
    if (fd_ < 0) return absl::OkStatus();
    absl::Status s;
    ProcessLockTable* table = ProcessLockTable::Get();
    // Under the table's mutex so that no other LockFile of this file in this process can
    // slip in between unlocking and forgetting.
    MutexLock lock(&table->mu);
    if (SetLock(fd_, F_UNLCK) < 0) s = IOError(absl::StrCat("unlock ", fname_), errno);
    ::close(fd_);
    fd_ = -1;
    table->held.erase(id_);
    return s;
  }

 private:
  const std::string fname_;
  int fd_;  // -1 once released.
  const FileId id_;
};

class PosixEnv final : public Env {
 public:
  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& fname) override {
    const int fd = OpenRetrying(fname.c_str(), O_RDONLY);
    if (fd < 0) return IOError(absl::StrCat("open ", fname), errno);
    return std::make_unique<PosixSequentialFile>(fname, fd);
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& fname) override {
    const int fd = OpenRetrying(fname.c_str(), O_RDONLY);
    if (fd < 0) return IOError(absl::StrCat("open ", fname), errno);
    return std::make_unique<PosixRandomAccessFile>(fname, fd);
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& fname) override {
    const int fd = OpenRetrying(fname.c_str(), O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0) return IOError(absl::StrCat("open ", fname), errno);
    return std::make_unique<PosixWritableFile>(fname, fd);
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& fname) override {
    const int fd = OpenRetrying(fname.c_str(), O_WRONLY | O_CREAT | O_APPEND);
    if (fd < 0) return IOError(absl::StrCat("open ", fname), errno);
    return std::make_unique<PosixWritableFile>(fname, fd);
  }

  bool FileExists(const std::string& fname) override { return ::access(fname.c_str(), F_OK) == 0; }

  absl::StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return IOError(absl::StrCat("opendir ", dir), errno);
    std::vector<std::string> children;
    while (true) {
      errno = 0;
      const struct dirent* entry = ::readdir(d);
      if (entry == nullptr) break;
      const std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      children.emplace_back(name);
    }
    const int err = errno;
    ::closedir(d);
    if (err != 0) return IOError(absl::StrCat("readdir ", dir), err);
    return children;
  }

  absl::Status RemoveFile(const std::string& fname) override {
    if (::unlink(fname.c_str()) < 0) return IOError(absl::StrCat("unlink ", fname), errno);
    return absl::OkStatus();
  }

  absl::Status CreateDirIfMissing(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) == 0) return absl::OkStatus();
    if (errno != EEXIST) return IOError(absl::StrCat("mkdir ", dir), errno);
    struct stat st;
    if (::stat(dir.c_str(), &st) < 0) return IOError(absl::StrCat("stat ", dir), errno);
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("create dir ", dir, ": exists and is not a directory"));
    }
    return absl::OkStatus();
  }

  absl::Status RemoveDir(const std::string& dir) override {
    if (::rmdir(dir.c_str()) < 0) return IOError(absl::StrCat("rmdir ", dir), errno);
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& fname) override {
    struct stat st;
    if (::stat(fname.c_str(), &st) < 0) return IOError(absl::StrCat("stat ", fname), errno);
    return static_cast<uint64_t>(st.st_size);
  }

  absl::Status RenameFile(const std::string& src, const std::string& target) override {
    if (::rename(src.c_str(), target.c_str()) < 0) {
      return IOError(absl::StrCat("rename ", src, " to ", target), errno);
    }
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    const int fd = OpenRetrying(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return IOError(absl::StrCat("open dir ", dir), errno);
    absl::Status s;
    int r;
    do {
      r = ::fsync(fd);
    } while (r < 0 && errno == EINTR);
    if (r < 0) s = IOError(absl::StrCat("sync dir ", dir), errno);
    ::close(fd);
    return s;
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& fname) override {
    ProcessLockTable* table = ProcessLockTable::Get();
    MutexLock lock(&table->mu);
    const auto held_here = [&]() {
      return absl::FailedPreconditionError(
          absl::StrCat("lock ", fname, ": already held by another DB in this process"));
    };
    // Refuse before opening a descriptor where possible: with classic fcntl locks, closing
    // any descriptor of the file would drop the lock the other holder has.
    struct stat st;
    if (::stat(fname.c_str(), &st) == 0 && table->held.contains(FileId{st.st_dev, st.st_ino})) {
      return held_here();
    }
    const int fd = OpenRetrying(fname.c_str(), O_RDWR | O_CREAT);
    if (fd < 0) return IOError(absl::StrCat("open ", fname), errno);
    if (::fstat(fd, &st) < 0) {
      const int err = errno;
      ::close(fd);
      return IOError(absl::StrCat("stat ", fname), err);
    }
    const FileId id{st.st_dev, st.st_ino};
    if (table->held.contains(id)) {  // The file was renamed over fname meanwhile.
      ::close(fd);
      return held_here();
    }
    if (SetLock(fd, F_WRLCK) < 0) {
      const int err = errno;
      ::close(fd);
      if (err == EAGAIN || err == EACCES) {
        return absl::FailedPreconditionError(absl::StrCat(
            "lock ", fname, ": held by another process: ", env_internal::ErrnoText(err)));
      }
      return IOError(absl::StrCat("lock ", fname), err);
    }
    table->held.insert(id);
    return std::make_unique<PosixFileLock>(fname, fd, id);
  }

  absl::Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    auto* posix_lock = dynamic_cast<PosixFileLock*>(lock.get());
    if (posix_lock == nullptr) {
      return absl::InvalidArgumentError("UnlockFile: the lock was not taken by Env::Default()");
    }
    return posix_lock->Release();
  }

  absl::StatusOr<std::shared_ptr<Logger>> NewLogger(const std::string& fname) override {
    absl::StatusOr<std::unique_ptr<WritableFile>> file = NewWritableFile(fname);
    if (!file.ok()) return file.status();
    return env_internal::NewFileLogger(std::move(*file));
  }

  uint64_t NowMicros() override {
    struct timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
  }

  void SleepForMicroseconds(int64_t micros) override {
    if (micros > 0) std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }
};

}  // namespace

Env* Env::Default() {
  static Env* const env = new PosixEnv();
  return env;
}

}  // namespace kvlsm
