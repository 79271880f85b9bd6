#include "inspect/db_files.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/str_format.h"
#include "base/filename.h"

namespace kvlsm::tools {
namespace {

const char* KindName(FileType type) {
  switch (type) {
    case FileType::kLog:
      return "WAL";
    case FileType::kLock:
      return "lock";
    case FileType::kTable:
      return "table data";
    case FileType::kTableIndex:
      return "table index";
    case FileType::kManifest:
      return "MANIFEST";
    case FileType::kCurrent:
      return "CURRENT";
    case FileType::kTemp:
      return "temporary";
    case FileType::kInfoLog:
      return "info log";
  }
  return "unknown";
}

// Sets file->state and file->note for a kvlsm file, from what the MANIFEST records.
void Judge(FileType type, uint64_t number, const ManifestContents& manifest, DbFile* file) {
  file->state = "live";
  switch (type) {
    case FileType::kManifest:
      if (number != manifest.manifest_number) {
        file->state = "orphan";
        file->note = "not the MANIFEST that CURRENT names";
      }
      return;
    case FileType::kLog:
      if (number < manifest.state.log_number.value_or(0)) {
        file->state = "orphan";
        file->note = absl::StrFormat("below the recorded log number %06d: its data is in tables",
                                     manifest.state.log_number.value_or(0));
      }
      return;
    case FileType::kTable:
    case FileType::kTableIndex:
      if (!manifest.HasTable(number)) {
        file->state = "orphan";
        file->note = "in no table the MANIFEST records (left by a crash, or being written)";
      }
      return;
    case FileType::kTemp:
      file->state = "orphan";
      file->note = "a temporary file; the next open deletes it";
      return;
    case FileType::kLock:
      file->note = "locked (fcntl) while a process has the DB open";
      return;
    default:
      return;
  }
}

}  // namespace

std::vector<DbFile> ListDbFiles(Env* env, const std::string& db_path, const std::string& index_dir,
                                const ManifestContents* manifest,
                                std::vector<absl::Status>* problems) {
  std::vector<DbFile> files;
  std::set<std::string> present;
  // In a separate index directory only .idx files are kvlsm's.
  auto list = [&](const std::string& dir, bool only_index) {
    auto children = env->GetChildren(dir);
    if (!children.ok()) {
      problems->push_back(children.status());
      return;
    }
    for (const std::string& name : *children) {
      DbFile file;
      file.path = absl::StrFormat("%s/%s", dir, name);
      auto size = env->GetFileSize(file.path);
      file.size = size.ok() ? *size : 0;
      uint64_t number = 0;
      FileType type;
      if (!ParseFileName(name, &number, &type) || (only_index && type != FileType::kTableIndex)) {
        file.kind = "other";
        file.state = "foreign";
        file.note = "not a kvlsm file name";
      } else {
        file.kind = KindName(type);
        file.state = "unknown";
        if (manifest != nullptr) Judge(type, number, *manifest, &file);
      }
      present.insert(file.path);
      files.push_back(std::move(file));
    }
  };
  list(db_path, /*only_index=*/false);
  if (index_dir != db_path) list(index_dir, /*only_index=*/true);

  if (manifest != nullptr) {
    // Every table the MANIFEST records: both halves present, with the recorded sizes.
    for (int level = 0; level < kNumLevels; ++level) {
      for (const auto& table : manifest->Level(level)) {
        for (const auto& [path, kind, expected] :
             {std::tuple{TableFileName(db_path, table->number), "table data", table->data_size},
              std::tuple{TableIndexFileName(index_dir, table->number), "table index",
                         table->index_size}}) {
          if (!present.contains(path)) {
            files.push_back(DbFile{path, kind, expected, "missing",
                                   absl::StrFormat("named by %s", manifest->manifest_path)});
            problems->push_back(absl::DataLossError(absl::StrFormat(
                "%s: missing (named by %s, level %d)", path, manifest->manifest_path, level)));
            continue;
          }
          auto it = std::find_if(files.begin(), files.end(),
                                 [&path](const DbFile& f) { return f.path == path; });
          if (it->size != expected) {
            it->note = absl::StrFormat("%d bytes, but the MANIFEST records %d", it->size, expected);
            problems->push_back(absl::DataLossError(absl::StrFormat("%s: %s", path, it->note)));
          }
        }
      }
    }
  }
  std::sort(files.begin(), files.end(),
            [](const DbFile& a, const DbFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace kvlsm::tools
