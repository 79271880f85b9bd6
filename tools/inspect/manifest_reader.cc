#include "inspect/manifest_reader.h"

#include <utility>

#include "base/dbformat.h"
#include "kvlsm/comparator.h"
#include "manifest/manifest_replay.h"

namespace kvlsm::tools {

size_t ManifestContents::TableCount() const {
  size_t count = 0;
  for (int level = 0; level < kNumLevels; ++level) count += version->files(level).size();
  return count;
}

bool ManifestContents::HasTable(uint64_t number) const {
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : version->files(level)) {
      if (f->number == number) return true;
    }
  }
  return false;
}

absl::StatusOr<ManifestContents> ReadManifest(Env* env, const std::string& db_path) {
  static const InternalKeyComparator* const comparator =
      new InternalKeyComparator(BytewiseComparator());
  const Version empty(comparator, /*table_cache=*/nullptr);
  ManifestReplay replay(env, db_path, comparator, /*table_cache=*/nullptr, empty);
  ManifestContents contents;
  absl::Status s = replay.Replay([&contents](uint64_t offset, const VersionEdit& edit) {
    contents.edits.push_back(ManifestEditRecord{offset, edit});
  });
  if (!s.ok()) return s;
  contents.manifest_path = replay.manifest_path();
  contents.manifest_number = replay.manifest_number();
  auto size = env->GetFileSize(contents.manifest_path);
  if (!size.ok()) return size.status();
  contents.manifest_size = *size;
  contents.drops = replay.drops();
  contents.problems = replay.problems();
  contents.state = replay.state();
  std::shared_ptr<Version> version;
  if (absl::Status overlap = replay.Finish(&version); !overlap.ok()) {
    contents.problems.push_back(overlap);
  }
  contents.version = std::move(version);
  return contents;
}

}  // namespace kvlsm::tools
