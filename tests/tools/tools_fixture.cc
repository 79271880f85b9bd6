#include "tools/tools_fixture.h"

#include <filesystem>

#include "testutil/testutil.h"

namespace kvlsm::test {
namespace {

ToolResult RunExpecting(const std::string& program, const std::vector<std::string>& args,
                        int exit_code) {
  ToolResult result = RunTool(program, args);
  std::string command = program;
  for (const std::string& a : args) command += " " + a;
  EXPECT_EQ(result.signal, 0) << command << "\n" << Describe(result);
  EXPECT_EQ(result.exit_code, exit_code) << command << "\n" << Describe(result);
  return result;
}

nlohmann::json Parsed(const ToolResult& result) {
  nlohmann::json json = nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(json.is_discarded()) << "output is not JSON:\n" << Describe(result);
  return json.is_discarded() ? nlohmann::json() : json;
}

}  // namespace

std::unique_ptr<TestDb> ToolsTest::db_;

void ToolsTest::SetUpTestSuite() {
  auto db = BuildTestDb("tools-db");
  ASSERT_OK(db);
  db_ = std::make_unique<TestDb>(*std::move(db));
}

void ToolsTest::TearDownTestSuite() {
  if (db_ != nullptr) std::filesystem::remove_all(db_->path);
  db_.reset();
}

ToolResult ToolsTest::Sstdump(const std::vector<std::string>& args, int exit_code) {
  return RunExpecting(SstdumpPath(), args, exit_code);
}

ToolResult ToolsTest::Inspect(const std::vector<std::string>& args, int exit_code) {
  return RunExpecting(InspectPath(), args, exit_code);
}

nlohmann::json ToolsTest::SstdumpJson(std::vector<std::string> args, int exit_code) {
  args.push_back("--json");
  return Parsed(Sstdump(args, exit_code));
}

nlohmann::json ToolsTest::InspectJson(std::vector<std::string> args, int exit_code) {
  args.push_back("--json");
  return Parsed(Inspect(args, exit_code));
}

std::string ToolsTest::CopyOfDb(const std::string& name) {
  const std::string dir = TempDir(name);
  std::filesystem::copy(db_->path, dir, std::filesystem::copy_options::recursive);
  return dir;
}

}  // namespace kvlsm::test
