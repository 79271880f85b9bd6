#include "markdown_report.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/str_format.h"
#include "json_output.h"
#include "results_table.h"
#include "targets.h"
#include "text_file.h"
#include "workload.h"

namespace kvlsm::bench {
namespace {

// One row per workload: the workload, then `per_engine` values for each engine (the
// median round), "NaN" where a run is missing (gnuplot leaves a gap).
std::string DataFile(const BenchmarkResults& results, const std::vector<std::string>& columns,
                     double (*value)(const RunResult&, size_t column)) {
  std::string out = "# workload";
  for (const EngineRecord& engine : results.engines) {
    for (const std::string& column : columns) out += absl::StrFormat(" %s%s", engine.name, column);
  }
  out += '\n';
  for (const std::string& workload : results.flags.benchmarks) {
    out += workload;
    for (const EngineRecord& engine : results.engines) {
      const RunResult* run = results.Median(workload, engine.name);
      for (size_t c = 0; c < columns.size(); ++c) {
        out += run == nullptr ? " NaN" : absl::StrFormat(" %.6g", value(*run, c));
      }
    }
    out += '\n';
  }
  return out;
}

double Throughput(const RunResult& run, size_t) { return run.ops_per_sec; }

double Latency(const RunResult& run, size_t column) {
  const double values[] = {run.p50_us, run.p99_us, run.p999_us};
  return values[column];
}

std::string PlotScript(const BenchmarkResults& results) {
  std::string names;
  for (const EngineRecord& engine : results.engines) {
    names += (names.empty() ? "" : " ") + engine.name;
  }
  // Shared look of both plots: clustered bars on a log scale, one colour per engine.
  constexpr const char* kStyle = R"(set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set key outside top center horizontal
set xtics rotate by -30 nomirror
)";
  std::string script = absl::StrFormat(
      "# Made by kvlsm-bench --report; run `gnuplot plots.gp` in this directory.\n"
      "engines = %d\n"
      "names = \"%s\"\n"
      "set terminal svg size 1100,520 dynamic font \"sans,11\" background rgb \"white\"\n"
      "%s"
      "set output \"throughput.svg\"\n"
      "set title \"Throughput per workload (operations per second, log scale; higher is "
      "better)\"\n"
      "plot for [e=1:engines] \"throughput.dat\" using (column(e+1)):xtic(1) "
      "title word(names, e)\n"
      "set terminal svg size 1100,1400 dynamic font \"sans,11\" background rgb \"white\"\n"
      "set output \"latency.svg\"\n"
      "set multiplot layout 3,1 title \"Latency per operation (microseconds, log scale; "
      "lower is better)\"\n",
      results.engines.size(), names, kStyle);
  const char* percentiles[] = {"p50", "p99", "p99.9"};
  for (int p = 0; p < 3; ++p) {
    script += absl::StrFormat(
        "set title \"%s\"\n"
        "plot for [e=1:engines] \"latency.dat\" using (column(2+3*(e-1)+%d)):xtic(1) "
        "title word(names, e)\n",
        percentiles[p], p);
  }
  script += "unset multiplot\n";
  return script;
}

std::string Markdown(const BenchmarkResults& results, const std::string& plot_problem) {
  const Flags& f = results.flags;
  const MachineInfo& m = results.machine;
  const auto or_unknown = [](const std::string& s) { return s.empty() ? "unknown" : s; };
  std::string md = "# kvlsm-bench report\n\n";
  md +=
      absl::StrFormat("Measured %s with `kvlsm-bench %s`.\n\n", or_unknown(m.date), f.command_line);
  md += "## Machine\n\n";
  md += absl::StrFormat(
      "- CPU: %s, %d cores online\n- memory: %.1f GiB\n- kernel: %s\n"
      "- file system of `%s`: %s\n\n",
      or_unknown(m.cpu), m.cores, static_cast<double>(m.memory_bytes) / (1 << 30),
      or_unknown(m.kernel), f.db_dir, or_unknown(m.filesystem));
  md += "## Workload parameters\n\n";
  md += absl::StrFormat(
      "%s records of %d-byte keys and %d-byte values (about 50%% compressible); %s operations "
      "per read or mixed workload; %d client thread(s); seed %d; compression %s; %s compaction; "
      "WAL sync %s; %d round(s) per workload and engine, the median shown.\n\n",
      WithThousands(static_cast<double>(f.num)), f.key_size, f.value_size,
      WithThousands(static_cast<double>(f.read_ops())), f.threads, f.seed,
      f.compression == Compression::kZstd ? "zstd" : "none", CompactionStyleName(f.compaction),
      f.sync ? "on every write" : "off", f.repeats);
  md += "## Settings in force\n\n" + RenderMarkdown(SettingsTable(results)) + "\n";
  md += "## Results\n\n" + RenderMarkdown(ResultsTable(results)) + "\n";
  md += "kvlsm/peer is kvlsm's throughput over the peer's: above 1.00 kvlsm is faster.\n\n";
  if (results.engines.size() > 1) {
    md += "## kvlsm against the goals\n\n" + RenderMarkdown(TargetsTable(CheckTargets(results))) +
          "\n";
  }
  if (plot_problem.empty()) {
    md += "![Throughput per workload](throughput.svg)\n\n![Latency percentiles](latency.svg)\n\n";
  } else {
    md += absl::StrFormat("No plots: %s. `gnuplot plots.gp` in this directory makes them.\n\n",
                          plot_problem);
  }
  md += R"(## Method

- Every workload runs on every engine in turn (A B C, A B C, ... for --repeats rounds), each
  time in a fresh directory. Workloads other than the fills first load the records (each
  written once, in random order; not measured).
- Settling, before and after every workload, the same for each engine: wait until the engine
  reports no pending background work (when it can tell) and its directory has not changed for
  the quiet time, close and reopen it (each engine then writes its memtable as a level-0
  table), wait again, and sync(2). Block caches start empty.
- ops/s: operations over the wall time of the client threads. Latency: the engine call(s) of
  each operation, in a histogram with buckets 1/64 of a power of two wide.
- Write amplification: bytes the process wrote to files (`/proc/self/io` write_bytes: page
  cache dirtied for the device, the same counter for every engine) from the start of the
  workload to the end of the settling after it, over the user bytes (key + value) the
  workload wrote. It therefore includes the WAL, the info log, the flushes and the
  compactions the workload caused. Not given for workloads that write nothing.
- Space amplification: bytes in the DB directory after settling over the live user bytes.
- Peak RSS: VmHWM of the process while the workload ran (reset at its start), harness
  included.
- Every value read is checked byte for byte against the value written (values are derived
  from the key, the seed and a generation number); a wrong, missing or unexpected value stops
  the run.

## Workloads

)";
  for (const std::string& name : f.benchmarks) {
    const Workload* workload = FindWorkload(name);
    md += absl::StrFormat("- `%s`: %s\n", name, std::string(workload->description));
  }
  return md;
}

// The workloads where kvlsm misses a throughput goal, one per line (scripts/run-benchmarks
// profiles them).
std::string BehindList(const BenchmarkResults& results) {
  std::string list;
  for (const TargetCheck& check : CheckTargets(results)) {
    if (check.throughput_behind) list += check.workload + "\n";
  }
  return list;
}

// Runs `gnuplot plots.gp` in dir, its messages to dir/gnuplot.log; returns its exit
// status (127 when it cannot be run).
int RunGnuplot(const std::string& dir) {
  const pid_t pid = ::fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    if (::chdir(dir.c_str()) == 0) {
      const int log = ::open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (log >= 0) ::dup2(log, STDERR_FILENO);
      ::execlp("gnuplot", "gnuplot", "plots.gp", static_cast<char*>(nullptr));
    }
    ::_exit(127);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return 127;
  const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // Keep the log only when it says something.
  std::error_code error;
  const std::string log = dir + "/gnuplot.log";
  if (rc == 0 && std::filesystem::file_size(log, error) == 0 && !error) {
    std::filesystem::remove(log, error);
  }
  return rc;
}

}  // namespace

absl::Status WriteMarkdownReport(const std::string& dir, const BenchmarkResults& results) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrFormat("cannot create --report=%s: %s", dir, error.message()));
  }
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"results.json", ResultsJson(results)},
      {"throughput.dat", DataFile(results, {""}, &Throughput)},
      {"latency.dat", DataFile(results, {"-p50", "-p99", "-p99.9"}, &Latency)},
      {"plots.gp", PlotScript(results)},
      {"behind.txt", BehindList(results)},
  };
  for (const auto& [name, text] : inputs) {
    absl::Status s = WriteTextFile(absl::StrFormat("%s/%s", dir, name), text);
    if (!s.ok()) return s;
  }
  std::string plot_problem;
  const int rc = RunGnuplot(dir);
  if (rc != 0) {
    plot_problem = absl::StrFormat(
        "gnuplot failed or is missing (exit status %d, see gnuplot.log; "
        "scripts/install-deps.sh installs it)",
        rc);
  }
  absl::Status s =
      WriteTextFile(absl::StrFormat("%s/report.md", dir), Markdown(results, plot_problem));
  if (!s.ok()) return s;
  if (!plot_problem.empty()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("report written to %s/report.md without plots: %s", dir, plot_problem));
  }
  return absl::OkStatus();
}

}  // namespace kvlsm::bench
