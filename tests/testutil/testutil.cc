#include "testutil/testutil.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "db/db_impl.h"

namespace kvlsm::test {

uint64_t TestSeed(uint64_t fallback) {
  const char* env = std::getenv("KVLSM_TEST_SEED");
  if (env != nullptr && *env != '\0') return std::strtoull(env, nullptr, 10);
  return fallback;
}

std::string SeedTrace(uint64_t seed) {
  return absl::StrCat("seed=", seed, " (rerun with KVLSM_TEST_SEED=", seed, ")");
}

bool MessageContains(const absl::Status& status, std::string_view text) {
  return std::string_view(status.message().data(), status.message().size()).find(text) !=
         std::string_view::npos;
}

bool LongTestsEnabled() {
  const char* env = std::getenv("KVLSM_LONG_TESTS");
  return env != nullptr && std::string(env) == "1";
}

std::string RandomString(Random* rnd, size_t len, bool binary) {
  std::string s(len, '\0');
  for (auto& c : s) {
    c = binary ? static_cast<char>(rnd->Uniform(256)) : static_cast<char>(' ' + rnd->Uniform(95));
  }
  return s;
}

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TMPDIR");
  std::filesystem::path dir = std::filesystem::path(base != nullptr ? base : "/tmp") /
                              absl::StrCat("kvlsm-test-", getpid(), "-", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

absl::Status WaitForBackgroundWork(DB* db) {
  return static_cast<DBImpl*>(db)->TEST_WaitForBackgroundWork();
}

}  // namespace kvlsm::test
