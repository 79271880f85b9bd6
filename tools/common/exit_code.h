// The exit codes of kvlsm-sstdump and kvlsm-inspect, and how a tool reports a failure.
//
//   0  everything asked for was done and nothing wrong was found
//   1  a problem with the data: damage (DataLoss, naming the file and offset), a missing
//      file, an I/O error, a key that is not there (get), a DB held by another process
//   2  a usage error: unknown command or flag, a missing or malformed argument
#ifndef KVLSM_TOOLS_COMMON_EXIT_CODE_H_
#define KVLSM_TOOLS_COMMON_EXIT_CODE_H_

#include <string_view>

#include "absl/status/status.h"

namespace kvlsm::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitProblem = 1;
inline constexpr int kExitUsage = 2;

// Prints "<tool>: <status>" on stderr and returns kExitProblem (kExitOk for an OK status).
int ReportProblem(std::string_view tool, const absl::Status& status);

// Prints "<tool>: <message>" and a hint to run --help on stderr; returns kExitUsage.
int ReportUsageError(std::string_view tool, std::string_view message);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_COMMON_EXIT_CODE_H_
