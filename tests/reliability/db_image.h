// The files of a DB directory as values: copy a DB between Envs (to reopen one state in
// two ways, or to damage a copy), and check that its MANIFEST is intact.
//
// Thread safety: plain functions; the Envs must not be written meanwhile.
#ifndef KVLSM_TESTS_RELIABILITY_DB_IMAGE_H_
#define KVLSM_TESTS_RELIABILITY_DB_IMAGE_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "base/filename.h"
#include "manifest/version_edit.h"
#include "kvlsm/env.h"
#include "wal/log_reader.h"

namespace kvlsm::test {

// File name (not path) -> contents.
using DbImage = std::map<std::string, std::string>;

// Every file of `dir` but LOCK and the info logs.
inline absl::Status ReadImage(Env* env, const std::string& dir, DbImage* image) {
  image->clear();
  auto children = env->GetChildren(dir);
  if (!children.ok()) return children.status();
  for (const std::string& name : *children) {
    if (name == "LOCK" || name.starts_with("LOG")) continue;
    absl::Status s = ReadFileToString(env, dir + "/" + name, &(*image)[name]);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// Creates `dir` holding exactly the files of `image` (on a fresh Env).
inline absl::Status WriteImage(Env* env, const std::string& dir, const DbImage& image) {
  absl::Status s = env->CreateDirIfMissing(dir);
  for (const auto& [name, contents] : image) {
    if (s.ok()) s = WriteStringToFile(env, contents, dir + "/" + name, /*sync=*/true);
  }
  return s;
}

// OK when CURRENT names a MANIFEST whose records are all intact and decode as version
// edits. A torn last record is allowed: it is an edit that never took effect
// (docs/format.md, "MANIFEST").
inline absl::Status CheckManifestIntact(Env* env, const std::string& dir) {
  std::string current;
  absl::Status s = ReadFileToString(env, CurrentFileName(dir), &current);
  if (!s.ok()) return s;
  uint64_t number = 0;
  FileType type;
  if (current.empty() || current.back() != '\n' ||
      !ParseFileName(std::string_view(current).substr(0, current.size() - 1), &number, &type) ||
      type != FileType::kManifest) {
    return absl::DataLossError(absl::StrFormat("CURRENT holds '%s'", current));
  }
  auto file = env->NewSequentialFile(ManifestFileName(dir, number));
  if (!file.ok()) return file.status();

  class Reporter final : public LogReader::Reporter {
   public:
    void Corruption(size_t bytes, const absl::Status& reason, uint64_t offset,
                    LogReader::DropKind kind) override {
      if (kind == LogReader::DropKind::kDamage && damage.ok()) damage = reason;
    }
    absl::Status damage;
  } reporter;
  LogReader reader(*std::move(file), &reporter, number);
  std::string scratch;
  std::string_view record;
  int records = 0;
  while (reader.ReadRecord(&record, &scratch)) {
    VersionEdit edit;
    s = edit.DecodeFrom(record);
    if (!s.ok()) return s;
    ++records;
  }
  if (!reader.status().ok()) return reader.status();
  if (!reporter.damage.ok()) return reporter.damage;
  if (records == 0) return absl::DataLossError(ManifestFileName(dir, number) + " holds no edit");
  return absl::OkStatus();
}

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_RELIABILITY_DB_IMAGE_H_
