// DBImpl's read path: Get, NewIterator and snapshots, served through a ReadView
// (db/read_view.h) of the memtables and Version, and GetProperty with the kvlsm.stats text
// (the properties are listed in include/kvlsm/db.h).
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "db/db_impl.h"
#include "memtable/memtable.h"

namespace kvlsm {

absl::Status DBImpl::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  if (value == nullptr) return absl::InvalidArgumentError("DB::Get: value is null");
  const ReadView view = [this] {
    MutexLock l(&mu_);
    return View();
  }();
  return view.Get(options, key, value);
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  std::optional<ReadView> view;
  std::shared_ptr<const ReadState> state;
  {
    MutexLock l(&mu_);
    view.emplace(View());
    state = read_state_;
  }
  // When the iterator lets go of its Version, the tables only it kept alive can go: the
  // background thread sweeps them.
  std::shared_ptr<const void> pin(state.get(), [this, state](const void*) mutable {
    MutexLock l(&mu_);
    if (state->version != read_state_->version) {
      obsolete_files_pending_ = true;
      bg_cv_.SignalAll();
    }
    state.reset();  // Under mu_: the sweep must not find it alive.
  });
  state.reset();
  return view->NewIterator(options, std::move(pin));
}

const Snapshot* DBImpl::GetSnapshot() {
  MutexLock l(&mu_);
  return snapshots_.New(last_sequence_);
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  MutexLock l(&mu_);
  snapshots_.Delete(static_cast<const SnapshotImpl*>(snapshot));
}

std::optional<std::string> DBImpl::GetProperty(std::string_view name) {
  if (name == "kvlsm.stats" || name == "kvlsm.estimate-pending-compaction-bytes") {
    // The policy is asked without mu_ (kvlsm/compaction_policy.h).
    CompactionPicture picture;
    {
      MutexLock l(&mu_);
      picture = MakePicture(*read_state_->version);
    }
    const CompactionPolicy& policy = *options_.compaction_policy;
    const uint64_t pending = policy.EstimatePendingBytes(picture);
    if (name != "kvlsm.stats") return absl::StrCat(pending);
    const std::vector<double> scores = policy.LevelScores(picture);
    MutexLock l(&mu_);
    return StatsString(pending, scores);
  }
  MutexLock l(&mu_);
  const ReadView view = View();
  if (std::optional<std::string> value = view.GetProperty(name)) return value;
  if (name == "kvlsm.num-snapshots") return absl::StrCat(snapshots_.size());
  if (name == "kvlsm.background-error") return background_error_.ToString();
  if (name == "kvlsm.is-write-stopped") return write_stopped_ ? "1" : "0";
  if (name == "kvlsm.num-running-compactions") return absl::StrCat(running_compactions_.size());
  if (name == "kvlsm.num-compactions") return absl::StrCat(compaction_stats_.compactions());
  if (name == "kvlsm.estimate-num-keys") {
    const MemTableTotals mem = view.MemTables();
    uint64_t entries = mem.entries;
    uint64_t deletes = mem.deletes;
    for (int level = 0; level < kNumLevels; ++level) {
      for (const auto& f : view.state().version->files(level)) {
        entries += f->num_entries;
        deletes += f->num_deletions;
      }
    }
    return absl::StrCat(entries > deletes ? entries - deletes : 0);
  }
  if (name == "kvlsm.num-delayed-writes") return absl::StrCat(stats_.delayed_writes);
  if (name == "kvlsm.stall-micros") return absl::StrCat(stats_.stall_micros);
  return std::nullopt;
}

std::string DBImpl::StatsString(uint64_t pending_compaction_bytes,
                                const std::vector<double>& scores) {
  const ReadState& state = *read_state_;
  const MemTableTotals mem = View().MemTables();
  std::string out;
  absl::StrAppendFormat(&out, "** kvlsm stats for %s **\n", dbname_);
  absl::StrAppendFormat(&out,
                        "memtables: 1 active + %d sealed, %d bytes, %d entries "
                        "(%d deletes)\n",
                        state.imm.size(), mem.bytes, mem.entries, mem.deletes);
  absl::StrAppendFormat(&out, "compaction policy %s: %d running, %d bytes pending\n",
                        options_.compaction_policy->Name(), running_compactions_.size(),
                        pending_compaction_bytes);
  out += compaction_stats_.Format(*state.version, scores);
  absl::StrAppendFormat(&out,
                        "index+filter pinned: %d bytes; block cache: %d of %d bytes, "
                        "%d hits, %d misses\n",
                        table_cache_->IndexAndFilterMemory(), options_.block_cache->GetUsage(),
                        options_.block_cache->GetCapacity(), options_.block_cache->GetStats().hits,
                        options_.block_cache->GetStats().misses);
  absl::StrAppendFormat(&out, "sequence: last %d, live snapshots %d\n", last_sequence_,
                        snapshots_.size());
  const double per_group =
      stats_.write_groups == 0 ? 0.0 : static_cast<double>(stats_.writes) / stats_.write_groups;
  absl::StrAppendFormat(&out,
                        "writes: %d in %d WAL records (%.2f writes/group), %d WAL "
                        "bytes, %d syncs\n",
                        stats_.writes, stats_.write_groups, per_group, stats_.wal_bytes,
                        stats_.wal_syncs);
  absl::StrAppendFormat(&out, "flushes: %d, %d bytes written; memtable switches %d\n",
                        stats_.flushes, stats_.flush_bytes, stats_.memtable_switches);
  const uint64_t table_bytes = compaction_stats_.table_bytes_written();
  absl::StrAppendFormat(
      &out, "write amplification: %.2f (WAL + table bytes written per WAL byte)\n",
      stats_.wal_bytes == 0
          ? 0.0
          : static_cast<double>(stats_.wal_bytes + table_bytes) / stats_.wal_bytes);
  absl::StrAppendFormat(&out, "stalls: %d delayed write groups, %d stopped, %.3f s stalled%s\n",
                        stats_.delayed_writes, stats_.stopped_writes, stats_.stall_micros / 1e6,
                        write_stopped_ ? " (writes stopped now)" : "");
  absl::StrAppendFormat(&out,
                        "WAL: active %06d; recovery: %d records replayed, %d bytes "
                        "dropped\n",
                        log_number_, stats_.recovered_records, stats_.recovery_dropped_bytes);
  absl::StrAppendFormat(&out, "background error: %s\n", background_error_.ToString());
  return out;
}

}  // namespace kvlsm
