// kvlsm/fault_injection_env.h: an Env wrapper that simulates power cuts and failing disks.
//
// Crash simulation. The wrapper remembers, for each file written through it, how much was
// made durable by WritableFile::Sync, and for each directory which entries were made
// durable by Env::SyncDir. DropUnsyncedData() then does what a power cut does to a file
// system: every file is cut back to its last synced length, files created since the last
// SyncDir of their directory vanish, and renames not covered by a SyncDir are undone (the
// target gets back the contents it had before the rename). Removals are treated as durable
// at once (a resurrected file would only be an orphan, which the DB tolerates).
//
// Fault injection. FailOperation(kind, n, error, persistent) makes the n-th operation of
// that kind from now on fail with EIO or ENOSPC (n = 1: the next one); when persistent,
// every later one fails too, until ClearFaults(). A failed write may have written a prefix
// of its data (as a real disk may); a failed Sync syncs nothing.
//
// Thread safety: all methods may be called concurrently with file operations.
#ifndef KVLSM_FAULT_INJECTION_ENV_H_
#define KVLSM_FAULT_INJECTION_ENV_H_

#include <cstdint>
#include <memory>

#include "kvlsm/env.h"
#include "kvlsm/export.h"

namespace kvlsm {

class KVLSM_EXPORT FaultInjectionEnv : public Env {
 public:
  // The kinds of operation a fault can target.
  enum class Op {
    kWrite,   // WritableFile::Append and Flush
    kSync,    // WritableFile::Sync and Env::SyncDir
    kRename,  // Env::RenameFile
    kOpen,    // NewSequentialFile / NewRandomAccessFile / NewWritableFile / NewAppendableFile
    kRead,    // SequentialFile::Read / RandomAccessFile::Read
  };
  enum class Error { kIOError /* EIO */, kNoSpace /* ENOSPC */ };

  // Wraps base, which must outlive this object. Every file of interest must be created
  // through this wrapper for its synced state to be known.
  explicit FaultInjectionEnv(Env* base);
  ~FaultInjectionEnv() override;

  // Simulates a power cut as described above. Files open for writing when this is called
  // must not be written afterwards (their handles fail with FailedPrecondition).
  absl::Status DropUnsyncedData();

  // Makes the n-th (1-based, counted from this call) operation of `op` fail with `error`;
  // with persistent, that one and every later one fail until ClearFaults().
  // REQUIRES: n >= 1.
  void FailOperation(Op op, int64_t n, Error error, bool persistent);
  void ClearFaults();

  // How many operations of `op` have been attempted since construction.
  int64_t OperationCount(Op op) const;
  // How many operations have failed because of an injected fault.
  int64_t InjectedFailures() const;

  // Env:
  absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& fname) override;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& fname) override;
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& fname) override;
  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& fname) override;
  bool FileExists(const std::string& fname) override;
  absl::StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override;
  absl::Status RemoveFile(const std::string& fname) override;
  absl::Status CreateDirIfMissing(const std::string& dir) override;
  absl::Status RemoveDir(const std::string& dir) override;
  absl::StatusOr<uint64_t> GetFileSize(const std::string& fname) override;
  absl::Status RenameFile(const std::string& src, const std::string& target) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& fname) override;
  absl::Status UnlockFile(std::unique_ptr<FileLock> lock) override;
  absl::StatusOr<std::shared_ptr<Logger>> NewLogger(const std::string& fname) override;
  uint64_t NowMicros() override;
  uint64_t NowUnixSeconds() override;
  void SleepForMicroseconds(int64_t micros) override;

  class State;  // Internal; public only so that the file wrappers can name it.

 private:
  Env* const base_;
  std::unique_ptr<State> state_;
};

}  // namespace kvlsm

#endif  // KVLSM_FAULT_INJECTION_ENV_H_
