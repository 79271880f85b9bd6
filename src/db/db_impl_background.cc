// DBImpl's background work: the loop the background threads run (obsolete files, flushes,
// compactions), picking a compaction through the policy and running it (a drop, a
// trivial move or a merge by the compaction job), and deleting the files no live Version
// needs. The rest of DBImpl is in db_impl.cc.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compaction/compaction_job.h"
#include "compaction/compaction_setup.h"
#include "db/db_impl.h"
#include "base/filename.h"
#include "manifest/version_edit.h"

namespace kvlsm {

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
