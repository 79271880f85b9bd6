// DestroyDB (include/kvlsm/db.h): removes a closed DB's files.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/filename.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"

namespace kvlsm {

absl::Status DestroyDB(const std::string& path, const Options& options) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  auto children = env->GetChildren(path);
  if (!children.ok()) {
    // Nothing there is nothing to destroy.
    return absl::IsNotFound(children.status()) ? absl::OkStatus() : children.status();
  }
  const std::string lock_name = LockFileName(path);
  auto lock = env->LockFile(lock_name);
  if (!lock.ok()) {
    return absl::Status(lock.status().code(), absl::StrFormat("DestroyDB(%s): the DB is open: %s",
                                                              path, lock.status().message()));
  }
  absl::Status result;
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type) || type == FileType::kLock) continue;
    absl::Status s = env->RemoveFile(absl::StrCat(path, "/", name));
    if (result.ok() && !s.ok()) result = s;
  }
  if (!options.index_path.empty() && options.index_path != path) {
    auto index_children = env->GetChildren(options.index_path);
    for (const std::string& name :
         index_children.ok() ? *index_children : std::vector<std::string>()) {
      uint64_t number;
      FileType type;
      if (!ParseFileName(name, &number, &type) || type != FileType::kTableIndex) continue;
      absl::Status s = env->RemoveFile(absl::StrCat(options.index_path, "/", name));
      if (result.ok() && !s.ok()) result = s;
    }
  }
  env->UnlockFile(*std::move(lock)).IgnoreError();
  env->RemoveFile(lock_name).IgnoreError();
  env->RemoveDir(path).IgnoreError();  // Fails when the user kept files of their own there.
  return result;
}

}  // namespace kvlsm
