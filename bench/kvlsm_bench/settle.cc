#include "settle.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <thread>

#include "absl/strings/str_format.h"

namespace kvlsm::bench {
namespace {

using Clock = std::chrono::steady_clock;

// File name -> size, the info logs left out (they change without the data changing).
absl::StatusOr<std::map<std::string, uintmax_t>> DirectoryState(const std::string& dir) {
  std::map<std::string, uintmax_t> state;
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with("LOG")) continue;
    std::error_code size_error;
    const uintmax_t size = it->is_regular_file(size_error) ? it->file_size(size_error) : 0;
    state[name] = size_error ? 0 : size;
  }
  if (error) {
    return absl::UnavailableError(absl::StrFormat("cannot list %s: %s", dir, error.message()));
  }
  return state;
}

// Waits until the engine is quiet. Returns an empty string when it is, else what ended
// the wait.
absl::StatusOr<std::string> WaitQuiet(Engine* engine, const std::string& dir,
                                      const SettleOptions& settle) {
  const auto quiet = std::chrono::milliseconds(settle.quiet_ms);
  const auto stall = std::chrono::milliseconds(settle.stall_ms);
  const auto poll =
      std::clamp(quiet / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(100));
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(settle.timeout_s);
  absl::StatusOr<std::map<std::string, uintmax_t>> last = DirectoryState(dir);
  if (!last.ok()) return last.status();
  Clock::time_point unchanged_since = Clock::now();  // the directory
  Clock::time_point quiet_since = unchanged_since;   // the directory and the engine
  while (true) {
    std::this_thread::sleep_for(poll);
    absl::StatusOr<std::map<std::string, uintmax_t>> now = DirectoryState(dir);
    if (!now.ok()) return now.status();
    const Clock::time_point at = Clock::now();
    if (*now != *last) {
      last = std::move(now);
      unchanged_since = quiet_since = at;
    } else if (!engine->BackgroundIdle()) {
      quiet_since = at;
      if (at - unchanged_since >= stall) {
        return absl::StrFormat(
            "still reported pending background work after its directory had not changed "
            "for %.1f s",
            settle.stall_ms / 1000.0);
      }
    } else if (at - quiet_since >= quiet) {
      return std::string();
    }
    if (at >= deadline) {
      return absl::StrFormat("still busy after %d s (--settle_timeout_s)", settle.timeout_s);
    }
  }
}

}  // namespace

absl::StatusOr<SettleOutcome> Settle(const EngineFactory& factory, const EngineOptions& options,
                                     const SettleOptions& settle, std::unique_ptr<Engine>* engine) {
  const Clock::time_point start = Clock::now();
  SettleOutcome outcome;
  auto wait = [&](const char* when) -> absl::Status {
    absl::StatusOr<std::string> ended = WaitQuiet(engine->get(), options.dir, settle);
    if (!ended.ok()) return ended.status();
    if (!ended->empty()) {
      outcome.quiet = false;
      if (!outcome.note.empty()) outcome.note += "; ";
      outcome.note += absl::StrFormat("%s (%s)", *ended, when);
    }
    return absl::OkStatus();
  };
  absl::Status s = wait("before the reopen");
  if (!s.ok()) return s;
  engine->reset();
  absl::StatusOr<std::unique_ptr<Engine>> reopened = factory.open(options);
  if (!reopened.ok()) return reopened.status();
  *engine = *std::move(reopened);
  s = wait("after the reopen");
  if (!s.ok()) return s;
  ::sync();
  outcome.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return outcome;
}

}  // namespace kvlsm::bench
