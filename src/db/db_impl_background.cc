// DBImpl's background work, flush and compaction together: the loop the background
// threads run (obsolete files, flushes, compactions), writing a memtable as a level-0
// table and publishing it, DB::Flush and DB::CompactRange, picking a compaction through
// the policy and running it (a drop, a trivial move or a merge by the compaction job),
// and deleting the files no live Version needs. Open and Resume are in db_impl_open.cc.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compaction/compaction_job.h"
#include "compaction/compaction_setup.h"
#include "db/db_impl.h"
#include "base/filename.h"
#include "compaction/manual_compaction.h"
#include "compaction/table_file_writer.h"
#include "manifest/version_edit.h"
#include "memtable/memtable.h"

namespace kvlsm {

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

void DBImpl::BackgroundLoop() {
  MutexLock l(&mu_);
  while (!shutting_down_) {
    if (obsolete_files_pending_) {
      obsolete_files_pending_ = false;
      DeleteObsoleteFiles();
      bg_cv_.SignalAll();
      continue;
    }
    if (background_error_.ok() && !read_state_->imm.empty() && !flush_running_) {
      flush_running_ = true;
      absl::Status s = FlushOldestMemTable();
      flush_running_ = false;
      if (!s.ok()) SetBackgroundError(s, "flush");
      bg_cv_.SignalAll();
      continue;
    }
    if (CompactionSlotFree()) {
      // Whether or not it ran something, mu_ was released: look at the state again.
      PickAndRunCompaction();
      bg_cv_.SignalAll();  // A compaction ended, or the policy found none to run.
      continue;
    }
    bg_cv_.Wait();
  }
}

bool DBImpl::CompactionSlotFree() const {
  // With two or more threads, one is always left for flushes.
  const size_t slots = static_cast<size_t>(std::max(1, options_.max_background_jobs - 1));
  return background_error_.ok() && compaction_may_have_work_ && !picking_ &&
         running_compactions_.size() < slots;
}

CompactionPicture DBImpl::MakePicture(const Version& version) {
  std::vector<RunningCompaction> running;
  for (const auto& [id, r] : running_compactions_) running.push_back(r);
  return MakeCompactionPicture(version, options_.comparator, being_compacted_, std::move(running),
                               env_->NowUnixSeconds());
}

void DBImpl::PickAndRunCompaction() {
  std::shared_ptr<const Version> version = versions_->current();
  const CompactionPicture picture = MakePicture(*version);
  const CompactionPolicy& policy = *options_.compaction_policy;
  picking_ = true;
  mu_.Unlock();
  std::optional<CompactionPick> pick = policy.Pick(picture);
  const uint64_t pending = policy.EstimatePendingBytes(picture);
  absl::Status check = pick ? CheckCompactionPick(picture, *pick) : absl::OkStatus();
  mu_.Lock();
  picking_ = false;
  pending_compaction_bytes_ = pending;
  if (!check.ok()) {
    Log(absl::StrFormat("compaction policy %s made a pick that breaks the rules, not run: %s",
                        policy.Name(), check.message()));
    compaction_may_have_work_ = false;
  } else if (!pick) {
    if (versions_->current() == version) compaction_may_have_work_ = false;
  } else if (versions_->current() == version &&
             CheckCompactionPick(MakePicture(*version), *pick).ok()) {
    // (Otherwise the tree or the running set changed meanwhile: the next round picks
    // again.)
    absl::Status s = RunCompaction(version, *pick);
    if (!s.ok() && !shutting_down_) {
      compaction_stats_.AddFailure();
      SetBackgroundError(s, "compaction");
    }
  }
  // While this thread held `version`, other jobs could not delete its tables.
  const bool replaced = versions_->current() != version;
  version.reset();
  if (replaced) DeleteObsoleteFiles();
}

absl::Status DBImpl::RunCompaction(const std::shared_ptr<const Version>& version,
                                   const CompactionPick& pick) {
  VersionEdit edit;
  if (pick.drop_only) {
    uint64_t bytes = 0;
    for (const auto& input : pick.inputs) {
      for (uint64_t number : input.files) edit.RemoveFile(input.level, number);
    }
    for (const auto& [level, number] : edit.deleted_files) {
      for (const auto& f : version->files(level)) {
        if (f->number == number) bytes += f->total_size();
      }
    }
    absl::Status s = ApplyEdit(&edit, "dropping tables");
    if (!s.ok()) return s;
    compaction_stats_.AddDrop(bytes);
    Log(absl::StrFormat("dropped %d tables, %d bytes: %s", edit.deleted_files.size(), bytes,
                        pick.reason));
    return absl::OkStatus();
  }

  auto spec = MakeCompactionSpec(*version, pick, snapshots_.Sequences());
  if (!spec.ok()) return spec.status();
  const CompactionInputLevel& first = spec->inputs.front();
  if (pick.allow_trivial_move && spec->inputs.size() == 1 && first.files.size() == 1 &&
      pick.output_level > first.level) {
    const FileMetaData& f = *first.files.front();
    edit.RemoveFile(first.level, f.number);
    edit.AddFile(pick.output_level, f);
    absl::Status s = ApplyEdit(&edit, "moving a table");
    if (!s.ok()) return s;
    compaction_stats_.AddMove(pick.output_level, f.total_size());
    Log(absl::StrFormat("moved table %06d from level %d to %d: %s", f.number, first.level,
                        pick.output_level, pick.reason));
    return absl::OkStatus();
  }

  for (const auto& input : spec->inputs) {
    for (const auto& f : input.files) being_compacted_.insert(f->number);
  }
  const uint64_t id = next_compaction_id_++;
  running_compactions_[id] = DescribeRunning(*spec, options_.comparator);
  std::vector<uint64_t> outputs_allocated;
  CompactionJobOptions job;
  job.build = TableBuildOptions();
  job.table_cache = table_cache_.get();
  job.comparator = &internal_comparator_;
  job.merge_operator = options_.merge_operator.get();
  job.paranoid_checks = options_.paranoid_checks;
  job.rate_limiter = rate_limiter_.get();
  job.cancel = &shutting_down_;
  job.new_file_number = [this, &outputs_allocated] {
    MutexLock l(&mu_);
    const uint64_t number = versions_->NewFileNumber();
    pending_outputs_.insert(number);
    outputs_allocated.push_back(number);
    return number;
  };
  mu_.Unlock();
  absl::StatusOr<CompactionResult> result = RunCompactionJob(job, *spec);
  mu_.Lock();
  running_compactions_.erase(id);
  for (const auto& input : spec->inputs) {
    for (const auto& f : input.files) being_compacted_.erase(f->number);
  }
  absl::Status s = result.status();
  if (s.ok()) {
    for (const auto& input : spec->inputs) {
      for (const auto& f : input.files) edit.RemoveFile(input.level, f->number);
    }
    for (const FileMetaData& meta : result->outputs) edit.AddFile(pick.output_level, meta);
    s = ApplyEdit(&edit, "a compaction");
  }
  for (uint64_t number : outputs_allocated) pending_outputs_.erase(number);
  if (!s.ok()) return s;
  compaction_stats_.AddCompaction(*spec, *result);
  Log(absl::StrFormat(
      "compacted %d tables (%d bytes) into %d tables (%d bytes) at level %d in %.3f s: %d "
      "entries in, %d out, %d shadowed and %d tombstones dropped, %d operands merged: %s",
      edit.deleted_files.size(), result->bytes_read, result->outputs.size(), result->bytes_written,
      pick.output_level, result->micros / 1e6, result->entries.input_entries,
      result->entries.output_entries, result->entries.dropped_shadowed,
      result->entries.dropped_tombstones, result->entries.merged_operands, pick.reason));
  return absl::OkStatus();
}

void DBImpl::DeleteObsoleteFiles() {
  std::set<uint64_t> live = pending_outputs_;
  live.insert(unrecorded_tables_.begin(), unrecorded_tables_.end());
  versions_->AddLiveFiles(&live);
  const uint64_t min_log = versions_->log_number();
  auto sweep = [&](const std::string& dir, bool index_dir) {
    auto children = env_->GetChildren(dir);
    if (!children.ok()) return;  // Obsolete files only waste space; next time.
    for (const std::string& name : *children) {
      uint64_t number;
      FileType type;
      if (!ParseFileName(name, &number, &type)) continue;
      bool obsolete = false;
      switch (type) {
        case FileType::kTable:
        case FileType::kTableIndex:
          // In a separate index directory only .idx files are ours to judge.
          obsolete = !live.contains(number) && (!index_dir || type == FileType::kTableIndex);
          break;
        case FileType::kLog:
          obsolete = !index_dir && number < min_log && number != log_number_;
          break;
        case FileType::kManifest:
          obsolete = !index_dir && !versions_->IsLiveManifest(number);
          break;
        case FileType::kTemp:
          obsolete = !index_dir;
          break;
        default:
          break;
      }
      if (!obsolete) continue;
      if (type == FileType::kTable) table_cache_->Evict(number);
      absl::Status s = env_->RemoveFile(absl::StrCat(dir, "/", name));
      Log(absl::StrCat("delete obsolete ", dir, "/", name, ": ", s.ToString()));
    }
  };
  sweep(dbname_, /*index_dir=*/false);
  if (index_dir_ != dbname_) sweep(index_dir_, /*index_dir=*/true);
}

}  // namespace kvlsm
