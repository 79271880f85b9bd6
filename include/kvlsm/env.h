// kvlsm/env.h: every file operation and every clock reading kvlsm makes goes through an Env.
//
// Built in: Env::Default() (POSIX), NewMemEnv() (a volatile file system in memory, for
// tests and for users who want a store that vanishes with the process), and
// FaultInjectionEnv (kvlsm/fault_injection_env.h), a wrapper that simulates power cuts and
// failing disks.
//
// Thread safety: an Env and the files it hands out may be used from many threads at once,
// except that one SequentialFile or one WritableFile must not be used by two threads
// concurrently without external synchronization. RandomAccessFile::Read is thread-safe.
//
// Errors: every failure is a non-OK absl::Status whose message names the file and, for
// system errors, carries the errno text. ENOSPC maps to ResourceExhausted, ENOENT to
// NotFound, other I/O errors to Internal (read: "I/O error").
#ifndef KVLSM_ENV_H_
#define KVLSM_ENV_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/export.h"

namespace kvlsm {

// A file read from start to end.
class KVLSM_EXPORT SequentialFile {
 public:
  virtual ~SequentialFile() = default;

  // Reads up to n bytes. *result points into scratch (or into memory the file owns that
  // stays valid until the next call). Returns OK with result->size() < n only at end of
  // file. REQUIRES: scratch holds at least n bytes.
  virtual absl::Status Read(size_t n, std::string_view* result, char* scratch) = 0;

  // Skips n bytes; skipping past the end of the file leaves it at the end and returns OK.
  virtual absl::Status Skip(uint64_t n) = 0;
};

// A file read at arbitrary offsets. Read is safe to call concurrently.
class KVLSM_EXPORT RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  // Reads up to n bytes at offset. A short result means the file ended. *result points
  // into scratch or into memory that stays valid while the file is open.
  // REQUIRES: scratch holds at least n bytes.
  virtual absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                            char* scratch) const = 0;
};

// A file written sequentially. Data reaches stable storage only after Sync().
class KVLSM_EXPORT WritableFile {
 public:
  virtual ~WritableFile() = default;

  virtual absl::Status Append(std::string_view data) = 0;
  // Pushes buffered data to the operating system (survives a process crash, not a power
  // cut).
  virtual absl::Status Flush() = 0;
  // Makes all data appended so far durable (fdatasync). A failed Sync leaves the durable
  // state unknown; callers must not retry it and treat the data as synced.
  virtual absl::Status Sync() = 0;
  virtual absl::Status Close() = 0;
};

// A held lock on a file (see Env::LockFile). Released by Env::UnlockFile.
class KVLSM_EXPORT FileLock {
 public:
  virtual ~FileLock() = default;
};

// A sink for human-readable diagnostics (the info log). Thread-safe.
class KVLSM_EXPORT Logger {
 public:
  virtual ~Logger() = default;
  // Writes one line; a trailing newline is added when missing.
  virtual void Log(std::string_view message) = 0;
};

class KVLSM_EXPORT Env {
 public:
  virtual ~Env() = default;

  // The POSIX environment. Static lifetime; never delete it.
  static Env* Default();

  // Opens an existing file. NotFound when it does not exist.
  virtual absl::StatusOr<std::unique_ptr<SequentialFile>> NewSequentialFile(
      const std::string& fname) = 0;
  virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& fname) = 0;
  // Creates a file, truncating any existing one.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& fname) = 0;
  // Opens a file for appending, creating it when missing.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& fname) = 0;

  virtual bool FileExists(const std::string& fname) = 0;
  // The names (not paths) of the entries in dir, without "." and "..".
  virtual absl::StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  virtual absl::Status RemoveFile(const std::string& fname) = 0;
  // OK when dir exists as a directory (or was created); FailedPrecondition when the path
  // exists but is not a directory. Creates only the last component.
  virtual absl::Status CreateDirIfMissing(const std::string& dir) = 0;
  virtual absl::Status RemoveDir(const std::string& dir) = 0;
  virtual absl::StatusOr<uint64_t> GetFileSize(const std::string& fname) = 0;
  // Atomically replaces target with src. Durable only after SyncDir of the directory.
  virtual absl::Status RenameFile(const std::string& src, const std::string& target) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;

  // Locks fname (creating it when missing) against other processes and against other
  // LockFile calls in this process. FailedPrecondition naming the file when already held.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& fname) = 0;
  virtual absl::Status UnlockFile(std::unique_ptr<FileLock> lock) = 0;

  // A logger appending to fname (created or truncated).
  virtual absl::StatusOr<std::shared_ptr<Logger>> NewLogger(const std::string& fname) = 0;

  // Microseconds since some fixed point; for measuring intervals.
  virtual uint64_t NowMicros() = 0;
  // Wall-clock seconds since the Unix epoch, for timestamps recorded in files (a table's
  // creation time). The default reads the system clock.
  virtual uint64_t NowUnixSeconds();
  virtual void SleepForMicroseconds(int64_t micros) = 0;
};

// A file system held entirely in memory; its contents vanish when the Env is destroyed.
// Like a disk, it refuses to create a file whose parent directory was not created (the
// root "/" always exists) and a directory where a file stands; unlike POSIX,
// CreateDirIfMissing also creates missing parents. Time comes from the system clock.
KVLSM_EXPORT std::unique_ptr<Env> NewMemEnv();

// Writes data to fname through env (truncating), optionally syncing it.
KVLSM_EXPORT absl::Status WriteStringToFile(Env* env, std::string_view data,
                                            const std::string& fname, bool sync);
// Reads the whole of fname through env into *data.
KVLSM_EXPORT absl::Status ReadFileToString(Env* env, const std::string& fname, std::string* data);

}  // namespace kvlsm

#endif  // KVLSM_ENV_H_
