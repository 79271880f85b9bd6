// The fixture of the tools' process tests: one generated DB per test suite (see test_db.h),
// and helpers to run a tool and parse its JSON.
#ifndef KVLSM_TESTS_TOOLS_TOOLS_FIXTURE_H_
#define KVLSM_TESTS_TOOLS_TOOLS_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tools/test_db.h"
#include "tools/tool_runner.h"

namespace kvlsm::test {

class ToolsTest : public testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // Runs the tool; the test fails unless it exits with `exit_code` (and no signal).
  static ToolResult Sstdump(const std::vector<std::string>& args, int exit_code = 0);
  static ToolResult Inspect(const std::vector<std::string>& args, int exit_code = 0);
  // As above, with --json added: the parsed output (null, and a failure, when it does
  // not parse).
  static nlohmann::json SstdumpJson(std::vector<std::string> args, int exit_code = 0);
  static nlohmann::json InspectJson(std::vector<std::string> args, int exit_code = 0);

  // A copy of the test DB in a fresh directory, for tests that damage or change it.
  static std::string CopyOfDb(const std::string& name);

  static const TestDb& db() { return *db_; }

 private:
  static std::unique_ptr<TestDb> db_;
};

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_TOOLS_TOOLS_FIXTURE_H_
