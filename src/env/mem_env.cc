// NewMemEnv(): a file system held in memory.
//
// A file is a FileState, a ref-counted byte buffer shared by the name table and by every
// open handle, so a file removed (or renamed over) while open stays readable through its
// open handles, as on POSIX. Opening an existing file for writing truncates that same
// buffer, so open readers see the truncation, also as on POSIX.
//
// Paths are normalized lexically (env_internal::NormalizePath), so "/db//x" and "/db/x"
// name the same file. Directories are tracked explicitly: "/" and "." (the root of relative
// paths) always exist; any other directory exists only once CreateDirIfMissing made it.
// Errors carry the same messages as the POSIX Env for the same failure (ENOENT, EISDIR,
// ENOTDIR, ENOTEMPTY), built with env_internal::IOError. Renaming a directory is not
// supported (FailedPrecondition).
//
// Locking: MemEnv::mu_ guards the name tables; each FileState has its own mutex guarding
// its bytes. Lock order: MemEnv::mu_, then FileState::mu_.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "env/env_internal.h"
#include "kvlsm/env.h"
#include "util/mutex.h"

namespace kvlsm {
namespace {

using env_internal::IOError;
using env_internal::NormalizePath;
using env_internal::ParentDir;

// The contents of one file. Thread-safe.
class FileState {
 public:
  uint64_t Size() const {
    MutexLock lock(&mu_);
    return data_.size();
  }

  // Copies up to n bytes at offset into scratch.
  std::string_view Read(uint64_t offset, size_t n, char* scratch) const {
    MutexLock lock(&mu_);
    if (offset >= data_.size()) return std::string_view(scratch, 0);
    const size_t count = std::min<uint64_t>(n, data_.size() - offset);
    std::memcpy(scratch, data_.data() + offset, count);
    return std::string_view(scratch, count);
  }

  void Append(std::string_view data) {
    MutexLock lock(&mu_);
    data_.append(data.data(), data.size());
  }

  void Truncate() {
    MutexLock lock(&mu_);
    data_.clear();
    data_.shrink_to_fit();
  }

 private:
  mutable Mutex mu_;
  std::string data_ ABSL_GUARDED_BY(mu_);
};

class MemSequentialFile final : public SequentialFile {
 public:
  explicit MemSequentialFile(std::shared_ptr<FileState> file) : file_(std::move(file)) {}

  absl::Status Read(size_t n, std::string_view* result, char* scratch) override {
    *result = file_->Read(position_, n, scratch);
    position_ += result->size();
    return absl::OkStatus();
  }

  absl::Status Skip(uint64_t n) override {
    const uint64_t size = file_->Size();
    position_ = position_ >= size ? position_ : position_ + std::min(n, size - position_);
    return absl::OkStatus();
  }

 private:
  const std::shared_ptr<FileState> file_;
  uint64_t position_ = 0;
};

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemRandomAccessFile(std::shared_ptr<FileState> file) : file_(std::move(file)) {}

  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* scratch) const override {
    *result = file_->Read(offset, n, scratch);
    return absl::OkStatus();
  }

 private:
  const std::shared_ptr<FileState> file_;
};

class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(std::string fname, std::shared_ptr<FileState> file)
      : fname_(std::move(fname)), file_(std::move(file)) {}

  absl::Status Append(std::string_view data) override {
    if (closed_) return ClosedError("append to");
    file_->Append(data);
    return absl::OkStatus();
  }
  absl::Status Flush() override { return closed_ ? ClosedError("flush") : absl::OkStatus(); }
  absl::Status Sync() override { return closed_ ? ClosedError("sync") : absl::OkStatus(); }
  absl::Status Close() override {
    closed_ = true;
    return absl::OkStatus();
  }

 private:
  absl::Status ClosedError(absl::string_view what) const {
    return absl::FailedPreconditionError(absl::StrCat(what, " ", fname_, ": file is closed"));
  }

  const std::string fname_;
  const std::shared_ptr<FileState> file_;
  bool closed_ = false;
};

class MemEnv;

class MemFileLock final : public FileLock {
 public:
  MemFileLock(MemEnv* env, std::string path) : env_(env), path_(std::move(path)) {}
  // Releasing by destruction (without UnlockFile) is allowed. REQUIRES: the MemEnv is alive.
  ~MemFileLock() override;

  MemEnv* env() const { return env_; }
  const std::string& path() const { return path_; }

 private:
  MemEnv* const env_;
  const std::string path_;  // Normalized.
};

class MemEnv final : public Env {
 public:
  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& fname) override {
    absl::StatusOr<std::shared_ptr<FileState>> file = FindForReading(fname);
    if (!file.ok()) return file.status();
    return std::make_unique<MemSequentialFile>(*std::move(file));
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& fname) override {
    absl::StatusOr<std::shared_ptr<FileState>> file = FindForReading(fname);
    if (!file.ok()) return file.status();
    return std::make_unique<MemRandomAccessFile>(*std::move(file));
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& fname) override {
    MutexLock lock(&mu_);
    absl::StatusOr<std::shared_ptr<FileState>> file = OpenForWriting(fname);
    if (!file.ok()) return file.status();
    (*file)->Truncate();
    return std::make_unique<MemWritableFile>(fname, *std::move(file));
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& fname) override {
    MutexLock lock(&mu_);
    absl::StatusOr<std::shared_ptr<FileState>> file = OpenForWriting(fname);
    if (!file.ok()) return file.status();
    return std::make_unique<MemWritableFile>(fname, *std::move(file));
  }

  // True for files and directories, like access(2).
  bool FileExists(const std::string& fname) override {
    const std::string path = NormalizePath(fname);
    MutexLock lock(&mu_);
    return files_.contains(path) || IsDirectory(path);
  }

  absl::StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override {
    const std::string path = NormalizePath(dir);
    MutexLock lock(&mu_);
    if (!IsDirectory(path)) {
      return IOError(absl::StrCat("opendir ", dir), files_.contains(path) ? ENOTDIR : ENOENT);
    }
    std::vector<std::string> children;
    const auto add_if_child = [&](const std::string& entry) {
      if (entry != path && ParentDir(entry) == path) {
        const size_t slash = entry.rfind('/');
        children.push_back(slash == std::string::npos ? entry : entry.substr(slash + 1));
      }
    };
    for (const auto& [name, file] : files_) add_if_child(name);
    for (const std::string& name : dirs_) add_if_child(name);
    return children;
  }

  absl::Status RemoveFile(const std::string& fname) override {
    const std::string path = NormalizePath(fname);
    MutexLock lock(&mu_);
    if (files_.erase(path) == 1) return absl::OkStatus();
    return IOError(absl::StrCat("unlink ", fname), IsDirectory(path) ? EISDIR : ENOENT);
  }

  // Unlike POSIX, creates missing parents too.
  absl::Status CreateDirIfMissing(const std::string& dir) override {
    const std::string path = NormalizePath(dir);
    MutexLock lock(&mu_);
    // Check every component first so that a failure creates nothing.
    for (std::string p = path; !IsRoot(p); p = ParentDir(p)) {
      if (files_.contains(p)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "create dir ", dir, ": ", p == path ? "" : p + " ", "exists and is not a directory"));
      }
    }
    for (std::string p = path; !IsRoot(p); p = ParentDir(p)) dirs_.insert(p);
    return absl::OkStatus();
  }

  absl::Status RemoveDir(const std::string& dir) override {
    const std::string path = NormalizePath(dir);
    const std::string context = absl::StrCat("rmdir ", dir);
    MutexLock lock(&mu_);
    if (IsRoot(path)) return IOError(context, EBUSY);
    if (!dirs_.contains(path)) return IOError(context, files_.contains(path) ? ENOTDIR : ENOENT);
    const std::string prefix = path + "/";
    const auto has_entry_under = [&](const auto& table) {
      auto it = table.lower_bound(prefix);
      return it != table.end() && Key(*it).compare(0, prefix.size(), prefix) == 0;
    };
    if (has_entry_under(files_) || has_entry_under(dirs_)) return IOError(context, ENOTEMPTY);
    dirs_.erase(path);
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& fname) override {
    const std::string path = NormalizePath(fname);
    MutexLock lock(&mu_);
    auto it = files_.find(path);
    if (it != files_.end()) return it->second->Size();
    if (IsDirectory(path)) return 0;
    return IOError(absl::StrCat("stat ", fname), ENOENT);
  }

  absl::Status RenameFile(const std::string& src, const std::string& target) override {
    const std::string from = NormalizePath(src);
    const std::string to = NormalizePath(target);
    const std::string context = absl::StrCat("rename ", src, " to ", target);
    MutexLock lock(&mu_);
    auto it = files_.find(from);
    if (it == files_.end()) {
      if (IsDirectory(from)) {
        return absl::FailedPreconditionError(
            absl::StrCat(context, ": the in-memory Env cannot rename directories"));
      }
      return IOError(context, ENOENT);
    }
    if (IsDirectory(to)) return IOError(context, EISDIR);
    absl::Status s = CheckParent(to, context);
    if (!s.ok()) return s;
    if (from == to) return absl::OkStatus();
    std::shared_ptr<FileState> file = std::move(it->second);
    files_.erase(it);
    files_[to] = std::move(file);
    return absl::OkStatus();
  }

  // Nothing to make durable; checks only that the directory exists.
  absl::Status SyncDir(const std::string& dir) override {
    const std::string path = NormalizePath(dir);
    MutexLock lock(&mu_);
    if (IsDirectory(path)) return absl::OkStatus();
    return IOError(absl::StrCat("open dir ", dir), files_.contains(path) ? ENOTDIR : ENOENT);
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& fname) override {
    const std::string path = NormalizePath(fname);
    MutexLock lock(&mu_);
    if (locks_.contains(path)) {
      return absl::FailedPreconditionError(
          absl::StrCat("lock ", fname, ": already held by another DB in this process"));
    }
    absl::StatusOr<std::shared_ptr<FileState>> file = OpenForWriting(fname);
    if (!file.ok()) return file.status();
    locks_.insert(path);
    return std::make_unique<MemFileLock>(this, path);
  }

  absl::Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    auto* mem_lock = dynamic_cast<MemFileLock*>(lock.get());
    if (mem_lock == nullptr || mem_lock->env() != this) {
      return absl::InvalidArgumentError("UnlockFile: the lock was not taken by this MemEnv");
    }
    lock.reset();  // ~MemFileLock releases it.
    return absl::OkStatus();
  }

  void ReleaseLock(const std::string& path) {
    MutexLock lock(&mu_);
    locks_.erase(path);
  }

  absl::StatusOr<std::shared_ptr<Logger>> NewLogger(const std::string& fname) override {
    absl::StatusOr<std::unique_ptr<WritableFile>> file = NewWritableFile(fname);
    if (!file.ok()) return file.status();
    return env_internal::NewFileLogger(std::move(*file));
  }

  // A monotonic clock, like the POSIX Env's.
  uint64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  void SleepForMicroseconds(int64_t micros) override {
    if (micros > 0) std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }

 private:
  static const std::string& Key(const std::string& s) { return s; }
  template <typename V>
  static const std::string& Key(const std::pair<const std::string, V>& entry) {
    return entry.first;
  }

  static bool IsRoot(const std::string& path) { return path == "/" || path == "."; }

  bool IsDirectory(const std::string& path) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return IsRoot(path) || dirs_.contains(path);
  }

  // OK when the parent directory of `path` (normalized) exists.
  absl::Status CheckParent(const std::string& path, absl::string_view context) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const std::string parent = ParentDir(path);
    if (IsDirectory(parent)) return absl::OkStatus();
    return IOError(context, files_.contains(parent) ? ENOTDIR : ENOENT);
  }

  absl::StatusOr<std::shared_ptr<FileState>> FindForReading(const std::string& fname) {
    const std::string path = NormalizePath(fname);
    MutexLock lock(&mu_);
    auto it = files_.find(path);
    if (it != files_.end()) return it->second;
    // Reading a directory fails at read(2) on POSIX; failing at open is close enough.
    return IOError(absl::StrCat("open ", fname), IsDirectory(path) ? EISDIR : ENOENT);
  }

  // The file at fname, created (empty) when missing.
  absl::StatusOr<std::shared_ptr<FileState>> OpenForWriting(const std::string& fname)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const std::string path = NormalizePath(fname);
    const std::string context = absl::StrCat("open ", fname);
    auto it = files_.find(path);
    if (it != files_.end()) return it->second;
    if (IsDirectory(path)) return IOError(context, EISDIR);
    absl::Status s = CheckParent(path, context);
    if (!s.ok()) return s;
    std::shared_ptr<FileState> file = std::make_shared<FileState>();
    files_.emplace(path, file);
    return file;
  }

  Mutex mu_;
  // Normalized path → contents.
  std::map<std::string, std::shared_ptr<FileState>> files_ ABSL_GUARDED_BY(mu_);
  // Normalized paths of the created directories (never "/" or ".").
  std::set<std::string> dirs_ ABSL_GUARDED_BY(mu_);
  // Normalized paths of the locked files.
  std::set<std::string> locks_ ABSL_GUARDED_BY(mu_);
};

MemFileLock::~MemFileLock() { env_->ReleaseLock(path_); }

}  // namespace

std::unique_ptr<Env> NewMemEnv() { return std::make_unique<MemEnv>(); }

}  // namespace kvlsm
