#include "inspect/manifest_reader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "base/dbformat.h"
#include "base/filename.h"
#include "kvlsm/comparator.h"

namespace kvlsm::tools {
namespace {

// Applies an edit's table changes to `tables`; the problems name the MANIFEST and offset.
void ApplyTables(const ManifestEditRecord& record, const std::string& manifest,
                 ManifestContents* contents) {
  auto damaged = [&](std::string_view what) {
    contents->problems.push_back(absl::DataLossError(
        absl::StrFormat("%s: record at byte %d: %s", manifest, record.offset, what)));
  };
  for (const auto& [level, number] : record.edit.deleted_files) {
    auto it = contents->tables.find(number);
    if (it == contents->tables.end() || it->second.level != level) {
      damaged(absl::StrFormat("removes table %06d from level %d, which does not hold it", number,
                              level));
      continue;
    }
    contents->tables.erase(it);
  }
  for (const auto& [level, meta] : record.edit.new_files) {
    if (level < 0 || level >= kNumLevels) {
      damaged(absl::StrFormat("adds table %06d to level %d", meta.number, level));
    } else if (!contents->tables.emplace(meta.number, ManifestTable{level, meta}).second) {
      damaged(absl::StrFormat("adds table %06d twice", meta.number));
    }
  }
}

}  // namespace

std::vector<const ManifestTable*> ManifestContents::Level(int level) const {
  std::vector<const ManifestTable*> result;
  for (const auto& [number, table] : tables) {
    if (table.level == level) result.push_back(&table);
  }
  if (level == 0) {
    std::reverse(result.begin(), result.end());
  } else {
    const InternalKeyComparator comparator(BytewiseComparator());
    std::sort(result.begin(), result.end(),
              [&comparator](const ManifestTable* a, const ManifestTable* b) {
                return comparator.Compare(a->meta.smallest, b->meta.smallest) < 0;
              });
  }
  return result;
}

absl::StatusOr<ManifestContents> ReadManifest(Env* env, const std::string& db_path) {
  const std::string current_path = CurrentFileName(db_path);
  std::string current;
  absl::Status s = ReadFileToString(env, current_path, &current);
  if (absl::IsNotFound(s)) {
    return absl::NotFoundError(
        absl::StrFormat("%s: no kvlsm DB here (%s does not exist)", db_path, current_path));
  }
  if (!s.ok()) return s;
  ManifestContents contents;
  FileType type;
  if (current.empty() || current.back() != '\n' ||
      !ParseFileName(std::string_view(current).substr(0, current.size() - 1),
                     &contents.manifest_number, &type) ||
      type != FileType::kManifest) {
    return absl::DataLossError(
        absl::StrFormat("%s: does not name a MANIFEST (%d bytes)", current_path, current.size()));
  }
  contents.manifest_path = ManifestFileName(db_path, contents.manifest_number);
  auto size = env->GetFileSize(contents.manifest_path);
  if (!size.ok()) {
    return absl::DataLossError(absl::StrFormat("CURRENT names %s, which cannot be read: %s",
                                               contents.manifest_path, size.status().message()));
  }
  contents.manifest_size = *size;
  const std::string& manifest = contents.manifest_path;
  s = ReadLogFile(
      env, manifest, contents.manifest_number,
      [&](uint64_t offset, std::string_view bytes) {
        ManifestEditRecord record;
        record.offset = offset;
        absl::Status decoded = record.edit.DecodeFrom(bytes);
        if (!decoded.ok()) {
          contents.problems.push_back(absl::Status(
              decoded.code(),
              absl::StrFormat("%s: record at byte %d: %s", manifest, offset, decoded.message())));
          return;
        }
        ApplyTables(record, manifest, &contents);
        contents.state.Apply(record.edit);
        contents.edits.push_back(std::move(record));
      },
      &contents.drops);
  if (!s.ok()) return s;
  for (const LogDrop& drop : contents.drops) {
    // A torn last record is an edit that never took effect.
    if (!drop.torn_tail) contents.problems.push_back(DropStatus(manifest, drop));
  }
  const VersionEdit& state = contents.state;
  if (!state.comparator || !state.next_file_number || !state.log_number || !state.last_sequence) {
    contents.problems.push_back(absl::DataLossError(absl::StrFormat(
        "%s: incomplete (no comparator, file number, log number or sequence)", manifest)));
  }
  return contents;
}

}  // namespace kvlsm::tools
