#include "base/current_file.h"

#include "absl/strings/str_cat.h"
#include "base/filename.h"
#include "kvlsm/env.h"

namespace kvlsm {

absl::StatusOr<uint64_t> ReadCurrentManifestNumber(Env* env, const std::string& dbname) {
  const std::string current_path = CurrentFileName(dbname);
  std::string current;
  absl::Status s = ReadFileToString(env, current_path, &current);
  if (absl::IsNotFound(s)) {
    return absl::NotFoundError(
        absl::StrCat(dbname, ": no kvlsm DB here (", current_path, " does not exist)"));
  }
  if (!s.ok()) return s;
  uint64_t number;
  FileType type;
  if (current.empty() || current.back() != '\n' ||
      !ParseFileName(std::string_view(current).substr(0, current.size() - 1), &number, &type) ||
      type != FileType::kManifest) {
    return absl::DataLossError(
        absl::StrCat(current_path, ": does not name a MANIFEST (", current.size(), " bytes)"));
  }
  return number;
}

absl::StatusOr<std::string> ReadCurrentFile(Env* env, const std::string& dbname) {
  auto number = ReadCurrentManifestNumber(env, dbname);
  if (!number.ok()) return number.status();
  return ManifestFileName(dbname, *number).substr(dbname.size() + 1);
}

absl::Status SetCurrentFile(Env* env, std::string_view dbname, uint64_t manifest_number) {
  const std::string manifest = ManifestFileName(dbname, manifest_number);
  const std::string contents = manifest.substr(dbname.size() + 1) + "\n";
  const std::string tmp = TempFileName(dbname, manifest_number);
  absl::Status s = WriteStringToFile(env, contents, tmp, /*sync=*/true);
  if (s.ok()) s = env->RenameFile(tmp, CurrentFileName(dbname));
  if (s.ok()) s = env->SyncDir(std::string(dbname));
  if (!s.ok()) env->RemoveFile(tmp).IgnoreError();
  return s;
}

}  // namespace kvlsm
