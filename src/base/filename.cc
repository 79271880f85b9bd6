#include "base/filename.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kvlsm/env.h"

namespace kvlsm {
namespace {

std::string NumberedName(std::string_view dir, uint64_t number, std::string_view suffix) {
  return absl::StrFormat("%s/%06u.%s", dir, number, suffix);
}

// Parses a decimal number that fills all of `digits`.
bool ParseNumber(std::string_view digits, uint64_t* number) {
  if (digits.empty() || digits.size() > 19) return false;
  uint64_t n = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  *number = n;
  return true;
}

}  // namespace

std::string LogFileName(std::string_view dbname, uint64_t number) {
  return NumberedName(dbname, number, "log");
}
std::string TableFileName(std::string_view dbname, uint64_t number) {
  return NumberedName(dbname, number, "sst");
}
std::string TableIndexFileName(std::string_view dir, uint64_t number) {
  return NumberedName(dir, number, "idx");
}
std::string ManifestFileName(std::string_view dbname, uint64_t number) {
  return absl::StrFormat("%s/MANIFEST-%06u", dbname, number);
}
std::string CurrentFileName(std::string_view dbname) {
  return absl::StrFormat("%s/CURRENT", dbname);
}
std::string LockFileName(std::string_view dbname) { return absl::StrFormat("%s/LOCK", dbname); }
std::string TempFileName(std::string_view dbname, uint64_t number) {
  return NumberedName(dbname, number, "dbtmp");
}
std::string InfoLogFileName(std::string_view dbname) { return absl::StrFormat("%s/LOG", dbname); }
std::string OldInfoLogFileName(std::string_view dbname) {
  return absl::StrFormat("%s/LOG.old", dbname);
}

bool ParseFileName(std::string_view name, uint64_t* number, FileType* type) {
  if (name == "CURRENT") {
    *number = 0;
    *type = FileType::kCurrent;
    return true;
  }
  if (name == "LOCK") {
    *number = 0;
    *type = FileType::kLock;
    return true;
  }
  if (name == "LOG" || name == "LOG.old") {
    *number = 0;
    *type = FileType::kInfoLog;
    return true;
  }
  constexpr std::string_view kManifestPrefix = "MANIFEST-";
  if (name.starts_with(kManifestPrefix)) {
    *type = FileType::kManifest;
    return ParseNumber(name.substr(kManifestPrefix.size()), number);
  }
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view suffix = name.substr(dot + 1);
  if (suffix == "log") {
    *type = FileType::kLog;
  } else if (suffix == "sst") {
    *type = FileType::kTable;
  } else if (suffix == "idx") {
    *type = FileType::kTableIndex;
  } else if (suffix == "dbtmp") {
    *type = FileType::kTemp;
  } else {
    return false;
  }
  return ParseNumber(name.substr(0, dot), number);
}

}  // namespace kvlsm
