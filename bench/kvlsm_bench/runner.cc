#include "runner.h"

#include <malloc.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <system_error>

#include "absl/strings/str_format.h"
#include "key_value_format.h"
#include "machine.h"
#include "perf_control.h"
#include "process_stats.h"
#include "settle.h"
#include "workload.h"

namespace kvlsm::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

absl::Status FreshDirectory(const std::string& dir) {
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  if (!error) std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrFormat("cannot make an empty directory %s: %s", dir, error.message()));
  }
  return absl::OkStatus();
}

EngineOptions OptionsFor(const Flags& flags, const std::string& dir) {
  EngineOptions options;
  options.dir = dir;
  options.write_buffer_bytes = flags.write_buffer_mb << 20;
  options.cache_bytes = flags.cache_mb << 20;
  options.bloom_bits = flags.bloom_bits;
  options.compression = flags.compression;
  options.compaction = flags.compaction;
  options.sync = flags.sync;
  return options;
}

// A workload's context, the engine aside.
WorkloadContext ContextFor(const Flags& flags, const KeyValueFormat& format) {
  WorkloadContext context;
  context.format = &format;
  context.num = flags.num;
  context.ops = flags.read_ops();
  context.threads = flags.threads;
  context.seed = flags.seed;
  return context;
}

SettleOptions SettleOptionsFor(const Flags& flags) {
  return {flags.settle_ms, flags.settle_stall_s * 1000, flags.settle_timeout_s};
}

// Fills the write- and space-amplification fields of *result.
void Amplification(const IoCounters& before, const IoCounters& after, uint64_t disk_bytes,
                   RunResult* result) {
  const auto delta = [](uint64_t a, uint64_t b) { return b > a ? b - a : 0; };
  result->wchar_bytes = delta(before.wchar, after.wchar);
  result->cancelled_bytes = delta(before.cancelled_write_bytes, after.cancelled_write_bytes);
  // Cancelled bytes are not subtracted: whether a WAL's pages reach the disk before the
  // file is deleted depends on when the kernel writes back, not on the engine.
  result->engine_bytes_written = delta(before.write_bytes, after.write_bytes);
  result->write_amp_source = "write_bytes";
  if (result->engine_bytes_written == 0 && result->wchar_bytes > 0) {
    // No device accounting on this file system (tmpfs): bytes passed to write(2) instead.
    result->engine_bytes_written = result->wchar_bytes;
    result->write_amp_source = "wchar";
  }
  if (result->user_bytes_written > 0) {
    result->write_amp = static_cast<double>(result->engine_bytes_written) /
                        static_cast<double>(result->user_bytes_written);
  }
  result->disk_bytes = disk_bytes;
  if (result->live_bytes > 0) {
    result->space_amp = static_cast<double>(disk_bytes) / static_cast<double>(result->live_bytes);
  }
}

absl::Status Annotate(const absl::Status& s, const Workload& workload, const EngineFactory& factory,
                      std::string_view phase) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrFormat("%s on %s (%s): %s", workload.name, factory.name,
                                                phase, s.message()));
}

// An engine's DB with the records loaded and settled, closed: copied into a fresh
// directory for each workload that needs the records (unless --reload).
struct LoadedCopy {
  std::string dir;
  std::string settle_note;  // how its settling ended, when on a limit
};

// Loads the records into a fresh <db_dir>/<engine>.loaded and settles it.
absl::StatusOr<LoadedCopy> MakeLoadedCopy(const Flags& flags, const EngineFactory& factory,
                                          const KeyValueFormat& format, std::ostream& progress) {
  LoadedCopy copy;
  copy.dir = absl::StrFormat("%s/%s.loaded", flags.db_dir, factory.name);
  absl::Status s = FreshDirectory(copy.dir);
  if (!s.ok()) return s;
  const EngineOptions options = OptionsFor(flags, copy.dir);
  absl::StatusOr<std::unique_ptr<Engine>> engine = factory.open(options);
  if (!engine.ok()) return engine.status();
  progress << absl::StrFormat("  loading %d records into %s once\n", flags.num, copy.dir)
           << std::flush;
  const Clock::time_point start = Clock::now();
  WorkloadContext context = ContextFor(flags, format);
  context.engine = engine->get();
  s = LoadRecords(context);
  if (!s.ok()) return s;
  absl::StatusOr<SettleOutcome> settled =
      Settle(factory, options, SettleOptionsFor(flags), &*engine);
  if (!settled.ok()) return settled.status();
  if (!settled->quiet) copy.settle_note = "settling the loaded copy: " + settled->note;
  engine->reset();
  progress << absl::StrFormat("  loaded and settled in %.1f s%s\n", SecondsSince(start),
                              copy.settle_note.empty() ? "" : " (" + copy.settle_note + ")")
           << std::flush;
  return copy;
}

// Copies the files of `from` into the empty directory `to`.
absl::Status CopyDirectory(const std::string& from, const std::string& to) {
  std::error_code error;
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrFormat("cannot copy %s to %s: %s", from, to, error.message()));
  }
  return absl::OkStatus();
}

// perf (when not null) samples only the workload itself. `loaded` holds each engine's
// loaded copy, made on first use.
absl::StatusOr<RunResult> RunOne(const Flags& flags, const Workload& workload,
                                 const EngineFactory& factory, int round, PerfControl* perf,
                                 std::map<std::string, LoadedCopy>* loaded,
                                 std::vector<EngineRecord>* engines, std::ostream& progress) {
  const std::string dir = absl::StrFormat("%s/%s", flags.db_dir, factory.name);
  absl::Status s = FreshDirectory(dir);
  if (!s.ok()) return s;
  const KeyValueFormat format(flags.key_size, flags.value_size, flags.seed);
  RunResult result;
  result.workload = std::string(workload.name);
  result.engine = factory.name;
  result.round = round;
  const bool copy_loaded = workload.needs_load && !flags.reload;
  if (copy_loaded) {
    auto it = loaded->find(factory.name);
    if (it == loaded->end()) {
      absl::StatusOr<LoadedCopy> made = MakeLoadedCopy(flags, factory, format, progress);
      if (!made.ok()) return Annotate(made.status(), workload, factory, "load");
      it = loaded->emplace(factory.name, *std::move(made)).first;
    }
    const Clock::time_point start = Clock::now();
    s = CopyDirectory(it->second.dir, dir);
    if (!s.ok()) return Annotate(s, workload, factory, "copy of the loaded DB");
    result.load_seconds = SecondsSince(start);
    if (!it->second.settle_note.empty()) {
      result.settled = false;
      result.settle_note = it->second.settle_note;
    }
  }
  const EngineOptions options = OptionsFor(flags, dir);
  absl::StatusOr<std::unique_ptr<Engine>> opened = factory.open(options);
  if (!opened.ok()) return Annotate(opened.status(), workload, factory, "open");
  std::unique_ptr<Engine> engine = *std::move(opened);
  bool known = false;
  for (const EngineRecord& record : *engines) known = known || record.name == factory.name;
  if (!known) engines->push_back({factory.name, engine->Settings()});

  WorkloadContext context = ContextFor(flags, format);
  const SettleOptions settle = SettleOptionsFor(flags);
  // A settle that ended on a limit is said at once and marks the run.
  auto note_settle = [&](const SettleOutcome& outcome, const char* phase) {
    if (outcome.quiet) return;
    result.settled = false;
    const std::string note = absl::StrFormat("settling %s the workload: %s", phase, outcome.note);
    progress << absl::StrFormat("  %-16s %-8s %s\n", workload.name, factory.name, note)
             << std::flush;
    if (!result.settle_note.empty()) result.settle_note += "; ";
    result.settle_note += note;
  };
  if (workload.needs_load && !copy_loaded) {
    progress << absl::StrFormat("  %-16s %-8s loading %d records\n", workload.name, factory.name,
                                flags.num)
             << std::flush;
    const Clock::time_point start = Clock::now();
    context.engine = engine.get();
    s = LoadRecords(context);
    if (!s.ok()) return Annotate(s, workload, factory, "load");
    result.load_seconds = SecondsSince(start);
  }
  absl::StatusOr<SettleOutcome> settled = Settle(factory, options, settle, &engine);
  if (!settled.ok()) return Annotate(settled.status(), workload, factory, "settle before");
  note_settle(*settled, "before");

  absl::StatusOr<IoCounters> io_before = ReadIoCounters();
  if (!io_before.ok()) return io_before.status();
  const bool rss_reset = ResetPeakRss().ok();
  WorkloadOutcome outcome;
  context.engine = engine.get();
  if (perf != nullptr && !(s = perf->Enable()).ok()) return s;
  s = workload.run(context, &outcome);
  if (perf != nullptr) {
    absl::Status disabled = perf->Disable();
    if (s.ok()) s = disabled;
  }
  if (!s.ok()) return Annotate(s, workload, factory, "run");
  if (rss_reset) {
    absl::StatusOr<uint64_t> peak = PeakRssBytes();
    if (peak.ok()) result.peak_rss_bytes = *peak;
  }

  settled = Settle(factory, options, settle, &engine);
  if (!settled.ok()) return Annotate(settled.status(), workload, factory, "settle after");
  note_settle(*settled, "after");
  result.settle_seconds = settled->seconds;
  absl::StatusOr<IoCounters> io_after = ReadIoCounters();
  if (!io_after.ok()) return io_after.status();
  absl::StatusOr<uint64_t> disk = DirectoryBytes(dir);
  if (!disk.ok()) return disk.status();

  const ThreadStats& stats = outcome.stats;
  result.ops = stats.ops;
  result.seconds = outcome.seconds;
  result.ops_per_sec = outcome.seconds > 0 ? static_cast<double>(stats.ops) / outcome.seconds : 0;
  result.mb_per_sec =
      outcome.seconds > 0 ? static_cast<double>(stats.bytes) / outcome.seconds / (1 << 20) : 0;
  result.p50_us = stats.latency.Percentile(0.50) / 1000;
  result.p99_us = stats.latency.Percentile(0.99) / 1000;
  result.p999_us = stats.latency.Percentile(0.999) / 1000;
  result.max_us = static_cast<double>(stats.latency.max()) / 1000;
  result.user_bytes_written = stats.bytes_written + outcome.extra_bytes_written;
  result.live_bytes = outcome.live_records * format.entry_size();
  result.note = outcome.note;
  Amplification(*io_before, *io_after, *disk, &result);

  engine.reset();
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  // Give the freed heap back, so that the next engine's peak RSS starts low.
  ::malloc_trim(0);
  return result;
}

}  // namespace

absl::StatusOr<BenchmarkResults> RunBenchmarks(const Flags& flags, std::ostream& progress) {
  BenchmarkResults results;
  results.flags = flags;
  std::error_code error;
  std::filesystem::create_directories(flags.db_dir, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrFormat("cannot create --db_dir=%s: %s", flags.db_dir, error.message()));
  }
  results.machine = DescribeMachine(flags.db_dir);
  std::unique_ptr<PerfControl> perf;
  if (!flags.perf_control.empty()) {
    absl::StatusOr<std::unique_ptr<PerfControl>> opened = PerfControl::Open(flags.perf_control);
    if (!opened.ok()) return opened.status();
    perf = *std::move(opened);
  }
  const size_t total =
      flags.benchmarks.size() * flags.engines.size() * static_cast<size_t>(flags.repeats);
  size_t done = 0;
  std::map<std::string, LoadedCopy> loaded;
  // The loaded copies go when the run ends, with or without an error.
  struct RemoveCopies {
    std::map<std::string, LoadedCopy>* loaded;
    ~RemoveCopies() {
      std::error_code ignored;
      for (const auto& [engine, copy] : *loaded) std::filesystem::remove_all(copy.dir, ignored);
    }
  } remove_copies{&loaded};
  for (const std::string& name : flags.benchmarks) {
    const Workload& workload = *FindWorkload(name);
    for (int round = 0; round < flags.repeats; ++round) {
      for (const std::string& engine_name : flags.engines) {
        const EngineFactory& factory = *FindEngine(engine_name);
        progress << absl::StrFormat("[%d/%d] %s on %s\n", ++done, total, name, engine_name)
                 << std::flush;
        absl::StatusOr<RunResult> run = RunOne(flags, workload, factory, round, perf.get(), &loaded,
                                               &results.engines, progress);
        if (!run.ok()) return run.status();
        progress << absl::StrFormat("  %-16s %-8s %12.0f ops/s  p99 %.1f us%s\n", name, engine_name,
                                    run->ops_per_sec, run->p99_us,
                                    run->settled ? "" : "  (did not settle)")
                 << std::flush;
        results.runs.push_back(*std::move(run));
      }
    }
  }
  return results;
}

}  // namespace kvlsm::bench
