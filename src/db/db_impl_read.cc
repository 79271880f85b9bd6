// DBImpl's read path: Get, NewIterator and snapshots, served through a ReadView
// (db/read_view.h) of the memtables and Version, and GetProperty with the kvlsm.stats text
// (the properties are listed in include/kvlsm/db.h).
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "db/db_impl.h"
#include "memtable/memtable.h"

namespace kvlsm {

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
  const ReadState& state = *read_state_;
  if (name == "kvlsm.cur-size-all-mem-tables") {
    size_t total = state.mem->ApproximateMemoryUsage();
    for (const auto& imm : state.imm) total += imm.mem->ApproximateMemoryUsage();
    return absl::StrCat(total);
  }
  if (name == "kvlsm.num-immutable-mem-table") return absl::StrCat(state.imm.size());
  if (name == "kvlsm.num-entries-active-mem-table") {
    return absl::StrCat(state.mem->num_entries());
  }
  if (name == "kvlsm.num-snapshots") return absl::StrCat(snapshots_.size());
  if (name == "kvlsm.last-sequence") return absl::StrCat(last_sequence_);
  if (name == "kvlsm.background-error") return background_error_.ToString();
  if (name == "kvlsm.index-and-filter-memory") {
    return absl::StrCat(table_cache_->IndexAndFilterMemory());
  }
  if (name == "kvlsm.block-cache-capacity") {
    return absl::StrCat(options_.block_cache->GetCapacity());
  }
  if (name == "kvlsm.block-cache-usage") return absl::StrCat(options_.block_cache->GetUsage());
  if (name == "kvlsm.block-cache-hits") return absl::StrCat(options_.block_cache->GetStats().hits);
  if (name == "kvlsm.block-cache-misses") {
    return absl::StrCat(options_.block_cache->GetStats().misses);
  }
  if (name == "kvlsm.is-write-stopped") return write_stopped_ ? "1" : "0";
  if (name == "kvlsm.num-running-compactions") return absl::StrCat(running_compactions_.size());
  if (name == "kvlsm.num-compactions") return absl::StrCat(compaction_stats_.compactions());
  if (name == "kvlsm.estimate-num-keys") {
    uint64_t entries = state.mem->num_entries();
    uint64_t deletes = state.mem->num_deletes();
    for (const auto& imm : state.imm) {
      entries += imm.mem->num_entries();
      deletes += imm.mem->num_deletes();
    }
    for (int level = 0; level < kNumLevels; ++level) {
      for (const auto& f : state.version->files(level)) {
        entries += f->num_entries;
        deletes += f->num_deletions;
      }
    }
    return absl::StrCat(entries > deletes ? entries - deletes : 0);
  }
  if (name == "kvlsm.num-delayed-writes") return absl::StrCat(stats_.delayed_writes);
  if (name == "kvlsm.stall-micros") return absl::StrCat(stats_.stall_micros);
  if (name == "kvlsm.total-table-bytes") {
    uint64_t total = 0;
    for (int level = 0; level < kNumLevels; ++level) total += state.version->LevelBytes(level);
    return absl::StrCat(total);
  }
  constexpr std::string_view kFilesAtLevel = "kvlsm.num-files-at-level";
  if (name.starts_with(kFilesAtLevel)) {
    const std::string_view digits = name.substr(kFilesAtLevel.size());
    if (digits.size() == 1 && digits[0] >= '0' && digits[0] < '0' + kNumLevels) {
      return absl::StrCat(state.version->NumFiles(digits[0] - '0'));
    }
  }
  return std::nullopt;
}

std::string DBImpl::StatsString(uint64_t pending_compaction_bytes,
                                const std::vector<double>& scores) {
  const ReadState& state = *read_state_;
  size_t mem_bytes = state.mem->ApproximateMemoryUsage();
  uint64_t entries = state.mem->num_entries();
  uint64_t deletes = state.mem->num_deletes();
  for (const auto& imm : state.imm) {
    mem_bytes += imm.mem->ApproximateMemoryUsage();
    entries += imm.mem->num_entries();
    deletes += imm.mem->num_deletes();
  }
  std::string out;
  absl::StrAppendFormat(&out, "** kvlsm stats for %s **\n", dbname_);
  absl::StrAppendFormat(&out,
                        "memtables: 1 active + %d sealed, %d bytes, %d entries "
                        "(%d deletes)\n",
                        state.imm.size(), mem_bytes, entries, deletes);
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
