#include "db/db_impl.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compaction/manual_compaction.h"
#include "db/db_iter.h"
#include "db/db_setup.h"
#include "base/filename.h"
#include "base/get_context.h"
#include "compaction/table_file_writer.h"
#include "manifest/version_edit.h"
#include "db/wal_replay.h"
#include "db/write_batch_internal.h"
#include "db/write_pressure.h"
#include "kvlsm/comparator.h"
#include "kvlsm/merge_operator.h"
#include "memtable/memtable.h"
#include "table/merging_iterator.h"
#include "util/rate_limiter.h"
#include "wal/log_writer.h"

namespace kvlsm {
namespace {

// Prefixes a status's message with context, keeping its code.
absl::Status Annotate(const absl::Status& s, std::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrFormat("%s: %s", context, s.message()));
}

}  // namespace

struct DBImpl::Writer {
  Writer(WriteBatch* b, bool s, Mutex* mu) : batch(b), sync(s), cv(mu) {}
  WriteBatch* const batch;  // Null: seal the memtable (Flush).
  const bool sync;
  bool done = false;
  absl::Status status;
  CondVar cv;
};

DBImpl::DBImpl(const Options& options, const std::string& dbname)
    : options_(SanitizeOptions(options)),
      dbname_(dbname),
      index_dir_(options_.index_path.empty() ? dbname : options_.index_path),
      env_(options_.env),
      internal_comparator_(options_.comparator),
      table_cache_(std::make_unique<TableCache>(
          MakeTableCacheOptions(options_, dbname_, index_dir_, &internal_comparator_))),
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

BuildTableOptions DBImpl::TableBuildOptions() const {
  BuildTableOptions build;
  build.env = env_;
  build.dbname = dbname_;
  build.index_dir = index_dir_;
  build.table.comparator = &internal_comparator_;
  build.table.filter_policy = options_.filter_policy.get();
  build.table.block_size = options_.block_size;
  build.table.block_restart_interval = options_.block_restart_interval;
  build.table.compression = options_.compression;
  build.table.zstd_level = options_.zstd_level;
  return build;
}

absl::Status DBImpl::WriteLevel0Table(const MemTable& mem, FileMetaData* meta) {
  pending_outputs_.insert(meta->number);
  BuildTableOptions build = TableBuildOptions();
  build.table.creation_time = env_->NowUnixSeconds();
  std::unique_ptr<Iterator> iter = mem.NewIterator();
  // Drop the versions no snapshot can see; keep tombstones (older tables may hold the key).
  CompactionIteratorOptions keep;
  keep.user_comparator = options_.comparator;
  keep.merge_operator = options_.merge_operator.get();
  keep.snapshots = snapshots_.Sequences();
  keep.key_may_exist_below = [](std::string_view) { return true; };
  const uint64_t start = env_->NowMicros();
  mu_.Unlock();
  absl::Status s = BuildTable(build, iter.get(), std::move(keep), meta);
  iter.reset();
  // Open the new table at once: it proves the table readable before the MANIFEST names
  // it, and its index and filter are wanted by the next read anyway.
  if (s.ok() && meta->data_size > 0) s = table_cache_->Open(*meta);
  mu_.Lock();
  if (!s.ok() || meta->data_size == 0) pending_outputs_.erase(meta->number);
  if (s.ok()) {
    ++stats_.flushes;
    stats_.flush_bytes += meta->total_size();
    compaction_stats_.AddFlush(meta->total_size(), env_->NowMicros() - start);
  }
  return s;
}

absl::Status DBImpl::FlushOldestMemTable() {
  const SealedMemTable oldest = read_state_->imm.back();
  FileMetaData meta;
  meta.number = versions_->NewFileNumber();
  absl::Status s = WriteLevel0Table(*oldest.mem, &meta);
  if (!s.ok()) return Annotate(s, "flush");
  VersionEdit edit;
  if (meta.data_size > 0) edit.AddFile(0, meta);
  edit.log_number = oldest.next_log_number;  // Older WALs hold nothing live now.
  auto next = std::make_shared<ReadState>(*read_state_);
  next->imm.pop_back();
  s = ApplyEdit(&edit, "a flush");
  pending_outputs_.erase(meta.number);
  if (!s.ok()) return s;
  next->version = read_state_->version;
  read_state_ = std::move(next);
  Log(absl::StrFormat("flushed memtable to table %06d: %d entries, %d bytes", meta.number,
                      meta.num_entries, meta.total_size()));
  DeleteObsoleteFiles();
  return absl::OkStatus();
}

void DBImpl::InstallVersion() {
  auto next = std::make_shared<ReadState>(*read_state_);
  next->version = versions_->current();
  read_state_ = std::move(next);
  compaction_may_have_work_ = true;
}

absl::Status DBImpl::ApplyEdit(VersionEdit* edit, std::string_view what) {
  absl::Status s = versions_->LogAndApply(edit, last_sequence_);
  if (!s.ok()) {
    for (const auto& [level, meta] : edit->new_files) unrecorded_tables_.insert(meta.number);
    return Annotate(s, absl::StrFormat("writing the MANIFEST after %s", what));
  }
  unrecorded_tables_.clear();
  InstallVersion();
  return absl::OkStatus();
}

absl::Status DBImpl::Put(const WriteOptions& options, std::string_view key,
                         std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return WriteImpl(options, &batch);
}

absl::Status DBImpl::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return WriteImpl(options, &batch);
}

absl::Status DBImpl::Merge(const WriteOptions& options, std::string_view key,
                           std::string_view operand) {
  if (!options_.merge_operator) {
    return absl::InvalidArgumentError("DB::Merge: Options::merge_operator is not set");
  }
  WriteBatch batch;
  batch.Merge(key, operand);
  return WriteImpl(options, &batch);
}

absl::Status DBImpl::Write(const WriteOptions& options, WriteBatch* batch) {
  if (batch == nullptr) return absl::InvalidArgumentError("DB::Write: batch is null");
  if (!options_.merge_operator && WriteBatchInternal::HasMerge(*batch)) {
    return absl::InvalidArgumentError(
        "DB::Write: the batch holds a Merge but Options::merge_operator is not set");
  }
  return WriteImpl(options, batch);
}

absl::Status DBImpl::WriteImpl(const WriteOptions& options, WriteBatch* batch) {
  Writer w(batch, options.sync, &mu_);
  MutexLock l(&mu_);
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.Wait();
  if (w.done) return w.status;

  // This writer leads a group.
  absl::Status status = background_error_;
  if (status.ok()) {
    status = MakeRoomForWrite(/*force=*/batch == nullptr,
                              batch == nullptr ? 0 : WriteBatchInternal::ByteSize(*batch));
  }
  Writer* last_writer = &w;
  if (status.ok() && batch == nullptr) {
    // Flush: make everything acknowledged so far durable.
    status = log_->Sync();
    if (status.ok()) {
      ++stats_.wal_syncs;
    } else {
      SetBackgroundError(status, "WAL sync");
    }
  } else if (status.ok()) {
    bool sync = false;
    WriteBatch* group = BuildBatchGroup(&last_writer, &sync);
    const SequenceNumber first = last_sequence_ + 1;
    WriteBatchInternal::SetSequence(group, first);
    const uint32_t count = group->Count();
    LogWriter* log = log_.get();
    const std::shared_ptr<MemTable> mem = read_state_->mem;
    {
      // Only the leader touches the WAL and the active memtable, so both are safe to use
      // without mu_; new writers queue up meanwhile.
      mu_.Unlock();
      status = log->AddRecord(WriteBatchInternal::Contents(*group));
      if (status.ok() && sync) status = log->Sync();
      if (status.ok()) status = WriteBatchInternal::InsertInto(*group, mem.get());
      mu_.Lock();
    }
    if (status.ok()) {
      last_sequence_ = first + count - 1;  // Publish: readers may now see the group.
      ++stats_.write_groups;
      stats_.wal_bytes += WriteBatchInternal::ByteSize(*group);
      if (sync) ++stats_.wal_syncs;
    } else {
      SetBackgroundError(status, "WAL write");
    }
    if (group == &group_batch_) group_batch_.Clear();
  }

  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    ++stats_.writes;
    if (ready != &w) {
      ready->status = status;
      ready->done = true;
      ready->cv.Signal();
    }
    if (ready == last_writer) break;
  }
  if (!writers_.empty()) writers_.front()->cv.Signal();
  return status;
}

void DBImpl::SetBackgroundError(const absl::Status& status, std::string_view what) {
  if (!background_error_.ok()) return;
  background_error_ = absl::Status(
      status.code(),
      absl::StrFormat("the DB is read-only after a failed %s: %s", what, status.message()));
  Log(background_error_.ToString());
  bg_cv_.SignalAll();  // Wake writers waiting for a flush that will not come.
}

WriteBatch* DBImpl::BuildBatchGroup(Writer** last_writer, bool* sync) {
  Writer* first = writers_.front();
  WriteBatch* result = first->batch;
  *sync = first->sync;
  // Bound the group so a small write is not held up behind megabytes of others.
  size_t size = WriteBatchInternal::ByteSize(*first->batch);
  const size_t max_size = size <= (128 << 10) ? size + (128 << 10) : (1 << 20);
  *last_writer = first;
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    if (w->batch == nullptr) break;  // A Flush leads its own group.
    size += WriteBatchInternal::ByteSize(*w->batch);
    if (size > max_size) break;
    if (result == first->batch) {
      // Copy into the scratch batch rather than modify the caller's.
      result = &group_batch_;
      result->Clear();
      result->Append(*first->batch);
    }
    result->Append(*w->batch);
    *sync |= w->sync;
    *last_writer = w;
  }
  return result;
}

WritePressure DBImpl::CurrentWritePressure() {
  const bool compaction_can_help =
      compaction_may_have_work_ || picking_ || !running_compactions_.empty();
  return WritePressure::Compute(options_, read_state_->version->NumFiles(0),
                                pending_compaction_bytes_, compaction_can_help);
}

absl::Status DBImpl::MakeRoomForWrite(bool force, uint64_t bytes) {
  const size_t max_sealed = static_cast<size_t>(options_.max_write_buffer_number - 1);
  bool allow_delay = !force;
  bool counted_stop = false;
  while (true) {
    if (!background_error_.ok()) return background_error_;
    if (!force) {
      const WritePressure pressure = CurrentWritePressure();
      if (pressure.stopped) {
        // Compaction is too far behind: wait until it catches up.
        if (!write_stopped_) Log(absl::StrCat("writes stopped: ", pressure.cause));
        write_stopped_ = true;
        if (!counted_stop) ++stats_.stopped_writes;
        counted_stop = true;
        const uint64_t start = env_->NowMicros();
        bg_cv_.Wait();
        stats_.stall_micros += env_->NowMicros() - start;
        write_stopped_ = false;
        continue;
      }
      if (allow_delay && pressure.delayed_rate > 0) {
        const uint64_t delay = pressure.DelayMicros(bytes);
        const uint64_t start = env_->NowMicros();
        mu_.Unlock();
        env_->SleepForMicroseconds(static_cast<int64_t>(delay));
        mu_.Lock();
        allow_delay = false;
        ++stats_.delayed_writes;
        stats_.stall_micros += env_->NowMicros() - start;
        continue;
      }
    }
    const MemTable& mem = *read_state_->mem;
    const size_t used = mem.ApproximateMemoryUsage();
    const bool sealed_full = read_state_->imm.size() >= max_sealed;
    if (allow_delay && sealed_full && used >= options_.write_buffer_size / 4 * 3) {
      // The flush is behind and the active memtable is filling: slow this write group
      // down by 1 ms, once, so that the flush can catch up before writes stop altogether.
      const uint64_t start = env_->NowMicros();
      mu_.Unlock();
      env_->SleepForMicroseconds(1000);
      mu_.Lock();
      allow_delay = false;
      ++stats_.delayed_writes;
      stats_.stall_micros += env_->NowMicros() - start;
      continue;
    }
    if (force ? mem.num_entries() == 0 : used < options_.write_buffer_size) {
      return absl::OkStatus();
    }
    if (sealed_full) {
      // No room for another sealed memtable: wait for the flush.
      write_stopped_ = true;
      const uint64_t start = env_->NowMicros();
      bg_cv_.Wait();
      stats_.stall_micros += env_->NowMicros() - start;
      write_stopped_ = false;
      continue;
    }
    // Seal the memtable with its WAL. The old WAL is synced first: otherwise a synced
    // write in the new WAL could survive a power cut that loses unsynced writes before
    // it.
    absl::Status s = log_->Sync();
    if (s.ok()) s = log_->Close();
    if (s.ok()) s = OpenNewLog(versions_->NewFileNumber());
    if (!s.ok()) {
      SetBackgroundError(s, "WAL switch");
      return background_error_;
    }
    auto next = std::make_shared<ReadState>();
    next->mem = std::make_shared<MemTable>(internal_comparator_);
    next->imm.reserve(read_state_->imm.size() + 1);
    next->imm.push_back(SealedMemTable{read_state_->mem, log_number_});
    next->imm.insert(next->imm.end(), read_state_->imm.begin(), read_state_->imm.end());
    next->version = read_state_->version;
    read_state_ = std::move(next);
    ++stats_.memtable_switches;
    bg_cv_.SignalAll();  // Work for the flush thread.
    return absl::OkStatus();
  }
}

absl::Status DBImpl::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  if (value == nullptr) return absl::InvalidArgumentError("DB::Get: value is null");
  SequenceNumber sequence;
  std::shared_ptr<const ReadState> state;
  {
    MutexLock l(&mu_);
    sequence = options.snapshot != nullptr
                   ? static_cast<const SnapshotImpl*>(options.snapshot)->sequence()
                   : last_sequence_;
    state = read_state_;
  }
  GetContext ctx(options_.merge_operator.get(), key, value);
  if (!state->mem->Get(key, sequence, &ctx)) {
    bool done = false;
    for (const auto& imm : state->imm) {
      if ((done = imm.mem->Get(key, sequence, &ctx))) break;
    }
    if (!done) {
      absl::Status s = state->version->Get(options, key, sequence, &ctx);
      if (!s.ok()) ctx.SetError(s);
    }
  }
  return ctx.Finish();
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  if (options.lower_bound && options.upper_bound &&
      options_.comparator->Compare(*options.lower_bound, *options.upper_bound) > 0) {
    return NewErrorIterator(absl::InvalidArgumentError(
        "DB::NewIterator: ReadOptions::lower_bound is above upper_bound"));
  }
  DBIterOptions iter_options;
  std::shared_ptr<const ReadState> state;
  {
    MutexLock l(&mu_);
    iter_options.sequence = options.snapshot != nullptr
                                ? static_cast<const SnapshotImpl*>(options.snapshot)->sequence()
                                : last_sequence_;
    state = read_state_;
  }
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(state->mem->NewIterator());
  for (const auto& imm : state->imm) children.push_back(imm.mem->NewIterator());
  state->version->AddIterators(options, &children);
  iter_options.user_comparator = options_.comparator;
  iter_options.merge_operator = options_.merge_operator.get();
  iter_options.lower_bound = options.lower_bound;
  iter_options.upper_bound = options.upper_bound;
  // When the iterator lets go of its Version, the tables only it kept alive can go: the
  // background thread sweeps them.
  iter_options.pinned.push_back(
      std::shared_ptr<const void>(state.get(), [this, state](const void*) mutable {
        MutexLock l(&mu_);
        if (state->version != read_state_->version) {
          obsolete_files_pending_ = true;
          bg_cv_.SignalAll();
        }
        state.reset();  // Under mu_: the sweep must not find it alive.
      }));
  return NewDBIterator(std::move(iter_options),
                       NewMergingIterator(&internal_comparator_, std::move(children)));
}

const Snapshot* DBImpl::GetSnapshot() {
  MutexLock l(&mu_);
  return snapshots_.New(last_sequence_);
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  MutexLock l(&mu_);
  snapshots_.Delete(static_cast<const SnapshotImpl*>(snapshot));
}

absl::Status DBImpl::Flush() {
  absl::Status s = WriteImpl(WriteOptions{.sync = true}, nullptr);
  if (!s.ok()) return s;
  // Wait until every memtable sealed so far is a table.
  MutexLock l(&mu_);
  while (!read_state_->imm.empty() && background_error_.ok()) bg_cv_.Wait();
  return background_error_;
}

absl::Status DBImpl::CompactRange(std::optional<std::string_view> begin,
                                  std::optional<std::string_view> end) {
  if (begin && end && options_.comparator->Compare(*begin, *end) > 0) {
    return absl::InvalidArgumentError("DB::CompactRange: begin is above end");
  }
  absl::Status s = Flush();
  if (!s.ok()) return s;
  const std::optional<uint64_t> file_size = options_.compaction_policy->ManualCompactionFileSize();
  if (!file_size) return absl::OkStatus();  // The policy never rewrites tables.

  const ManualCompactionRange range{begin, end};
  MutexLock l(&mu_);
  bool bottom_rewritten = false;
  for (int level = 0; level < kNumLevels;) {
    if (!background_error_.ok()) return background_error_;
    std::shared_ptr<const Version> version = versions_->current();
    const CompactionPicture picture = MakePicture(*version);
    const std::optional<CompactionPick> pick =
        PickManualCompactionStep(picture, range, level, bottom_rewritten, *file_size);
    if (!pick) {
      ++level;
      bottom_rewritten = false;
      continue;
    }
    if (!CheckCompactionPick(picture, *pick).ok()) {
      // Only tables busy in a background compaction can stand in the way (the step is
      // built by the rules): wait for it, without holding on to tables it may retire.
      version.reset();
      bg_cv_.Wait();
      continue;
    }
    s = RunCompaction(version, *pick);
    version.reset();  // Else its tables count as live.
    DeleteObsoleteFiles();
    if (!s.ok()) {
      compaction_stats_.AddFailure();
      SetBackgroundError(s, "compaction");
      return background_error_;
    }
    bg_cv_.SignalAll();
    if (pick->output_level == level) break;  // The deepest level, rewritten in place.
    level = pick->output_level;
    bottom_rewritten = true;
  }
  return absl::OkStatus();
}

absl::Status DBImpl::TEST_WaitForBackgroundWork() {
  MutexLock l(&mu_);
  while (background_error_.ok() &&
         (!read_state_->imm.empty() || flush_running_ || picking_ ||
          !running_compactions_.empty() || compaction_may_have_work_ || obsolete_files_pending_)) {
    bg_cv_.Wait();
  }
  return background_error_;
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
