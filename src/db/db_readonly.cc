#include "db/db_readonly.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "db/db_iter.h"
#include "db/db_setup.h"
#include "base/filename.h"
#include "base/get_context.h"
#include "kvlsm/comparator.h"
#include "kvlsm/merge_operator.h"
#include "memtable/memtable.h"
#include "table/merging_iterator.h"

namespace kvlsm {
namespace {

// How often Load reads the DB again when a writer changed it meanwhile.
constexpr int kLoadAttempts = 8;
}  // namespace

absl::StatusOr<std::unique_ptr<DB>> DB::OpenReadOnly(const Options& options,
                                                     const std::string& path) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (path.empty()) return absl::InvalidArgumentError("DB::OpenReadOnly: empty path");
  auto db = std::make_unique<DBReadOnly>(options, path);
  if (absl::Status s = db->Load(); !s.ok()) return s;
  return std::unique_ptr<DB>(std::move(db));
}

DBReadOnly::DBReadOnly(const Options& options, const std::string& dbname)
    : options_(SanitizeOptions(options)),
      dbname_(dbname),
      index_dir_(options_.index_path.empty() ? dbname : options_.index_path),
      internal_comparator_(options_.comparator),
      table_cache_(std::make_unique<TableCache>(
          MakeTableCacheOptions(options_, dbname_, index_dir_, &internal_comparator_))) {}

DBReadOnly::~DBReadOnly() = default;

absl::StatusOr<std::string> DBReadOnly::ManifestMark() const {
  Env* env = options_.env;
  std::string current;
  absl::Status s = ReadFileToString(env, CurrentFileName(dbname_), &current);
  if (absl::IsNotFound(s)) {
    return absl::NotFoundError(absl::StrCat(dbname_, ": no kvlsm DB here (",
                                            CurrentFileName(dbname_), " does not exist)"));
  }
  if (!s.ok()) return s;
  std::string mark = current;
  if (!current.empty() && current.back() == '\n') {
    // A malformed CURRENT is reported by VersionSet::Recover; here it is just compared.
    auto size = env->GetFileSize(absl::StrCat(dbname_, "/", current.substr(0, current.size() - 1)));
    if (size.ok()) absl::StrAppend(&mark, *size);
  }
  return mark;
}

absl::Status DBReadOnly::Load() {
  absl::Status s;
  for (int attempt = 0; attempt < kLoadAttempts; ++attempt) {
    auto before = ManifestMark();
    if (!before.ok()) return before.status();
    s = LoadOnce();
    auto after = ManifestMark();
    if (!after.ok()) return after.status();
    // Unchanged: the MANIFEST read and the WALs replayed belong to one state of the DB.
    if (*after == *before) return s;
    if (options_.info_log != nullptr) {
      options_.info_log->Log(absl::StrCat("DB::OpenReadOnly(", dbname_,
                                          "): the DB changed while it was read; reading again"));
    }
  }
  return absl::UnavailableError(
      absl::StrFormat("DB::OpenReadOnly(%s): the DB changed %d times while it was read (a "
                      "busy writer); last attempt: %s",
                      dbname_, kLoadAttempts, s.ToString()));
}

absl::Status DBReadOnly::LoadOnce() {
  // A fresh VersionSet each time: Recover builds on the state it starts from.
  versions_ =
      std::make_unique<VersionSet>(dbname_, &options_, table_cache_.get(), &internal_comparator_);
  SequenceNumber last_sequence = 0;
  absl::Status s = versions_->Recover(&last_sequence);
  if (!s.ok()) return s;

  auto logs = LiveWalNumbers(options_.env, dbname_, versions_->log_number());
  if (!logs.ok()) return logs.status();
  const WalReplayOptions replay_options =
      MakeWalReplayOptions(options_, dbname_, &internal_comparator_, options_.info_log.get());
  auto replay = ReplayWals(replay_options, *logs);
  if (!replay.ok()) return replay.status();

  memtables_.assign(replay->memtables.rbegin(), replay->memtables.rend());
  replay->memtables.clear();
  replay_ = *std::move(replay);
  version_ = versions_->current();
  last_sequence_ = std::max(last_sequence, replay_.max_sequence);
  num_logs_ = logs->size();
  return absl::OkStatus();
}

absl::Status DBReadOnly::RefuseWrite(std::string_view operation) const {
  return absl::FailedPreconditionError(
      absl::StrFormat("DB::%s: %s was opened read-only (DB::OpenReadOnly); open it with "
                      "DB::Open to change it",
                      operation, dbname_));
}

absl::Status DBReadOnly::Put(const WriteOptions&, std::string_view, std::string_view) {
  return RefuseWrite("Put");
}
absl::Status DBReadOnly::Delete(const WriteOptions&, std::string_view) {
  return RefuseWrite("Delete");
}
absl::Status DBReadOnly::Merge(const WriteOptions&, std::string_view, std::string_view) {
  return RefuseWrite("Merge");
}
absl::Status DBReadOnly::Write(const WriteOptions&, WriteBatch*) { return RefuseWrite("Write"); }
absl::Status DBReadOnly::Flush() { return RefuseWrite("Flush"); }
absl::Status DBReadOnly::Resume() { return RefuseWrite("Resume"); }
absl::Status DBReadOnly::CompactRange(std::optional<std::string_view>,
                                      std::optional<std::string_view>) {
  return RefuseWrite("CompactRange");
}

SequenceNumber DBReadOnly::ReadSequence(const ReadOptions& options) const {
  return options.snapshot != nullptr
             ? static_cast<const SnapshotImpl*>(options.snapshot)->sequence()
             : last_sequence_;
}

absl::Status DBReadOnly::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  if (value == nullptr) return absl::InvalidArgumentError("DB::Get: value is null");
  const SequenceNumber sequence = ReadSequence(options);
  GetContext ctx(options_.merge_operator.get(), key, value);
  const bool in_memory = std::any_of(memtables_.begin(), memtables_.end(), [&](const auto& mem) {
    return mem->Get(key, sequence, &ctx);
  });
  if (!in_memory) {
    absl::Status s = version_->Get(options, key, sequence, &ctx);
    if (!s.ok()) ctx.SetError(s);
  }
  return ctx.Finish();
}

std::unique_ptr<Iterator> DBReadOnly::NewIterator(const ReadOptions& options) {
  if (options.lower_bound && options.upper_bound &&
      options_.comparator->Compare(*options.lower_bound, *options.upper_bound) > 0) {
    return NewErrorIterator(absl::InvalidArgumentError(
        "DB::NewIterator: ReadOptions::lower_bound is above upper_bound"));
  }
  std::vector<std::unique_ptr<Iterator>> children;
  for (const auto& mem : memtables_) children.push_back(mem->NewIterator());
  version_->AddIterators(options, &children);
  DBIterOptions iter_options;
  iter_options.user_comparator = options_.comparator;
  iter_options.merge_operator = options_.merge_operator.get();
  iter_options.sequence = ReadSequence(options);
  iter_options.lower_bound = options.lower_bound;
  iter_options.upper_bound = options.upper_bound;
  iter_options.pinned.push_back(version_);
  return NewDBIterator(std::move(iter_options),
                       NewMergingIterator(&internal_comparator_, std::move(children)));
}

const Snapshot* DBReadOnly::GetSnapshot() {
  MutexLock l(&mu_);
  return snapshots_.New(last_sequence_);
}

void DBReadOnly::ReleaseSnapshot(const Snapshot* snapshot) {
  MutexLock l(&mu_);
  snapshots_.Delete(static_cast<const SnapshotImpl*>(snapshot));
}

std::optional<std::string> DBReadOnly::GetProperty(std::string_view name) {
  // The newest replayed memtable stands for the active one; the others for sealed ones.
  size_t mem_bytes = 0;
  for (const auto& mem : memtables_) mem_bytes += mem->ApproximateMemoryUsage();
  uint64_t table_bytes = 0;
  for (int level = 0; level < kNumLevels; ++level) table_bytes += version_->LevelBytes(level);
  const Cache& cache = *options_.block_cache;
  if (name == "kvlsm.stats") return StatsString();
  if (name == "kvlsm.cur-size-all-mem-tables") return absl::StrCat(mem_bytes);
  if (name == "kvlsm.num-immutable-mem-table") {
    return absl::StrCat(memtables_.empty() ? 0 : memtables_.size() - 1);
  }
  if (name == "kvlsm.num-entries-active-mem-table") {
    return absl::StrCat(memtables_.empty() ? 0 : memtables_.front()->num_entries());
  }
  if (name == "kvlsm.num-snapshots") {
    MutexLock l(&mu_);
    return absl::StrCat(snapshots_.size());
  }
  if (name == "kvlsm.last-sequence") return absl::StrCat(last_sequence_);
  if (name == "kvlsm.background-error") return absl::OkStatus().ToString();
  if (name == "kvlsm.index-and-filter-memory") {
    return absl::StrCat(table_cache_->IndexAndFilterMemory());
  }
  if (name == "kvlsm.block-cache-capacity") return absl::StrCat(cache.GetCapacity());
  if (name == "kvlsm.block-cache-usage") return absl::StrCat(cache.GetUsage());
  if (name == "kvlsm.block-cache-hits") return absl::StrCat(cache.GetStats().hits);
  if (name == "kvlsm.block-cache-misses") return absl::StrCat(cache.GetStats().misses);
  // Nothing writes, so nothing stalls.
  if (name == "kvlsm.is-write-stopped") return "0";
  if (name == "kvlsm.num-delayed-writes" || name == "kvlsm.stall-micros") return "0";
  if (name == "kvlsm.total-table-bytes") return absl::StrCat(table_bytes);
  constexpr std::string_view kFilesAtLevel = "kvlsm.num-files-at-level";
  if (name.starts_with(kFilesAtLevel)) {
    const std::string_view digits = name.substr(kFilesAtLevel.size());
    if (digits.size() == 1 && digits[0] >= '0' && digits[0] < '0' + kNumLevels) {
      return absl::StrCat(version_->NumFiles(digits[0] - '0'));
    }
  }
  return std::nullopt;
}

std::string DBReadOnly::StatsString() const {
  size_t mem_bytes = 0;
  uint64_t entries = 0;
  uint64_t deletes = 0;
  for (const auto& mem : memtables_) {
    mem_bytes += mem->ApproximateMemoryUsage();
    entries += mem->num_entries();
    deletes += mem->num_deletes();
  }
  std::string out;
  absl::StrAppendFormat(&out, "** kvlsm stats for %s (read-only) **\n", dbname_);
  absl::StrAppendFormat(&out,
                        "WAL replay: %d WAL files, %d records into %d memtables (%d bytes, %d "
                        "entries, %d deletes), %d bytes dropped, %d WAL files skipped\n",
                        num_logs_, replay_.records, memtables_.size(), mem_bytes, entries, deletes,
                        replay_.dropped_bytes, replay_.skipped_logs);
  absl::StrAppendFormat(&out, "level  files       bytes\n");
  for (int level = 0; level < kNumLevels; ++level) {
    if (version_->NumFiles(level) == 0) continue;
    absl::StrAppendFormat(&out, "  L%d  %5d  %10d\n", level, version_->NumFiles(level),
                          version_->LevelBytes(level));
  }
  const Cache& cache = *options_.block_cache;
  absl::StrAppendFormat(&out,
                        "index+filter pinned: %d bytes; block cache: %d of %d bytes, %d hits, "
                        "%d misses\n",
                        table_cache_->IndexAndFilterMemory(), cache.GetUsage(), cache.GetCapacity(),
                        cache.GetStats().hits, cache.GetStats().misses);
  absl::StrAppendFormat(&out, "sequence: last %d; WALs from %06d\n", last_sequence_,
                        versions_->log_number());
  return out;
}

}  // namespace kvlsm
