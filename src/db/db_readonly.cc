#include "db/db_readonly.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/current_file.h"
#include "base/filename.h"
#include "db/db_setup.h"
#include "memtable/memtable.h"

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
          MakeTableCacheOptions(options_, dbname_, index_dir_, &internal_comparator_))),
      read_context_{&options_, &internal_comparator_, table_cache_.get()} {}

DBReadOnly::~DBReadOnly() = default;

absl::StatusOr<std::string> DBReadOnly::ManifestMark() const {
  auto manifest = ReadCurrentFile(options_.env, dbname_);
  if (!manifest.ok()) return manifest.status();
  std::string mark = *manifest;
  auto size = options_.env->GetFileSize(absl::StrCat(dbname_, "/", *manifest));
  if (size.ok()) absl::StrAppend(&mark, "/", *size);
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

  auto state = std::make_shared<ReadState>();
  // ReplayWals returns the memtables oldest first.
  for (auto it = replay->memtables.rbegin(); it != replay->memtables.rend(); ++it) {
    if (state->mem == nullptr) {
      state->mem = *it;
    } else {
      state->imm.push_back(SealedMemTable{*it, 0});
    }
  }
  state->version = versions_->current();
  state_ = std::move(state);
  replay->memtables.clear();
  replay_ = *std::move(replay);
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

absl::Status DBReadOnly::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  return View().Get(options, key, value);
}

std::unique_ptr<Iterator> DBReadOnly::NewIterator(const ReadOptions& options) {
  return View().NewIterator(options);
}

const Snapshot* DBReadOnly::GetSnapshot() {
  num_snapshots_.fetch_add(1, std::memory_order_relaxed);
  return new SnapshotImpl(last_sequence_);
}

void DBReadOnly::ReleaseSnapshot(const Snapshot* snapshot) {
  delete static_cast<const SnapshotImpl*>(snapshot);
  num_snapshots_.fetch_sub(1, std::memory_order_relaxed);
}

std::optional<std::string> DBReadOnly::GetProperty(std::string_view name) {
  if (std::optional<std::string> value = View().GetProperty(name)) return value;
  if (name == "kvlsm.stats") return StatsString();
  if (name == "kvlsm.num-snapshots") {
    return absl::StrCat(num_snapshots_.load(std::memory_order_relaxed));
  }
  if (name == "kvlsm.background-error") return absl::OkStatus().ToString();
  // Nothing writes, so nothing stalls.
  if (name == "kvlsm.is-write-stopped") return "0";
  if (name == "kvlsm.num-delayed-writes" || name == "kvlsm.stall-micros") return "0";
  return std::nullopt;
}

std::string DBReadOnly::StatsString() const {
  const MemTableTotals mem = View().MemTables();
  const Version& version = *state_->version;
  std::string out;
  absl::StrAppendFormat(&out, "** kvlsm stats for %s (read-only) **\n", dbname_);
  absl::StrAppendFormat(&out,
                        "WAL replay: %d WAL files, %d records into %d memtables (%d bytes, %d "
                        "entries, %d deletes), %d bytes dropped, %d WAL files skipped\n",
                        num_logs_, replay_.records, mem.count, mem.bytes, mem.entries, mem.deletes,
                        replay_.dropped_bytes, replay_.skipped_logs);
  absl::StrAppendFormat(&out, "level  files       bytes\n");
  for (int level = 0; level < kNumLevels; ++level) {
    if (version.NumFiles(level) == 0) continue;
    absl::StrAppendFormat(&out, "  L%d  %5d  %10d\n", level, version.NumFiles(level),
                          version.LevelBytes(level));
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
