// InterceptEnv: an Env that forwards every call to another Env and shows each file-system
// operation to a subclass before and after it happens, so that a test can watch the I/O a
// DB does (which file, which kind of operation, which handle), fail an operation, or stop
// the process at a chosen one.
//
// Used by the reliability tests (power cuts at any operation, auditing fsync retries), the
// crash-test stress process (kill points) and the fuzz corpus generator (a fixed clock).
//
// Thread safety: as the target Env's. Before and After are called on the thread doing the
// operation, possibly on many threads at once; overrides must be thread-safe.
#ifndef KVLSM_TESTS_RELIABILITY_INTERCEPT_ENV_H_
#define KVLSM_TESTS_RELIABILITY_INTERCEPT_ENV_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/env.h"

namespace kvlsm::test {

class InterceptEnv : public Env {
 public:
  enum class OpKind {
    kOpen,       // NewSequentialFile, NewRandomAccessFile, NewWritableFile, NewAppendableFile
    kRead,       // SequentialFile::Read and Skip, RandomAccessFile::Read
    kAppend,     // WritableFile::Append
    kFlush,      // WritableFile::Flush
    kSync,       // WritableFile::Sync
    kClose,      // WritableFile::Close
    kSyncDir,    // Env::SyncDir
    kRename,     // Env::RenameFile (file: the target; source: the old name)
    kRemove,     // Env::RemoveFile
    kCreateDir,  // Env::CreateDirIfMissing
    kRemoveDir,  // Env::RemoveDir
  };

  struct Operation {
    OpKind kind = OpKind::kOpen;
    std::string_view file = {};    // The path the operation concerns.
    std::string_view source = {};  // kRename only.
    // For operations on an open file: a number naming the handle, unique for the life of
    // this Env (0 for Env-level operations).
    uint64_t handle = 0;
    // kAppend only: the bytes to append.
    std::string_view data = {};
  };

  // REQUIRES: target outlives this Env.
  explicit InterceptEnv(Env* target) : target_(target) {}

  Env* target() const { return target_; }

 protected:
  // Called before each operation. A non-OK result fails the operation with that status
  // instead of performing it.
  virtual absl::Status Before(const Operation& op) { return absl::OkStatus(); }
  // Called after each performed operation with its result.
  virtual void After(const Operation& op, const absl::Status& result) {}

 public:
  // Env:
  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& fname) override {
    auto file =
        Intercept({OpKind::kOpen, fname}, [&] { return target_->NewSequentialFile(fname); });
    if (!file.ok()) return file.status();
    return std::make_unique<SequentialFileWrapper>(this, fname, NextHandle(), *std::move(file));
  }
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& fname) override {
    auto file =
        Intercept({OpKind::kOpen, fname}, [&] { return target_->NewRandomAccessFile(fname); });
    if (!file.ok()) return file.status();
    return std::make_unique<RandomAccessFileWrapper>(this, fname, NextHandle(), *std::move(file));
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& fname) override {
    return OpenWritable(fname, [&] { return target_->NewWritableFile(fname); });
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& fname) override {
    return OpenWritable(fname, [&] { return target_->NewAppendableFile(fname); });
  }
  bool FileExists(const std::string& fname) override { return target_->FileExists(fname); }
  absl::StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override {
    return target_->GetChildren(dir);
  }
  absl::Status RemoveFile(const std::string& fname) override {
    return Intercept({OpKind::kRemove, fname}, [&] { return target_->RemoveFile(fname); });
  }
  absl::Status CreateDirIfMissing(const std::string& dir) override {
    return Intercept({OpKind::kCreateDir, dir}, [&] { return target_->CreateDirIfMissing(dir); });
  }
  absl::Status RemoveDir(const std::string& dir) override {
    return Intercept({OpKind::kRemoveDir, dir}, [&] { return target_->RemoveDir(dir); });
  }
  absl::StatusOr<uint64_t> GetFileSize(const std::string& fname) override {
    return target_->GetFileSize(fname);
  }
  absl::Status RenameFile(const std::string& src, const std::string& target) override {
    return Intercept({OpKind::kRename, target, src},
                     [&] { return target_->RenameFile(src, target); });
  }
  absl::Status SyncDir(const std::string& dir) override {
    return Intercept({OpKind::kSyncDir, dir}, [&] { return target_->SyncDir(dir); });
  }
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& fname) override {
    return target_->LockFile(fname);
  }
  absl::Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    return target_->UnlockFile(std::move(lock));
  }
  absl::StatusOr<std::shared_ptr<Logger>> NewLogger(const std::string& fname) override {
    return target_->NewLogger(fname);
  }
  uint64_t NowMicros() override { return target_->NowMicros(); }
  uint64_t NowUnixSeconds() override { return target_->NowUnixSeconds(); }
  void SleepForMicroseconds(int64_t micros) override { target_->SleepForMicroseconds(micros); }

 private:
  static absl::Status StatusOf(const absl::Status& s) { return s; }
  template <typename T>
  static absl::Status StatusOf(const absl::StatusOr<T>& s) {
    return s.status();
  }

  // Runs `perform` between Before and After, unless Before refuses.
  template <typename Perform>
  auto Intercept(const Operation& op, Perform perform) -> decltype(perform()) {
    absl::Status refused = Before(op);
    if (!refused.ok()) return refused;
    auto result = perform();
    After(op, StatusOf(result));
    return result;
  }

  uint64_t NextHandle() { return next_handle_.fetch_add(1, std::memory_order_relaxed); }

  class SequentialFileWrapper final : public SequentialFile {
   public:
    SequentialFileWrapper(InterceptEnv* env, std::string fname, uint64_t handle,
                          std::unique_ptr<SequentialFile> file)
        : env_(env), fname_(std::move(fname)), handle_(handle), file_(std::move(file)) {}
    absl::Status Read(size_t n, std::string_view* result, char* scratch) override {
      *result = std::string_view();
      return env_->Intercept(Op(), [&] { return file_->Read(n, result, scratch); });
    }
    absl::Status Skip(uint64_t n) override {
      return env_->Intercept(Op(), [&] { return file_->Skip(n); });
    }

   private:
    Operation Op() const { return {OpKind::kRead, fname_, {}, handle_}; }
    InterceptEnv* const env_;
    const std::string fname_;
    const uint64_t handle_;
    const std::unique_ptr<SequentialFile> file_;
  };

  class RandomAccessFileWrapper final : public RandomAccessFile {
   public:
    RandomAccessFileWrapper(InterceptEnv* env, std::string fname, uint64_t handle,
                            std::unique_ptr<RandomAccessFile> file)
        : env_(env), fname_(std::move(fname)), handle_(handle), file_(std::move(file)) {}
    absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                      char* scratch) const override {
      *result = std::string_view();
      return env_->Intercept({OpKind::kRead, fname_, {}, handle_},
                             [&] { return file_->Read(offset, n, result, scratch); });
    }

   private:
    InterceptEnv* const env_;
    const std::string fname_;
    const uint64_t handle_;
    const std::unique_ptr<RandomAccessFile> file_;
  };

  class WritableFileWrapper final : public WritableFile {
   public:
    WritableFileWrapper(InterceptEnv* env, std::string fname, uint64_t handle,
                        std::unique_ptr<WritableFile> file)
        : env_(env), fname_(std::move(fname)), handle_(handle), file_(std::move(file)) {}
    absl::Status Append(std::string_view data) override {
      return env_->Intercept({OpKind::kAppend, fname_, {}, handle_, data},
                             [&] { return file_->Append(data); });
    }
    absl::Status Flush() override {
      return env_->Intercept(Op(OpKind::kFlush), [&] { return file_->Flush(); });
    }
    absl::Status Sync() override {
      return env_->Intercept(Op(OpKind::kSync), [&] { return file_->Sync(); });
    }
    absl::Status Close() override {
      return env_->Intercept(Op(OpKind::kClose), [&] { return file_->Close(); });
    }

   private:
    Operation Op(OpKind kind) const { return {kind, fname_, {}, handle_}; }
    InterceptEnv* const env_;
    const std::string fname_;
    const uint64_t handle_;
    const std::unique_ptr<WritableFile> file_;
  };

  template <typename Open>
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(const std::string& fname, Open open) {
    auto file = Intercept({OpKind::kOpen, fname}, open);
    if (!file.ok()) return file.status();
    return std::make_unique<WritableFileWrapper>(this, fname, NextHandle(), *std::move(file));
  }

  Env* const target_;
  std::atomic<uint64_t> next_handle_{1};
};

// The type of a DB file, from its path ("/db/000005.log" is a WAL): "wal", "sst", "idx",
// "manifest", "current", "temp", "lock", "log" (the info log), or "other".
inline std::string_view DbFileKind(std::string_view path) {
  const std::string_view name = path.substr(path.find_last_of('/') + 1);
  if (name.ends_with(".log")) return "wal";
  if (name.ends_with(".sst")) return "sst";
  if (name.ends_with(".idx")) return "idx";
  if (name.ends_with(".dbtmp")) return "temp";
  if (name.starts_with("MANIFEST-")) return "manifest";
  if (name == "CURRENT") return "current";
  if (name == "LOCK") return "lock";
  if (name.starts_with("LOG")) return "log";
  return "other";
}

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_RELIABILITY_INTERCEPT_ENV_H_
