#include "manifest/version_builder.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace kvlsm {

VersionBuilder::VersionBuilder(const InternalKeyComparator* comparator, TableCache* table_cache,
                               const Version& base)
    : version_(std::make_shared<Version>(comparator, table_cache)) {
  for (int level = 0; level < kNumLevels; ++level) {
    version_->files_[level] = base.files_[level];
  }
}

absl::Status VersionBuilder::Apply(const VersionEdit& edit, std::vector<absl::Status>* problems) {
  absl::Status first;
  auto damaged = [&](absl::Status problem) {
    if (problems != nullptr) problems->push_back(problem);
    if (first.ok()) first = std::move(problem);
  };
  for (const auto& [level, number] : edit.deleted_files) {
    FileList& files = version_->files_[level];
    auto it = std::find_if(files.begin(), files.end(),
                           [n = number](const auto& f) { return f->number == n; });
    if (it == files.end()) {
      damaged(absl::DataLossError(absl::StrFormat(
          "version edit removes table %06d from level %d, which does not hold it", number, level)));
      continue;
    }
    files.erase(it);
  }
  for (const auto& [level, meta] : edit.new_files) {
    bool present = false;
    for (const FileList& files : version_->files_) {
      for (const auto& f : files) present = present || f->number == meta.number;
    }
    if (present) {
      damaged(
          absl::DataLossError(absl::StrFormat("version edit adds table %06d twice", meta.number)));
      continue;
    }
    version_->files_[level].push_back(std::make_shared<const FileMetaData>(meta));
  }
  return first;
}

absl::Status VersionBuilder::Finish(std::shared_ptr<Version>* version) {
  const InternalKeyComparator* cmp = version_->comparator_;
  FileList& l0 = version_->files_[0];
  std::sort(l0.begin(), l0.end(), [](const auto& a, const auto& b) {
    if (a->largest_seqno != b->largest_seqno) return a->largest_seqno > b->largest_seqno;
    return a->number > b->number;
  });
  absl::Status overlap;
  for (int level = 1; level < kNumLevels; ++level) {
    FileList& files = version_->files_[level];
    std::sort(files.begin(), files.end(), [cmp](const auto& a, const auto& b) {
      return cmp->Compare(a->smallest, b->smallest) < 0;
    });
    for (size_t i = 1; i < files.size() && overlap.ok(); ++i) {
      if (cmp->Compare(files[i - 1]->largest, files[i]->smallest) >= 0) {
        overlap =
            absl::DataLossError(absl::StrFormat("tables %06d and %06d overlap in level %d",
                                                files[i - 1]->number, files[i]->number, level));
      }
    }
  }
  *version = version_;
  return overlap;
}

}  // namespace kvlsm
