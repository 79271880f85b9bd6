// kvlsm_inspect_verify_sweep: the corruption sweep of corruption_sweep_test.cc, seen by
// the operator tool. `kvlsm-inspect DBPATH verify` must pass the undamaged sweep DB (exit
// 0) and, for one bit flipped in each byte of CURRENT and the MANIFEST and in every
// `stride`-th byte of the WAL and of each .sst and .idx, report the damage: exit 1 (never
// a crash or another status) with the damaged file named in its output.
//
// Usage: kvlsm_inspect_verify_sweep <kvlsm-inspect> <work dir> [stride, default 7]
// Registered with ctest by tests/crash/CMakeLists.txt when the kvlsm-inspect target exists
// (tests/reliability is a gtest folder without a CMakeLists.txt of its own).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "kvlsm/env.h"
#include "reliability/db_image.h"
#include "reliability/sweep_db.h"

extern char** environ;

namespace kvlsm::test {
namespace {

struct Verdict {
  int exit_code = -1;  // -1: killed by a signal.
  std::string output;  // stdout and stderr.
};

Verdict RunVerify(const std::string& inspect, const std::string& dir) {
  const std::string out = dir + ".out";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args = {inspect, dir, "verify"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid;
  Verdict verdict;
  if (posix_spawn(&pid, inspect.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    std::fprintf(stderr, "cannot run %s\n", inspect.c_str());
    std::exit(1);
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) verdict.exit_code = WEXITSTATUS(status);
  std::ifstream in(out, std::ios::binary);
  verdict.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return verdict;
}

// Replaces the contents of `dir` on disk with `image`.
void WriteToDisk(const std::string& dir, const DbImage& image) {
  std::filesystem::remove_all(dir);
  const absl::Status s = WriteImage(Env::Default(), dir, image);
  if (!s.ok()) {
    std::fprintf(stderr, "cannot write %s: %s\n", dir.c_str(), s.ToString().c_str());
    std::exit(1);
  }
}

int Sweep(const std::string& inspect, const std::string& work, size_t stride) {
  std::unique_ptr<Env> mem = NewMemEnv();
  History history(SweepWorkload());
  DbImage image;
  absl::Status s = BuildSweepDb(mem.get(), "/db", &history);
  if (s.ok()) s = ReadImage(mem.get(), "/db", &image);
  if (!s.ok()) {
    std::fprintf(stderr, "cannot build the sweep DB: %s\n", s.ToString().c_str());
    return 1;
  }
  std::filesystem::create_directories(work);
  const std::string dir = work + "/db";
  WriteToDisk(dir, image);
  const Verdict clean = RunVerify(inspect, dir);
  if (clean.exit_code != 0) {
    std::fprintf(stderr, "verify fails on the undamaged DB (exit %d):\n%s\n", clean.exit_code,
                 clean.output.c_str());
    return 1;
  }
  int runs = 0, failures = 0;
  for (const auto& [name, contents] : image) {
    const bool small = name == "CURRENT" || name.starts_with("MANIFEST-");
    for (size_t pos = 0; pos < contents.size(); pos += small ? 1 : stride) {
      DbImage damaged = image;
      damaged[name] = Flip(contents, pos);
      WriteToDisk(dir, damaged);
      const Verdict verdict = RunVerify(inspect, dir);
      ++runs;
      if (verdict.exit_code != 1 || verdict.output.find(name) == std::string::npos) {
        if (++failures <= 10) {
          std::fprintf(stderr, "%s, bit %zu of byte %zu flipped: exit %d, output:\n%s\n",
                       name.c_str(), pos % 8, pos, verdict.exit_code, verdict.output.c_str());
        }
      }
    }
  }
  absl::PrintF(
      "kvlsm-inspect verify: %d damaged copies (stride %d for the WAL and tables), "
      "%d not reported as damage naming the file\n",
      runs, stride, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace kvlsm::test

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <kvlsm-inspect> <work dir> [stride]\n", argv[0]);
    return 2;
  }
  const size_t stride = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 7;
  return kvlsm::test::Sweep(argv[1], argv[2], stride == 0 ? 1 : stride);
}
