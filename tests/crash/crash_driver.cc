// kvlsm_crash_driver: the black-box crash test (docs/reliability.md, "Crash test").
//
// Runs kvlsm_crash_stress again and again on one DB and kills it with SIGKILL, each cycle
// in one of two ways:
//   - a timed kill, at a random moment of the run (while it recovers and verifies, writes,
//     flushes or compacts);
//   - a kill point: the stress process kills itself at a random file operation of a random
//     kind: a WAL append or sync, an append or sync of a table file (flushes and
//     compactions), a MANIFEST append or sync, the rename of CURRENT (every recovery
//     switches the MANIFEST), a directory sync, a file removal; just before or just after
//     the operation.
// Every run begins by verifying what the previous one left (crash_stress.cc says what is
// checked); a last run only verifies. The figures are printed at the end.
//
// Flags:
//   --stress=PATH        the kvlsm_crash_stress binary (required)
//   --dir=DIR            working directory, wiped first: DIR/db, DIR/state, DIR/stress.log
//   --cycles=N           kill cycles (default 60)
//   --duration=SECONDS   instead of --cycles: cycles until this much time has passed
//   --seed=N             default: from the clock (printed, to rerun a failure)
//   --max_run_ms=N       a timed kill comes 0..N ms after the run starts (default 400)
//   --kill_point_ops=N   writes a kill-point run may do before it ends by itself (default 3000)
//   --sync_one_in=N      passed to the stress process (default 4)
//   --fresh_db_every=N   start a new DB (and expected state) every N cycles (default 0:
//                        never), for long runs while level-0 tables are never compacted
// Exit status 0 when every run verified; 1 at the first failure, after printing the end of
// the stress log.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "crash/crash_common.h"
#include "util/random.h"

namespace kvlsm::crash {
namespace {

using Clock = std::chrono::steady_clock;

// A kind of kill point and how many such operations a run may reach.
struct KillPointKind {
  const char* op;
  const char* file;
  int max_n;
};
constexpr KillPointKind kKillPoints[] = {
    {"append", "wal", 800},    {"sync", "wal", 150},    {"append", "sst", 80},
    {"sync", "sst", 6},        {"append", "idx", 6},    {"sync", "idx", 6},
    {"append", "manifest", 6}, {"sync", "manifest", 6}, {"rename", "current", 1},
    {"append", "temp", 1},     {"syncdir", "any", 12},  {"remove", "any", 12},
};

struct Figures {
  int cycles = 0;
  int timed_kills = 0;
  int timed_kills_before_verified = 0;  // The run was still recovering or verifying.
  int runs_finished_before_kill = 0;
  std::map<std::string, int> kill_points_reached;
  int kill_points_not_reached = 0;
};

class Driver {
 public:
  explicit Driver(const Flags& flags)
      : flags_(flags),
        dir_(flags.Required("dir")),
        seed_(flags.Number(
            "seed", static_cast<uint64_t>(Clock::now().time_since_epoch().count()) % 1000000007)),
        rnd_(seed_) {}

  int Run() {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    absl::PrintF("crash test: seed %d (rerun with --seed=%d), working in %s\n", seed_, seed_, dir_);
    const auto start = Clock::now();
    const uint64_t duration = flags_.Number("duration", 0);
    const uint64_t cycles = flags_.Number("cycles", 60);
    for (uint64_t cycle = 0;; ++cycle) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      if (duration > 0 ? elapsed >= duration : cycle >= cycles) break;
      const uint64_t fresh_every = flags_.Number("fresh_db_every", 0);
      if (fresh_every > 0 && cycle > 0 && cycle % fresh_every == 0 && !StartFreshDb()) return 1;
      if (!(rnd_.OneIn(2) ? TimedKill(cycle) : KillPoint(cycle))) return 1;
      ++figures_.cycles;
    }
    // The last run only verifies.
    const std::vector<std::string> verify = {"--verify_only",
                                             absl::StrFormat("--run=%d", figures_.cycles)};
    int status = 0;
    const std::string output = RunStress(
        verify, [] { return false; }, &status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      Failure("the final verification failed");
      return 1;
    }
    ExpectedState::Acked acked;
    if (!ExpectedState(dir_ + "/state").LoadAcked(&acked).ok()) {
      Failure("no expected state");
      return 1;
    }
    acknowledged_in_retired_dbs_ += acked.last;

    std::string points;
    for (const auto& [kind, n] : figures_.kill_points_reached)
      absl::StrAppendFormat(&points, " %s %d,", kind, n);
    absl::PrintF(
        "crash test: %d kill cycles in %.0f s: %d timed kills (%d while the run was still "
        "recovering and verifying; %d runs ended first), %d kill points reached (%s "
        "%d not reached); last verified state: writes 1..%d; writes acknowledged: %d in %d DBs\n",
        figures_.cycles, std::chrono::duration<double>(Clock::now() - start).count(),
        figures_.timed_kills, figures_.timed_kills_before_verified,
        figures_.runs_finished_before_kill,
        figures_.cycles - figures_.timed_kills - figures_.kill_points_not_reached, points,
        figures_.kill_points_not_reached, acked.last, acknowledged_in_retired_dbs_, dbs_);
    absl::PrintF("crash test: the last run %s", output.substr(output.find("verified:")));
    return 0;
  }

 private:
  // Verifies the current DB one last time, then removes it and its expected state.
  bool StartFreshDb() {
    int status = 0;
    RunStress(
        {"--verify_only", "--run=0"}, [] { return false; }, &status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return Failure("a verification failed");
    ExpectedState::Acked acked;
    if (!ExpectedState(dir_ + "/state").LoadAcked(&acked).ok()) return Failure("no expected state");
    acknowledged_in_retired_dbs_ += acked.last;
    ++dbs_;
    std::filesystem::remove_all(dir_ + "/db");
    std::filesystem::remove_all(dir_ + "/state");
    return true;
  }

  bool TimedKill(uint64_t cycle) {
    const auto kill_at = Clock::now() + std::chrono::milliseconds(
                                            rnd_.Uniform(flags_.Number("max_run_ms", 400) + 1));
    int status = 0;
    const std::string output = RunStress(
        {absl::StrFormat("--run=%d", cycle)}, [&] { return Clock::now() >= kill_at; }, &status);
    ++figures_.timed_kills;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      figures_.timed_kills_before_verified += output.find("verified:") == std::string::npos;
      return true;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      ++figures_.runs_finished_before_kill;
      return true;
    }
    return Failure(absl::StrFormat("cycle %d (timed kill): the stress process failed", cycle));
  }

  bool KillPoint(uint64_t cycle) {
    const KillPointKind& kind = kKillPoints[rnd_.Uniform(std::size(kKillPoints))];
    const std::string when = rnd_.OneIn(2) ? "before" : "after";
    const std::string spec =
        absl::StrFormat("%s:%s:%d:%s", kind.op, kind.file, 1 + rnd_.Uniform(kind.max_n), when);
    const std::vector<std::string> args = {
        absl::StrFormat("--run=%d", cycle), "--kill_at=" + spec,
        absl::StrFormat("--ops=%d", flags_.Number("kill_point_ops", 3000))};
    int status = 0;
    // A run that hangs is killed after a minute and reported.
    const auto give_up = Clock::now() + std::chrono::seconds(60);
    RunStress(
        args, [&] { return Clock::now() >= give_up; }, &status);
    if (Clock::now() >= give_up) {
      return Failure(absl::StrFormat("cycle %d (kill point %s): the run hung", cycle, spec));
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      ++figures_.kill_points_reached[absl::StrFormat("%s:%s", kind.op, kind.file)];
      return true;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      ++figures_.kill_points_not_reached;
      return true;
    }
    return Failure(
        absl::StrFormat("cycle %d (kill point %s): the stress process failed", cycle, spec));
  }

  // Runs the stress process with the common flags plus `extra`, its output appended to the
  // log; SIGKILLs it once should_kill() says so. Returns what it printed; *status gets
  // waitpid's status.
  template <typename ShouldKill>
  std::string RunStress(const std::vector<std::string>& extra, ShouldKill should_kill,
                        int* status) {
    std::vector<std::string> args = {
        flags_.Required("stress"), "--db=" + dir_ + "/db", "--state=" + dir_ + "/state",
        absl::StrFormat("--seed=%d", seed_),
        absl::StrFormat("--sync_one_in=%d", flags_.Number("sync_one_in", 4))};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log = dir_ + "/stress.log";
    const uintmax_t log_start = std::filesystem::exists(log) ? std::filesystem::file_size(log) : 0;
    {
      std::ofstream out(log, std::ios::app);
      out << "$";
      for (const std::string& arg : args) out << " " << arg;
      out << "\n";
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      std::_Exit(127);
    }
    while (::waitpid(pid, status, WNOHANG) == 0) {
      if (should_kill()) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::ifstream in(log, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(log_start));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  // Prints the failure and the end of the stress log. Returns false.
  bool Failure(const std::string& what) {
    std::ifstream in(dir_ + "/stress.log", std::ios::binary);
    const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    absl::FPrintF(
        stderr, "crash test FAILED (seed %d, after %d cycles): %s\n--- end of %s/stress.log:\n%s\n",
        seed_, figures_.cycles, what, dir_, log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
    return false;
  }

  const Flags& flags_;
  const std::string dir_;
  const uint64_t seed_;
  Random rnd_;
  Figures figures_;
  uint64_t acknowledged_in_retired_dbs_ = 0;  // Plus, at the end, the current DB's.
  int dbs_ = 1;
};

}  // namespace
}  // namespace kvlsm::crash

int main(int argc, char** argv) {
  const kvlsm::crash::Flags flags(argc, argv);
  return kvlsm::crash::Driver(flags).Run();
}
