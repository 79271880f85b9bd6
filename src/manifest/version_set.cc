#include "manifest/version_set.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/current_file.h"
#include "base/filename.h"
#include "base/get_context.h"
#include "cache/table_cache.h"
#include "kvlsm/comparator.h"
#include "kvlsm/merge_operator.h"
#include "manifest/level_iterator.h"
#include "manifest/manifest_replay.h"
#include "manifest/version_builder.h"
#include "wal/log_writer.h"

namespace kvlsm {

uint64_t Version::LevelBytes(int level) const {
  uint64_t total = 0;
  for (const auto& f : files_[level]) total += f->total_size();
  return total;
}

absl::Status Version::Get(const ReadOptions& options, std::string_view user_key,
                          SequenceNumber snapshot, GetContext* ctx) const {
  const Comparator* ucmp = comparator_->user_comparator();
  auto covers = [ucmp, user_key](const FileMetaData& f) {
    return ucmp->Compare(user_key, ExtractUserKey(f.smallest)) >= 0 &&
           ucmp->Compare(user_key, ExtractUserKey(f.largest)) <= 0;
  };
  // Level 0, newest table first.
  for (const auto& f : files_[0]) {
    if (!covers(*f)) continue;
    absl::Status s = table_cache_->Get(options, *f, user_key, snapshot, ctx);
    if (!s.ok()) return s;
    if (ctx->done()) return absl::OkStatus();
  }
  // Deeper levels: at most one table per level can hold the key.
  std::string target;
  AppendInternalKey(&target, user_key, snapshot, kTypeForSeek);
  for (int level = 1; level < kNumLevels; ++level) {
    const FileList& files = files_[level];
    auto it = std::lower_bound(files.begin(), files.end(), target,
                               [this](const auto& file, const std::string& t) {
                                 return comparator_->Compare(file->largest, t) < 0;
                               });
    if (it == files.end() || !covers(**it)) continue;
    absl::Status s = table_cache_->Get(options, **it, user_key, snapshot, ctx);
    if (!s.ok()) return s;
    if (ctx->done()) return absl::OkStatus();
  }
  return absl::OkStatus();
}

void Version::AddIterators(const ReadOptions& options,
                           std::vector<std::unique_ptr<Iterator>>* iterators) const {
  for (const auto& f : files_[0]) iterators->push_back(table_cache_->NewIterator(options, *f));
  for (int level = 1; level < kNumLevels; ++level) {
    if (files_[level].empty()) continue;
    iterators->push_back(NewLevelIterator(options, comparator_, table_cache_, &files_[level]));
  }
}

VersionSet::VersionSet(const std::string& dbname, const Options* options, TableCache* table_cache,
                       const InternalKeyComparator* comparator)
    : dbname_(dbname),
      options_(options),
      table_cache_(table_cache),
      comparator_(comparator),
      current_(std::make_shared<Version>(comparator, table_cache)) {}

VersionSet::~VersionSet() {
  if (manifest_ != nullptr) manifest_->Close().IgnoreError();
}

void VersionSet::MarkFileNumberUsed(uint64_t number) {
  next_file_number_ = std::max(next_file_number_, number + 1);
}

absl::Status VersionSet::Recover(SequenceNumber* last_sequence) {
  ManifestReplay replay(options_->env, dbname_, comparator_, table_cache_, *current_);
  absl::Status s = replay.Replay();
  if (!s.ok()) return s;
  if (!replay.problems().empty()) return replay.problems().front();
  const VersionEdit& state = replay.state();
  if (*state.comparator != options_->comparator->Name()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dbname_, ": the DB was created with comparator '", *state.comparator,
                     "' but Options::comparator is '", options_->comparator->Name(), "'"));
  }
  if (state.merge_operator && options_->merge_operator &&
      *state.merge_operator != options_->merge_operator->Name()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dbname_, ": the DB was written with merge operator '", *state.merge_operator,
                     "' but Options::merge_operator is '", options_->merge_operator->Name(), "'"));
  }
  std::shared_ptr<Version> version;
  s = replay.Finish(&version);
  if (!s.ok()) return s;

  if (options_->paranoid_checks) {
    // Every table the MANIFEST names must be there, whole.
    for (const FileList& files : version->files_) {
      for (const auto& f : files) {
        if (absl::Status s = table_cache_->CheckFiles(*f); !s.ok()) return s;
      }
    }
  }

  current_ = std::move(version);
  versions_.push_back(current_);
  next_file_number_ = std::max(*state.next_file_number, replay.manifest_number() + 1);
  log_number_ = *state.log_number;
  manifest_number_ = replay.manifest_number();
  *last_sequence = *state.last_sequence;
  return absl::OkStatus();
}

void VersionSet::EncodeSnapshot(VersionEdit* edit, SequenceNumber last_sequence) const {
  edit->format_version = kManifestFormatVersion;
  edit->comparator = options_->comparator->Name();
  if (options_->merge_operator) edit->merge_operator = options_->merge_operator->Name();
  edit->log_number = log_number_;
  edit->next_file_number = next_file_number_;
  edit->last_sequence = last_sequence;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : current_->files_[level]) edit->AddFile(level, *f);
  }
}

absl::Status VersionSet::WriteSnapshot(SequenceNumber last_sequence) {
  const uint64_t number = NewFileNumber();
  const std::string fname = ManifestFileName(dbname_, number);
  auto file = options_->env->NewWritableFile(fname);
  if (!file.ok()) return file.status();
  manifest_ = std::make_unique<LogWriter>(*std::move(file), number);
  VersionEdit snapshot;
  EncodeSnapshot(&snapshot, last_sequence);
  std::string record;
  snapshot.EncodeTo(&record);
  absl::Status s = manifest_->AddRecord(record);
  if (!s.ok()) {
    manifest_.reset();
    options_->env->RemoveFile(fname).IgnoreError();
    return s;
  }
  manifest_number_ = number;
  return absl::OkStatus();
}

absl::Status VersionSet::LogAndApply(VersionEdit* edit, SequenceNumber last_sequence) {
  if (!edit->log_number) edit->log_number = log_number_;
  VersionBuilder builder(comparator_, table_cache_, *current_);
  absl::Status s = builder.Apply(*edit);
  if (!s.ok()) return s;
  std::shared_ptr<Version> version;
  s = builder.Finish(&version);
  if (!s.ok()) return s;

  const uint64_t old_manifest = manifest_number_;
  const bool new_manifest = manifest_ == nullptr;
  if (new_manifest) {
    s = WriteSnapshot(last_sequence);
    if (!s.ok()) return s;
  }
  edit->next_file_number = next_file_number_;
  edit->last_sequence = last_sequence;
  std::string record;
  edit->EncodeTo(&record);
  s = manifest_->AddRecord(record);
  if (s.ok()) s = manifest_->Sync();
  if (s.ok() && new_manifest) s = SetCurrentFile(options_->env, dbname_, manifest_number_);
  if (!s.ok()) {
    // The MANIFEST's state on disk is unknown: never append to it again.
    manifest_.reset();
    if (new_manifest) {
      // CURRENT may name either MANIFEST now (the rename may have happened before a
      // failed directory sync): keep both until a later switch succeeds.
      kept_manifests_.insert(old_manifest);
      kept_manifests_.insert(manifest_number_);
    }
    return s;
  }
  if (new_manifest) kept_manifests_.clear();
  current_ = std::move(version);
  versions_.push_back(current_);
  log_number_ = *edit->log_number;
  return absl::OkStatus();
}

bool VersionSet::IsLiveManifest(uint64_t number) const {
  return number == manifest_number_ || kept_manifests_.contains(number);
}

void VersionSet::AddLiveFiles(std::set<uint64_t>* live) {
  std::erase_if(versions_, [](const auto& weak) { return weak.expired(); });
  for (const auto& weak : versions_) {
    if (auto version = weak.lock()) {
      for (const FileList& files : version->files_) {
        for (const auto& f : files) live->insert(f->number);
      }
    }
  }
}

}  // namespace kvlsm
