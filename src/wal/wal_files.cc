#include "wal/wal_files.h"

#include <algorithm>

#include "base/filename.h"

namespace kvlsm {

absl::StatusOr<std::vector<uint64_t>> ListWalNumbers(
    Env* env, const std::string& dir, uint64_t min_log,
    const std::function<void(uint64_t)>& saw_file) {
  auto children = env->GetChildren(dir);
  if (!children.ok()) return children.status();
  std::vector<uint64_t> logs;
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    if (saw_file) saw_file(number);
    if (type == FileType::kLog && number >= min_log) logs.push_back(number);
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

}  // namespace kvlsm
