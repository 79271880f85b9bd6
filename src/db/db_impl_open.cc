// DBImpl's open and recovery: DB::Open, creating a new DB, recovering the tree from the
// MANIFEST and the WALs, and Resume after a background error. The other paths of DBImpl:
// db_impl_write.cc (the writer queue and group commit), db_impl_read.cc (reads and
// properties) and db_impl_background.cc (flush and compaction).
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/current_file.h"
#include "base/filename.h"
#include "db/db_impl.h"
#include "db/db_setup.h"
#include "db/wal_replay.h"
#include "kvlsm/comparator.h"
#include "kvlsm/merge_operator.h"
#include "manifest/version_edit.h"
#include "memtable/memtable.h"
#include "util/rate_limiter.h"
#include "wal/log_writer.h"

namespace kvlsm {

absl::Status DBImpl::Annotate(const absl::Status& s, std::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrFormat("%s: %s", context, s.message()));
}

DBImpl::DBImpl(const Options& options, const std::string& dbname)
    : options_(SanitizeOptions(options)),
      dbname_(dbname),
      index_dir_(options_.index_path.empty() ? dbname : options_.index_path),
      env_(options_.env),
      internal_comparator_(options_.comparator),
      table_cache_(std::make_unique<TableCache>(
          MakeTableCacheOptions(options_, dbname_, index_dir_, &internal_comparator_))),
      read_context_{&options_, &internal_comparator_, table_cache_.get()},
      versions_(std::make_unique<VersionSet>(dbname_, &options_, table_cache_.get(),
                                             &internal_comparator_)) {
  if (options_.compaction_rate_limit > 0) {
    rate_limiter_ = std::make_unique<RateLimiter>(env_, options_.compaction_rate_limit);
  }
}

DBImpl::~DBImpl() {
  {
    MutexLock l(&mu_);
    shutting_down_ = true;
    bg_cv_.SignalAll();
  }
  for (std::thread& t : background_threads_) t.join();
  MutexLock l(&mu_);
  if (log_ != nullptr) {
    absl::Status s = log_->Close();
    if (!s.ok()) Log(absl::StrCat("closing the WAL failed: ", s.ToString()));
    log_.reset();
  }
  versions_.reset();  // Closes the MANIFEST.
  if (db_lock_ != nullptr) env_->UnlockFile(std::move(db_lock_)).IgnoreError();
}

void DBImpl::Log(std::string_view message) {
  if (info_log_ != nullptr) info_log_->Log(message);
}

absl::StatusOr<std::unique_ptr<DB>> DB::Open(const Options& options, const std::string& path) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (path.empty()) return absl::InvalidArgumentError("DB::Open: empty path");
  auto db = std::make_unique<DBImpl>(options, path);
  if (absl::Status s = db->OpenDB(); !s.ok()) return s;
  return std::unique_ptr<DB>(std::move(db));
}

absl::Status DBImpl::OpenDB() {
  const bool exists = env_->FileExists(CurrentFileName(dbname_));
  if (!exists && !options_.create_if_missing) {
    return absl::NotFoundError(
        absl::StrCat(dbname_, ": no kvlsm DB here (", CurrentFileName(dbname_),
                     " does not exist) and Options::create_if_missing is false"));
  }
  if (exists && options_.error_if_exists) {
    return absl::AlreadyExistsError(
        absl::StrCat(dbname_, ": a DB exists and Options::error_if_exists is true"));
  }
  absl::Status s = env_->CreateDirIfMissing(dbname_);
  if (!s.ok()) return Annotate(s, "DB::Open: cannot use the DB directory");
  if (index_dir_ != dbname_) {
    s = env_->CreateDirIfMissing(index_dir_);
    if (!s.ok()) return Annotate(s, "DB::Open: cannot use Options::index_path");
  }
  auto lock = env_->LockFile(LockFileName(dbname_));
  if (!lock.ok()) {
    return Annotate(lock.status(), absl::StrCat("DB::Open(", dbname_,
                                                "): the DB is in use by another DB object "
                                                "or process"));
  }
  db_lock_ = *std::move(lock);

  info_log_ = options_.info_log;
  if (info_log_ == nullptr) {
    env_->RenameFile(InfoLogFileName(dbname_), OldInfoLogFileName(dbname_)).IgnoreError();
    auto logger = env_->NewLogger(InfoLogFileName(dbname_));
    if (logger.ok()) info_log_ = *std::move(logger);  // Without it, diagnostics are lost.
  }

  MutexLock l(&mu_);
  if (!env_->FileExists(CurrentFileName(dbname_))) {
    s = NewDB();
    if (!s.ok()) return s;
  }
  s = Recover();
  if (!s.ok()) return s;
  for (int i = 0; i < options_.max_background_jobs; ++i) {
    background_threads_.emplace_back([this] { BackgroundLoop(); });
  }
  return absl::OkStatus();
}

absl::Status DBImpl::NewDB() {
  VersionEdit edit;
  edit.format_version = kManifestFormatVersion;
  edit.comparator = options_.comparator->Name();
  if (options_.merge_operator) edit.merge_operator = options_.merge_operator->Name();
  edit.log_number = 0;
  edit.next_file_number = 2;
  edit.last_sequence = 0;
  const uint64_t manifest_number = 1;
  const std::string manifest = ManifestFileName(dbname_, manifest_number);
  auto file = env_->NewWritableFile(manifest);
  if (!file.ok()) return file.status();
  std::string record;
  edit.EncodeTo(&record);
  LogWriter writer(*std::move(file), manifest_number);
  absl::Status s = writer.AddRecord(record);
  if (s.ok()) s = writer.Sync();
  if (s.ok()) s = writer.Close();
  if (s.ok()) s = SetCurrentFile(env_, dbname_, manifest_number);
  if (!s.ok()) {
    env_->RemoveFile(manifest).IgnoreError();
    return Annotate(s, absl::StrCat("creating a new DB in ", dbname_));
  }
  Log(absl::StrCat("created a new DB in ", dbname_));
  return absl::OkStatus();
}

absl::Status DBImpl::Recover() {
  absl::Status s = versions_->Recover(&last_sequence_);
  if (!s.ok()) return s;

  // Every WAL at or above the recorded log number holds live data.
  auto logs = LiveWalNumbers(env_, dbname_, versions_->log_number(),
                             [this](uint64_t number) { versions_->MarkFileNumberUsed(number); });
  if (!logs.ok()) return logs.status();
  const WalReplayOptions replay_options =
      MakeWalReplayOptions(options_, dbname_, &internal_comparator_, info_log_.get());
  auto replay = ReplayWals(replay_options, *logs);
  if (!replay.ok()) return replay.status();
  stats_.recovered_records = replay->records;
  stats_.recovery_dropped_bytes = replay->dropped_bytes;
  last_sequence_ = std::max(last_sequence_, replay->max_sequence);

  // What the WALs held becomes level-0 tables, so that every WAL can go: the logs on disk
  // then never describe more than the recovered state (a cut made by point-in-time
  // recovery stays cut; a dropped record cannot come back).
  VersionEdit edit;
  for (const auto& mem : replay->memtables) {
    FileMetaData meta;
    meta.number = versions_->NewFileNumber();
    s = WriteLevel0Table(*mem, &meta);
    if (!s.ok()) return Annotate(s, "writing recovered data to a table");
    if (meta.data_size > 0) edit.AddFile(0, meta);
  }
  s = OpenNewLog(versions_->NewFileNumber());
  if (!s.ok()) return s;
  edit.log_number = log_number_;
  s = versions_->LogAndApply(&edit, last_sequence_);
  for (const auto& [level, meta] : edit.new_files) pending_outputs_.erase(meta.number);
  if (!s.ok()) return s;

  auto state = std::make_shared<ReadState>();
  state->mem = std::make_shared<MemTable>(internal_comparator_);
  state->version = versions_->current();
  read_state_ = std::move(state);
  DeleteObsoleteFiles();
  Log(
      absl::StrFormat("opened %s: %d WAL files, %d records replayed into %d tables, %d bytes "
                      "dropped, %d WAL files skipped after a point-in-time cut, last sequence %d",
                      dbname_, logs->size(), replay->records, edit.new_files.size(),
                      replay->dropped_bytes, replay->skipped_logs, last_sequence_));
  return absl::OkStatus();
}

absl::Status DBImpl::OpenNewLog(uint64_t number) {
  const std::string fname = LogFileName(dbname_, number);
  auto file = env_->NewWritableFile(fname);
  if (!file.ok()) return file.status();
  // A synced write in this log is durable only once the log's directory entry is.
  absl::Status s = env_->SyncDir(dbname_);
  if (!s.ok()) {
    env_->RemoveFile(fname).IgnoreError();
    return s;
  }
  log_ = std::make_unique<LogWriter>(*std::move(file), number);
  log_number_ = number;
  return absl::OkStatus();
}

void DBImpl::SetBackgroundError(const absl::Status& status, std::string_view what) {
  if (!background_error_.ok()) return;
  background_error_ = absl::Status(
      status.code(),
      absl::StrFormat("the DB is read-only after a failed %s: %s", what, status.message()));
  Log(background_error_.ToString());
  bg_cv_.SignalAll();  // Wake writers waiting for a flush that will not come.
}

absl::Status DBImpl::Resume() {
  MutexLock l(&mu_);
  if (background_error_.ok()) return absl::OkStatus();
  // Become the only writer, and let background work in progress end (none starts while
  // the error stands).
  Writer w(nullptr, false, &mu_);
  writers_.push_back(&w);
  while (&w != writers_.front()) w.cv.Wait();
  while (flush_running_ || picking_ || !running_compactions_.empty()) bg_cv_.Wait();
  absl::Status s = RecoverFromBackgroundError();
  writers_.pop_front();
  if (!writers_.empty()) writers_.front()->cv.Signal();
  return s;
}

absl::Status DBImpl::RecoverFromBackgroundError() {
  // The WAL's last write or sync may have failed, so its contents are unknown: everything
  // acknowledged is in the memtables, and goes to tables; a new WAL takes the new writes.
  if (log_ != nullptr) {
    log_->Close().IgnoreError();
    log_.reset();
  }
  absl::Status s = OpenNewLog(versions_->NewFileNumber());
  if (!s.ok()) return Annotate(s, "DB::Resume: starting a new WAL");
  if (read_state_->mem->num_entries() > 0) {
    auto next = std::make_shared<ReadState>(*read_state_);
    next->imm.insert(next->imm.begin(), SealedMemTable{next->mem, log_number_});
    next->mem = std::make_shared<MemTable>(internal_comparator_);
    read_state_ = std::move(next);
  }
  while (!read_state_->imm.empty()) {
    s = FlushOldestMemTable();
    if (!s.ok()) return Annotate(s, "DB::Resume");
  }
  // Records the new WAL, in a new MANIFEST when the old one failed.
  VersionEdit edit;
  edit.log_number = log_number_;
  s = ApplyEdit(&edit, "DB::Resume");
  if (!s.ok()) return s;
  Log(absl::StrCat("resumed after: ", background_error_.ToString()));
  background_error_ = absl::OkStatus();
  DeleteObsoleteFiles();
  bg_cv_.SignalAll();
  return absl::OkStatus();
}

}  // namespace kvlsm
