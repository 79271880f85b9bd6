#include "db/db_impl.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "db/db_iter.h"
#include "db/filename.h"
#include "db/get_context.h"
#include "db/version_edit.h"
#include "db/wal_replay.h"
#include "db/write_batch_internal.h"
#include "kvlsm/comparator.h"
#include "kvlsm/merge_operator.h"
#include "memtable/memtable.h"
#include "table/merging_iterator.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace kvlsm {
namespace {

// Above this many WAL files at Open, their contents are rewritten into one.
constexpr size_t kMaxLogsBeforeRelog = 8;

Options SanitizeOptions(Options options) {
  if (options.env == nullptr) options.env = Env::Default();
  if (options.comparator == nullptr) options.comparator = BytewiseComparator();
  return options;
}

// Prefixes a status's message with context, keeping its code.
absl::Status Annotate(const absl::Status& s, std::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrFormat("%s: %s", context, s.message()));
}

// Collects what a MANIFEST reader drops: a torn tail is an edit that was never
// acknowledged (every edit is synced before it takes effect); anything else is damage.
class ManifestDropCollector final : public LogReader::Reporter {
 public:
  void Corruption(size_t bytes, const absl::Status& reason, uint64_t offset,
                  LogReader::DropKind kind) override {
    if (kind == LogReader::DropKind::kDamage && damage.ok()) damage = reason;
  }
  absl::Status damage;
};

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
      env_(options_.env),
      internal_comparator_(options_.comparator) {}

DBImpl::~DBImpl() {
  MutexLock l(&mu_);
  if (log_ != nullptr) {
    absl::Status s = log_->Close();
    if (!s.ok()) Log(absl::StrCat("closing the WAL failed: ", s.ToString()));
    log_.reset();
  }
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
  return Recover();
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
  // CURRENT names the MANIFEST.
  std::string current;
  absl::Status s = ReadFileToString(env_, CurrentFileName(dbname_), &current);
  if (!s.ok()) return s;
  uint64_t manifest_number;
  FileType type;
  if (current.empty() || current.back() != '\n' ||
      !ParseFileName(std::string_view(current).substr(0, current.size() - 1), &manifest_number,
                     &type) ||
      type != FileType::kManifest) {
    return absl::DataLossError(absl::StrCat(
        CurrentFileName(dbname_), ": does not name a MANIFEST (", current.size(), " bytes)"));
  }

  // Fold the MANIFEST's edits into one state.
  const std::string manifest = ManifestFileName(dbname_, manifest_number);
  auto manifest_file = env_->NewSequentialFile(manifest);
  if (!manifest_file.ok()) {
    return absl::DataLossError(absl::StrCat(
        "CURRENT names ", manifest, ", which cannot be read: ", manifest_file.status().message()));
  }
  ManifestDropCollector drops;
  LogReader reader(*std::move(manifest_file), &drops, manifest_number);
  VersionEdit state;
  std::string scratch;
  std::string_view record;
  while (reader.ReadRecord(&record, &scratch)) {
    VersionEdit edit;
    s = edit.DecodeFrom(record);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat(manifest, ": record at byte ",
                                                 reader.LastRecordOffset(), ": ", s.message()));
    }
    state.Apply(edit);
  }
  if (!reader.status().ok()) return reader.status();
  if (!drops.damage.ok()) return drops.damage;
  if (!state.comparator || !state.next_file_number || !state.log_number || !state.last_sequence) {
    return absl::DataLossError(
        absl::StrCat(manifest,
                     ": incomplete (no comparator, file number, log number or "
                     "sequence recorded)"));
  }
  if (*state.comparator != options_.comparator->Name()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dbname_, ": the DB was created with comparator '", *state.comparator,
                     "' but Options::comparator is '", options_.comparator->Name(), "'"));
  }
  if (state.merge_operator && options_.merge_operator &&
      *state.merge_operator != options_.merge_operator->Name()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dbname_, ": the DB was written with merge operator '", *state.merge_operator,
                     "' but Options::merge_operator is '", options_.merge_operator->Name(), "'"));
  }
  manifest_number_ = manifest_number;
  next_file_number_ = std::max(*state.next_file_number, manifest_number + 1);
  last_sequence_ = *state.last_sequence;

  // Every WAL at or above the recorded log number holds live data.
  auto children = env_->GetChildren(dbname_);
  if (!children.ok()) return children.status();
  std::vector<uint64_t> logs;
  for (const std::string& name : *children) {
    uint64_t number;
    if (!ParseFileName(name, &number, &type)) continue;
    next_file_number_ = std::max(next_file_number_, number + 1);
    if (type == FileType::kLog && number >= *state.log_number) logs.push_back(number);
  }
  std::sort(logs.begin(), logs.end());

  WalReplayOptions replay_options;
  replay_options.env = env_;
  replay_options.dbname = dbname_;
  replay_options.comparator = &internal_comparator_;
  replay_options.mode = options_.wal_recovery_mode;
  replay_options.write_buffer_size = options_.write_buffer_size;
  replay_options.info_log = info_log_.get();
  auto replay = ReplayWals(replay_options, logs);
  if (!replay.ok()) return replay.status();
  stats_.recovered_records = replay->records;
  stats_.recovery_dropped_bytes = replay->dropped_bytes;
  last_sequence_ = std::max(last_sequence_, replay->max_sequence);

  auto state_view = std::make_shared<ReadState>();
  if (replay->memtables.empty()) {
    state_view->mem = std::make_shared<MemTable>(internal_comparator_);
  } else {
    state_view->mem = replay->memtables.back();
    state_view->imm.assign(replay->memtables.rbegin() + 1, replay->memtables.rend());
  }
  read_state_ = std::move(state_view);

  s = OpenNewLog(next_file_number_++);
  if (!s.ok()) return s;
  min_log_number_ = logs.empty() ? log_number_ : logs.front();
  if (replay->lost_records || logs.size() > kMaxLogsBeforeRelog) {
    s = RelogMemtables();
    if (!s.ok()) return s;
    min_log_number_ = log_number_;
  }
  s = WriteManifestSnapshot();
  if (!s.ok()) return s;
  DeleteObsoleteFiles();
  Log(absl::StrFormat(
      "opened %s: %d WAL files, %d records replayed, %d bytes dropped, "
      "last sequence %d",
      dbname_, logs.size(), replay->records, replay->dropped_bytes, last_sequence_));
  return absl::OkStatus();
}

absl::Status DBImpl::RelogMemtables() {
  // Replay fills memtables in log order and seals each when full, and reads must find a
  // key's newer versions in newer memtables. So the log must list entries in sequence
  // order, not key order: gather every entry, sort by sequence, and write runs of
  // consecutive sequence numbers as batches.
  struct Entry {
    SequenceNumber sequence;
    ValueType type;
    std::string_view user_key;
    std::string_view value;
  };
  std::vector<Entry> entries;
  std::vector<std::unique_ptr<Iterator>> iterators;  // Keep the views valid.
  std::vector<const MemTable*> tables = {read_state_->mem.get()};
  for (const auto& imm : read_state_->imm) tables.push_back(imm.get());
  for (const MemTable* table : tables) {
    iterators.push_back(table->NewIterator());
    Iterator* it = iterators.back().get();
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ParsedInternalKey ikey;
      if (!ParseInternalKey(it->key(), &ikey)) {
        return absl::InternalError("memtable holds a malformed internal key");
      }
      entries.push_back(Entry{ikey.sequence, ikey.type, ikey.user_key, it->value()});
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.sequence < b.sequence; });

  WriteBatch batch;
  auto write_batch = [&]() -> absl::Status {
    if (batch.Count() == 0) return absl::OkStatus();
    absl::Status s = log_->AddRecord(WriteBatchInternal::Contents(batch));
    batch.Clear();
    return s;
  };
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (batch.Count() > 0 && (e.sequence != entries[i - 1].sequence + 1 ||
                              batch.ApproximateSize() >= (size_t{1} << 20))) {
      if (absl::Status s = write_batch(); !s.ok()) return s;
    }
    if (batch.Count() == 0) WriteBatchInternal::SetSequence(&batch, e.sequence);
    switch (e.type) {
      case ValueType::kPut:
        batch.Put(e.user_key, e.value);
        break;
      case ValueType::kDelete:
        batch.Delete(e.user_key);
        break;
      case ValueType::kMerge:
        batch.Merge(e.user_key, e.value);
        break;
    }
  }
  absl::Status s = write_batch();
  if (s.ok()) s = log_->Sync();
  if (s.ok()) {
    Log(absl::StrCat("rewrote ", entries.size(), " recovered entries into WAL ", log_number_));
  }
  return s;
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

absl::Status DBImpl::WriteManifestSnapshot() {
  const uint64_t number = next_file_number_++;
  VersionEdit edit;
  edit.format_version = kManifestFormatVersion;
  edit.comparator = options_.comparator->Name();
  if (options_.merge_operator) edit.merge_operator = options_.merge_operator->Name();
  edit.log_number = min_log_number_;
  edit.next_file_number = next_file_number_;
  edit.last_sequence = last_sequence_;
  std::string record;
  edit.EncodeTo(&record);

  const std::string fname = ManifestFileName(dbname_, number);
  auto file = env_->NewWritableFile(fname);
  if (!file.ok()) return file.status();
  LogWriter writer(*std::move(file), number);
  absl::Status s = writer.AddRecord(record);
  if (s.ok()) s = writer.Sync();
  if (s.ok()) s = writer.Close();
  if (s.ok()) s = SetCurrentFile(env_, dbname_, number);
  if (!s.ok()) {
    env_->RemoveFile(fname).IgnoreError();
    return Annotate(s, absl::StrCat("writing ", fname));
  }
  manifest_number_ = number;
  return absl::OkStatus();
}

void DBImpl::DeleteObsoleteFiles() {
  auto children = env_->GetChildren(dbname_);
  if (!children.ok()) return;  // Obsolete files only waste space; try again next time.
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    const bool obsolete = (type == FileType::kLog && number < min_log_number_) ||
                          (type == FileType::kManifest && number != manifest_number_) ||
                          type == FileType::kTemp;
    if (!obsolete) continue;
    absl::Status s = env_->RemoveFile(absl::StrCat(dbname_, "/", name));
    Log(absl::StrCat("delete obsolete ", name, ": ", s.ToString()));
  }
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
  if (status.ok()) status = MakeRoomForWrite(/*force=*/batch == nullptr);
  Writer* last_writer = &w;
  if (status.ok() && batch == nullptr) {
    // Flush: make everything acknowledged so far durable.
    status = log_->Sync();
    if (status.ok()) {
      ++stats_.wal_syncs;
    } else {
      SetBackgroundError(status);
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
      SetBackgroundError(status);
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

void DBImpl::SetBackgroundError(const absl::Status& status) {
  if (!background_error_.ok()) return;
  background_error_ = absl::Status(
      status.code(),
      absl::StrCat("the DB is read-only after a failed WAL write: ", status.message()));
  Log(background_error_.ToString());
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

absl::Status DBImpl::MakeRoomForWrite(bool force) {
  const MemTable& mem = *read_state_->mem;
  if (force ? mem.num_entries() == 0 : mem.ApproximateMemoryUsage() < options_.write_buffer_size) {
    return absl::OkStatus();
  }
  // Seal the memtable with its WAL. The old WAL is synced first: otherwise a synced write
  // in the new WAL could survive a power cut that loses unsynced writes before it.
  absl::Status s = log_->Sync();
  if (s.ok()) s = log_->Close();
  if (s.ok()) s = OpenNewLog(next_file_number_++);
  if (!s.ok()) {
    SetBackgroundError(s);
    return background_error_;
  }
  auto next = std::make_shared<ReadState>();
  next->mem = std::make_shared<MemTable>(internal_comparator_);
  next->imm.reserve(read_state_->imm.size() + 1);
  next->imm.push_back(read_state_->mem);
  next->imm.insert(next->imm.end(), read_state_->imm.begin(), read_state_->imm.end());
  read_state_ = std::move(next);
  ++stats_.memtable_switches;
  return absl::OkStatus();
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
    for (const auto& imm : state->imm) {
      if (imm->Get(key, sequence, &ctx)) break;
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
  for (const auto& imm : state->imm) children.push_back(imm->NewIterator());
  iter_options.user_comparator = options_.comparator;
  iter_options.merge_operator = options_.merge_operator.get();
  iter_options.lower_bound = options.lower_bound;
  iter_options.upper_bound = options.upper_bound;
  iter_options.pinned.push_back(std::move(state));
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

absl::Status DBImpl::Flush() { return WriteImpl(WriteOptions{.sync = true}, nullptr); }

absl::Status DBImpl::CompactRange(std::optional<std::string_view> begin,
                                  std::optional<std::string_view> end) {
  if (begin && end && options_.comparator->Compare(*begin, *end) > 0) {
    return absl::InvalidArgumentError("DB::CompactRange: begin is above end");
  }
  // Every entry still lives in memtables, which hold each key's versions sorted already:
  // there are no tables to merge.
  return absl::OkStatus();
}

std::optional<std::string> DBImpl::GetProperty(std::string_view name) {
  MutexLock l(&mu_);
  const ReadState& state = *read_state_;
  if (name == "kvlsm.stats") return StatsString();
  if (name == "kvlsm.cur-size-all-mem-tables") {
    size_t total = state.mem->ApproximateMemoryUsage();
    for (const auto& imm : state.imm) total += imm->ApproximateMemoryUsage();
    return absl::StrCat(total);
  }
  if (name == "kvlsm.num-immutable-mem-table") return absl::StrCat(state.imm.size());
  if (name == "kvlsm.num-entries-active-mem-table") {
    return absl::StrCat(state.mem->num_entries());
  }
  if (name == "kvlsm.num-snapshots") return absl::StrCat(snapshots_.size());
  if (name == "kvlsm.last-sequence") return absl::StrCat(last_sequence_);
  if (name == "kvlsm.background-error") return background_error_.ToString();
  return std::nullopt;
}

std::string DBImpl::StatsString() {
  const ReadState& state = *read_state_;
  size_t mem_bytes = state.mem->ApproximateMemoryUsage();
  uint64_t entries = state.mem->num_entries();
  uint64_t deletes = state.mem->num_deletes();
  for (const auto& imm : state.imm) {
    mem_bytes += imm->ApproximateMemoryUsage();
    entries += imm->num_entries();
    deletes += imm->num_deletes();
  }
  std::string out;
  absl::StrAppendFormat(&out, "** kvlsm stats for %s **\n", dbname_);
  absl::StrAppendFormat(&out,
                        "memtables: 1 active + %d sealed, %d bytes, %d entries "
                        "(%d deletes)\n",
                        state.imm.size(), mem_bytes, entries, deletes);
  absl::StrAppendFormat(&out, "sequence: last %d, live snapshots %d\n", last_sequence_,
                        snapshots_.size());
  const double per_group =
      stats_.write_groups == 0 ? 0.0 : static_cast<double>(stats_.writes) / stats_.write_groups;
  absl::StrAppendFormat(&out,
                        "writes: %d in %d WAL records (%.2f writes/group), %d WAL "
                        "bytes, %d syncs\n",
                        stats_.writes, stats_.write_groups, per_group, stats_.wal_bytes,
                        stats_.wal_syncs);
  absl::StrAppendFormat(&out, "WAL: active %06d, oldest live %06d, memtable switches %d\n",
                        log_number_, min_log_number_, stats_.memtable_switches);
  absl::StrAppendFormat(&out, "recovery: %d records replayed, %d bytes dropped\n",
                        stats_.recovered_records, stats_.recovery_dropped_bytes);
  absl::StrAppendFormat(&out, "background error: %s\n", background_error_.ToString());
  return out;
}

absl::Status DestroyDB(const std::string& path, const Options& options) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  auto children = env->GetChildren(path);
  if (!children.ok()) {
    // Nothing there is nothing to destroy.
    return absl::IsNotFound(children.status()) ? absl::OkStatus() : children.status();
  }
  const std::string lock_name = LockFileName(path);
  auto lock = env->LockFile(lock_name);
  if (!lock.ok()) {
    return Annotate(lock.status(), absl::StrCat("DestroyDB(", path, "): the DB is open"));
  }
  absl::Status result;
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type) || type == FileType::kLock) continue;
    absl::Status s = env->RemoveFile(absl::StrCat(path, "/", name));
    if (result.ok() && !s.ok()) result = s;
  }
  env->UnlockFile(*std::move(lock)).IgnoreError();
  env->RemoveFile(lock_name).IgnoreError();
  env->RemoveDir(path).IgnoreError();  // Fails when the user kept files of their own there.
  return result;
}

}  // namespace kvlsm
