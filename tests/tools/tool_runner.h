// Running the tools as processes, the way an operator does, and collecting what they print.
#ifndef KVLSM_TESTS_TOOLS_TOOL_RUNNER_H_
#define KVLSM_TESTS_TOOLS_TOOL_RUNNER_H_

#include <string>
#include <vector>

namespace kvlsm::test {

struct ToolResult {
  int exit_code = -1;  // -1 when the process did not exit normally.
  int signal = 0;      // The signal that killed it, or 0.
  std::string out;
  std::string err;
};

// Runs `program` with `args` (no shell), stdout and stderr captured, and waits for it.
ToolResult RunTool(const std::string& program, const std::vector<std::string>& args);

// The paths of the tools under test (set by tests/tools/CMakeLists.txt).
std::string SstdumpPath();
std::string InspectPath();

// "exit 1 (signal 0)\nstdout: ...\nstderr: ...": for failure messages.
std::string Describe(const ToolResult& result);

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_TOOLS_TOOL_RUNNER_H_
