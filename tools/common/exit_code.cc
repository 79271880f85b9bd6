#include "common/exit_code.h"

#include <cstdio>
#include <string>

namespace kvlsm::tools {

int ReportProblem(std::string_view tool, const absl::Status& status) {
  if (status.ok()) return kExitOk;
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(tool.size()), tool.data(),
               status.ToString().c_str());
  return kExitProblem;
}

int ReportUsageError(std::string_view tool, std::string_view message) {
  std::fprintf(stderr, "%.*s: %.*s (try %.*s --help)\n", static_cast<int>(tool.size()), tool.data(),
               static_cast<int>(message.size()), message.data(), static_cast<int>(tool.size()),
               tool.data());
  return kExitUsage;
}

}  // namespace kvlsm::tools
