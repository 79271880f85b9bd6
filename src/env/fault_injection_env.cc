// FaultInjectionEnv: see kvlsm/fault_injection_env.h for the contract.
//
// The model. Paths are compared after lexical normalization (env_internal::NormalizePath).
// - Contents: for every file written through the wrapper (or renamed through it) State
//   keeps a TrackedFile holding the length made durable by WritableFile::Sync. A tracked
//   file follows its renames. Files never seen by the wrapper are untracked, which means
//   fully synced and durable.
// - Directory entries: every creation of a file that did not exist, and every rename, is
//   a PendingEntry until SyncDir of its directory (the directory of the created file, or
//   of the rename's target). A rename entry keeps in memory the durable contents of the
//   file it replaced (its synced prefix), to restore them when undone. RemoveFile is
//   durable at once: it also forgets the pending entry that put the removed file there.
// Files handed out by the wrapper must not outlive it.
//
// DropUnsyncedData(), in this order:
//   1. closes the base handle of every open WritableFile (flushing whatever it buffered)
//      and marks the handle invalid: every later call on it returns FailedPrecondition;
//   2. cuts each tracked file back to its synced length, by reading the synced prefix
//      through the base Env and writing it back (NewWritableFile, Append, Sync);
//   3. undoes the pending entries, newest first: a created file is removed; a renamed
//      file is renamed back to its old name and the target gets its previous contents
//      back (or vanishes if it did not exist); an entry whose file is gone is skipped.
//      Renames across directories are undone the same way: only the SyncDir of the
//      target's directory counts for them;
//   4. forgets all tracking, so everything now on the base Env counts as durable.
// It returns the first error met and carries on past errors.
//
// Injected faults: an injected error is built like the real one (env_internal::IOError)
// with "(injected fault)" after the operation and file name:
//   kIOError: Internal("I/O error: append /db/000005.log (injected fault): Input/output error")
//   kNoSpace: ResourceExhausted("append /db/000005.log (injected fault): No space left on device")
// A failed Append writes the first half (rounded down) of its data to the file, as a disk
// that fills up mid-write would; a failed Flush, Sync, SyncDir, Rename, open or read does
// nothing at all. A failed Sync leaves the synced length where it was.
//
// Locking: State::mu_ guards all state, and is held across the base Env calls of metadata
// operations (open, rename, remove, SyncDir, DropUnsyncedData) so that they are atomic
// with respect to each other. Each FaultWritableFile has a mutex guarding its base handle;
// lock order is State::mu_, then FaultWritableFile::mu_, and a handle never calls into
// State while holding its own mutex.
#include "kvlsm/fault_injection_env.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "env/env_internal.h"
#include "util/mutex.h"

namespace kvlsm {
namespace {

using env_internal::NormalizePath;
using env_internal::ParentDir;
using Op = FaultInjectionEnv::Op;
using Error = FaultInjectionEnv::Error;

constexpr size_t kNumOps = 5;

size_t OpIndex(Op op) { return static_cast<size_t>(op); }

absl::Status InjectedError(Error error, absl::string_view verb, absl::string_view fname) {
  return env_internal::IOError(absl::StrCat(verb, " ", fname, " (injected fault)"),
                               error == Error::kNoSpace ? ENOSPC : EIO);
}

// The durable length of one file's contents. Guarded by State::mu_.
struct TrackedFile {
  uint64_t synced_size = 0;
};

// A file creation or rename not yet made durable by SyncDir.
struct PendingEntry {
  enum class Kind { kCreate, kRename };
  Kind kind = Kind::kCreate;
  std::string path;       // The created file, or the rename's target.
  std::string directory;  // Whose SyncDir makes the entry durable.
  // kRename only:
  std::string source;
  bool target_existed = false;
  std::string previous_target_contents;  // The target's durable contents before.
};

class FaultWritableFile;

}  // namespace

class FaultInjectionEnv::State {
 public:
  explicit State(Env* base) : base_(base) {}

  // Counts one operation of `op` and returns its injected error, or OK.
  absl::Status CheckFault(Op op, absl::string_view verb, absl::string_view fname)
      ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    return CheckFaultLocked(op, verb, fname);
  }

  void FailOperation(Op op, int64_t n, Error error, bool persistent) ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    Fault& fault = faults_[OpIndex(op)];
    fault.armed = true;
    fault.fail_at = counts_[OpIndex(op)] + (n < 1 ? 1 : n);
    fault.error = error;
    fault.persistent = persistent;
  }

  void ClearFaults() ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    for (Fault& fault : faults_) fault.armed = false;
  }

  int64_t OperationCount(Op op) ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    return counts_[OpIndex(op)];
  }

  int64_t InjectedFailures() ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    return injected_failures_;
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(const std::string& fname, bool append);
  absl::Status RemoveFile(const std::string& fname);
  absl::Status RenameFile(const std::string& src, const std::string& target);
  absl::Status SyncDir(const std::string& dir);
  absl::Status DropUnsyncedData();

  // For FaultWritableFile: records that `file` is durable up to `size` bytes.
  void MarkSynced(const std::shared_ptr<TrackedFile>& file, uint64_t size)
      ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    if (size > file->synced_size) file->synced_size = size;
  }
  void UnregisterWriter(FaultWritableFile* writer) ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    writers_.erase(writer);
  }

 private:
  struct Fault {
    bool armed = false;
    int64_t fail_at = 0;  // Value of the op's count at which to fail.
    Error error = Error::kIOError;
    bool persistent = false;
  };

  absl::Status CheckFaultLocked(Op op, absl::string_view verb, absl::string_view fname)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int64_t count = ++counts_[OpIndex(op)];
    Fault& fault = faults_[OpIndex(op)];
    if (!fault.armed || count < fault.fail_at) return absl::OkStatus();
    if (!fault.persistent) fault.armed = false;
    ++injected_failures_;
    return InjectedError(fault.error, verb, fname);
  }

  absl::Status TruncateToSynced(const std::string& path, uint64_t synced_size)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Undo(const PendingEntry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Env* const base_;

  Mutex mu_;
  std::array<int64_t, kNumOps> counts_ ABSL_GUARDED_BY(mu_) = {};
  std::array<Fault, kNumOps> faults_ ABSL_GUARDED_BY(mu_);
  int64_t injected_failures_ ABSL_GUARDED_BY(mu_) = 0;
  // Normalized path → durable length, for the files written or renamed through the wrapper.
  absl::flat_hash_map<std::string, std::shared_ptr<TrackedFile>> files_ ABSL_GUARDED_BY(mu_);
  // Directory entries not yet durable, oldest first.
  std::vector<PendingEntry> pending_ ABSL_GUARDED_BY(mu_);
  // The open writable handles, invalidated by DropUnsyncedData.
  absl::flat_hash_set<FaultWritableFile*> writers_ ABSL_GUARDED_BY(mu_);
};

namespace {

using State = FaultInjectionEnv::State;

class FaultSequentialFile final : public SequentialFile {
 public:
  FaultSequentialFile(State* state, std::string fname, std::unique_ptr<SequentialFile> base)
      : state_(state), fname_(std::move(fname)), base_(std::move(base)) {}

  absl::Status Read(size_t n, std::string_view* result, char* scratch) override {
    absl::Status s = state_->CheckFault(Op::kRead, "read", fname_);
    if (!s.ok()) {
      *result = std::string_view();
      return s;
    }
    return base_->Read(n, result, scratch);
  }
  absl::Status Skip(uint64_t n) override { return base_->Skip(n); }

 private:
  State* const state_;
  const std::string fname_;
  const std::unique_ptr<SequentialFile> base_;
};

class FaultRandomAccessFile final : public RandomAccessFile {
 public:
  FaultRandomAccessFile(State* state, std::string fname, std::unique_ptr<RandomAccessFile> base)
      : state_(state), fname_(std::move(fname)), base_(std::move(base)) {}

  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* scratch) const override {
    absl::Status s = state_->CheckFault(Op::kRead, "read", fname_);
    if (!s.ok()) {
      *result = std::string_view();
      return s;
    }
    return base_->Read(offset, n, result, scratch);
  }

 private:
  State* const state_;
  const std::string fname_;
  const std::unique_ptr<RandomAccessFile> base_;
};

class FaultWritableFile final : public WritableFile {
 public:
  // `size`: the file's length when opened.
  FaultWritableFile(State* state, std::string fname, std::unique_ptr<WritableFile> base,
                    std::shared_ptr<TrackedFile> tracked, uint64_t size)
      : state_(state),
        fname_(std::move(fname)),
        tracked_(std::move(tracked)),
        base_(std::move(base)),
        size_(size) {}
  // Unregisters first, so that a concurrent DropUnsyncedData never sees a half-destroyed
  // handle.
  ~FaultWritableFile() override { state_->UnregisterWriter(this); }

  absl::Status Append(std::string_view data) override {
    absl::Status s = CheckUsable("append to");
    if (!s.ok()) return s;
    const absl::Status fault = state_->CheckFault(Op::kWrite, "append", fname_);
    MutexLock lock(&mu_);
    if (base_ == nullptr) return DroppedError("append to");
    if (!fault.ok()) data = data.substr(0, data.size() / 2);
    s = base_->Append(data);
    if (s.ok()) size_ += data.size();
    return fault.ok() ? s : fault;
  }

  absl::Status Flush() override {
    absl::Status s = CheckUsable("flush");
    if (!s.ok()) return s;
    s = state_->CheckFault(Op::kWrite, "flush", fname_);
    MutexLock lock(&mu_);
    if (base_ == nullptr) return DroppedError("flush");
    return s.ok() ? base_->Flush() : s;
  }

  absl::Status Sync() override {
    absl::Status s = CheckUsable("sync");
    if (!s.ok()) return s;
    s = state_->CheckFault(Op::kSync, "sync", fname_);
    if (!s.ok()) return s;
    uint64_t size;
    {
      MutexLock lock(&mu_);
      if (base_ == nullptr) return DroppedError("sync");
      s = base_->Sync();
      if (!s.ok()) return s;
      size = size_;
    }
    // Not under mu_ (lock order). If DropUnsyncedData ran in between, tracked_ is no
    // longer in the table and this has no effect.
    state_->MarkSynced(tracked_, size);
    return absl::OkStatus();
  }

  absl::Status Close() override {
    MutexLock lock(&mu_);
    if (base_ == nullptr) return DroppedError("close");
    return base_->Close();
  }

  // Called by State::DropUnsyncedData with State::mu_ held: closes the base handle, which
  // pushes out whatever it buffered, and invalidates this handle.
  absl::Status Invalidate() {
    MutexLock lock(&mu_);
    if (base_ == nullptr) return absl::OkStatus();
    absl::Status s = base_->Close();
    base_.reset();
    return s;
  }

 private:
  absl::Status CheckUsable(absl::string_view what) {
    MutexLock lock(&mu_);
    return base_ == nullptr ? DroppedError(what) : absl::OkStatus();
  }

  absl::Status DroppedError(absl::string_view what) const {
    return absl::FailedPreconditionError(absl::StrCat(
        what, " ", fname_, ": the handle was invalidated by DropUnsyncedData (simulated crash)"));
  }

  State* const state_;
  const std::string fname_;
  const std::shared_ptr<TrackedFile> tracked_;

  Mutex mu_;
  std::unique_ptr<WritableFile> base_ ABSL_GUARDED_BY(mu_);  // Null once invalidated.
  uint64_t size_ ABSL_GUARDED_BY(mu_);                       // Bytes in the file.
};

}  // namespace

absl::StatusOr<std::unique_ptr<WritableFile>> State::OpenWritable(const std::string& fname,
                                                                  bool append) {
  const std::string path = NormalizePath(fname);
  MutexLock lock(&mu_);
  absl::Status s = CheckFaultLocked(Op::kOpen, "open", fname);
  if (!s.ok()) return s;
  const bool existed = base_->FileExists(fname);
  uint64_t size = 0;
  if (append && existed) {
    absl::StatusOr<uint64_t> existing_size = base_->GetFileSize(fname);
    if (!existing_size.ok()) return existing_size.status();
    size = *existing_size;
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> base_file =
      append ? base_->NewAppendableFile(fname) : base_->NewWritableFile(fname);
  if (!base_file.ok()) return base_file.status();

  std::shared_ptr<TrackedFile>& tracked = files_[path];
  if (!append || tracked == nullptr) {
    // A truncated file has nothing durable; a file appended to that the wrapper has not
    // seen before counts as durable up to its current length.
    tracked = std::make_shared<TrackedFile>();
    tracked->synced_size = size;
  }
  if (!existed) {
    PendingEntry entry;
    entry.kind = PendingEntry::Kind::kCreate;
    entry.path = path;
    entry.directory = ParentDir(path);
    pending_.push_back(std::move(entry));
  }
  auto writer =
      std::make_unique<FaultWritableFile>(this, fname, *std::move(base_file), tracked, size);
  writers_.insert(writer.get());
  return writer;
}

absl::Status State::RemoveFile(const std::string& fname) {
  const std::string path = NormalizePath(fname);
  MutexLock lock(&mu_);
  absl::Status s = base_->RemoveFile(fname);
  if (!s.ok()) return s;
  // Removals are durable at once: forget the file, and the entry that put it at this
  // path (the newest naming it), so that undoing the entry resurrects nothing. Older
  // entries for the path stay: they concern files since moved elsewhere.
  files_.erase(path);
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
    if (it->path == path) {
      pending_.erase(std::next(it).base());
      break;
    }
  }
  return absl::OkStatus();
}

absl::Status State::RenameFile(const std::string& src, const std::string& target) {
  const std::string from = NormalizePath(src);
  const std::string to = NormalizePath(target);
  MutexLock lock(&mu_);
  absl::Status s = CheckFaultLocked(Op::kRename, "rename", absl::StrCat(src, " to ", target));
  if (!s.ok()) return s;
  if (from == to) return base_->RenameFile(src, target);

  // What a crash before the next SyncDir must restore at the target: its durable contents.
  PendingEntry entry;
  entry.kind = PendingEntry::Kind::kRename;
  entry.path = to;
  entry.directory = ParentDir(to);
  entry.source = from;
  entry.target_existed = base_->FileExists(target);
  if (entry.target_existed) {
    s = ReadFileToString(base_, target, &entry.previous_target_contents);
    if (!s.ok()) return s;
    auto it = files_.find(to);
    if (it != files_.end() && entry.previous_target_contents.size() > it->second->synced_size) {
      entry.previous_target_contents.resize(it->second->synced_size);
    }
  }
  s = base_->RenameFile(src, target);
  if (!s.ok()) return s;

  auto it = files_.find(from);
  std::shared_ptr<TrackedFile> tracked;
  if (it != files_.end()) {
    tracked = std::move(it->second);
    files_.erase(it);
  } else {
    // Not seen before, so fully synced.
    tracked = std::make_shared<TrackedFile>();
    absl::StatusOr<uint64_t> size = base_->GetFileSize(target);
    if (size.ok()) tracked->synced_size = *size;
  }
  files_[to] = std::move(tracked);
  pending_.push_back(std::move(entry));
  return absl::OkStatus();
}

absl::Status State::SyncDir(const std::string& dir) {
  const std::string path = NormalizePath(dir);
  MutexLock lock(&mu_);
  absl::Status s = CheckFaultLocked(Op::kSync, "sync dir", dir);
  if (!s.ok()) return s;
  s = base_->SyncDir(dir);
  if (!s.ok()) return s;
  std::erase_if(pending_, [&](const PendingEntry& entry) { return entry.directory == path; });
  return absl::OkStatus();
}

absl::Status State::DropUnsyncedData() {
  MutexLock lock(&mu_);
  absl::Status result;
  const auto keep_first_error = [&result](const absl::Status& s) {
    if (result.ok() && !s.ok()) result = s;
  };
  for (FaultWritableFile* writer : writers_) keep_first_error(writer->Invalidate());
  writers_.clear();
  for (const auto& [path, tracked] : files_) {
    keep_first_error(TruncateToSynced(path, tracked->synced_size));
  }
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) keep_first_error(Undo(*it));
  files_.clear();
  pending_.clear();
  return result;
}

absl::Status State::TruncateToSynced(const std::string& path, uint64_t synced_size) {
  absl::StatusOr<uint64_t> size = base_->GetFileSize(path);
  if (absl::IsNotFound(size.status())) return absl::OkStatus();  // Removed behind our back.
  if (!size.ok()) return size.status();
  if (*size <= synced_size) return absl::OkStatus();

  std::string prefix;
  {
    absl::StatusOr<std::unique_ptr<SequentialFile>> file = base_->NewSequentialFile(path);
    if (!file.ok()) return file.status();
    prefix.resize(synced_size);
    size_t done = 0;
    while (done < synced_size) {
      std::string_view fragment;
      absl::Status s = (*file)->Read(synced_size - done, &fragment, prefix.data() + done);
      if (!s.ok()) return s;
      if (fragment.empty()) break;  // Shorter than expected; keep what is there.
      if (fragment.data() != prefix.data() + done) {
        std::memcpy(prefix.data() + done, fragment.data(), fragment.size());
      }
      done += fragment.size();
    }
    prefix.resize(done);
  }
  return WriteStringToFile(base_, prefix, path, /*sync=*/true);
}

absl::Status State::Undo(const PendingEntry& entry) {
  if (!base_->FileExists(entry.path)) return absl::OkStatus();
  if (entry.kind == PendingEntry::Kind::kCreate) return base_->RemoveFile(entry.path);
  absl::Status s = base_->RenameFile(entry.path, entry.source);
  if (!s.ok() || !entry.target_existed) return s;
  return WriteStringToFile(base_, entry.previous_target_contents, entry.path, /*sync=*/true);
}

FaultInjectionEnv::FaultInjectionEnv(Env* base)
    : base_(base), state_(std::make_unique<State>(base)) {}

FaultInjectionEnv::~FaultInjectionEnv() = default;

absl::Status FaultInjectionEnv::DropUnsyncedData() { return state_->DropUnsyncedData(); }

void FaultInjectionEnv::FailOperation(Op op, int64_t n, Error error, bool persistent) {
  state_->FailOperation(op, n, error, persistent);
}

void FaultInjectionEnv::ClearFaults() { state_->ClearFaults(); }

int64_t FaultInjectionEnv::OperationCount(Op op) const { return state_->OperationCount(op); }

int64_t FaultInjectionEnv::InjectedFailures() const { return state_->InjectedFailures(); }

absl::StatusOr<std::unique_ptr<SequentialFile>> FaultInjectionEnv::NewSequentialFile(
    const std::string& fname) {
  absl::Status s = state_->CheckFault(Op::kOpen, "open", fname);
  if (!s.ok()) return s;
  absl::StatusOr<std::unique_ptr<SequentialFile>> file = base_->NewSequentialFile(fname);
  if (!file.ok()) return file.status();
  return std::make_unique<FaultSequentialFile>(state_.get(), fname, *std::move(file));
}

absl::StatusOr<std::unique_ptr<RandomAccessFile>> FaultInjectionEnv::NewRandomAccessFile(
    const std::string& fname) {
  absl::Status s = state_->CheckFault(Op::kOpen, "open", fname);
  if (!s.ok()) return s;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> file = base_->NewRandomAccessFile(fname);
  if (!file.ok()) return file.status();
  return std::make_unique<FaultRandomAccessFile>(state_.get(), fname, *std::move(file));
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(
    const std::string& fname) {
  return state_->OpenWritable(fname, /*append=*/false);
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewAppendableFile(
    const std::string& fname) {
  return state_->OpenWritable(fname, /*append=*/true);
}

bool FaultInjectionEnv::FileExists(const std::string& fname) { return base_->FileExists(fname); }

absl::StatusOr<std::vector<std::string>> FaultInjectionEnv::GetChildren(const std::string& dir) {
  return base_->GetChildren(dir);
}

absl::Status FaultInjectionEnv::RemoveFile(const std::string& fname) {
  return state_->RemoveFile(fname);
}

absl::Status FaultInjectionEnv::CreateDirIfMissing(const std::string& dir) {
  return base_->CreateDirIfMissing(dir);
}

absl::Status FaultInjectionEnv::RemoveDir(const std::string& dir) { return base_->RemoveDir(dir); }

absl::StatusOr<uint64_t> FaultInjectionEnv::GetFileSize(const std::string& fname) {
  return base_->GetFileSize(fname);
}

absl::Status FaultInjectionEnv::RenameFile(const std::string& src, const std::string& target) {
  return state_->RenameFile(src, target);
}

absl::Status FaultInjectionEnv::SyncDir(const std::string& dir) { return state_->SyncDir(dir); }

absl::StatusOr<std::unique_ptr<FileLock>> FaultInjectionEnv::LockFile(const std::string& fname) {
  return base_->LockFile(fname);
}

absl::Status FaultInjectionEnv::UnlockFile(std::unique_ptr<FileLock> lock) {
  return base_->UnlockFile(std::move(lock));
}

absl::StatusOr<std::shared_ptr<Logger>> FaultInjectionEnv::NewLogger(const std::string& fname) {
  return base_->NewLogger(fname);
}

uint64_t FaultInjectionEnv::NowMicros() { return base_->NowMicros(); }
uint64_t FaultInjectionEnv::NowUnixSeconds() { return base_->NowUnixSeconds(); }

void FaultInjectionEnv::SleepForMicroseconds(int64_t micros) {
  base_->SleepForMicroseconds(micros);
}

}  // namespace kvlsm
