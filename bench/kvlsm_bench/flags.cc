#include "flags.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "key_value_format.h"
#include "workload.h"

namespace kvlsm::bench {
namespace {

absl::Status BadValue(std::string_view flag, std::string_view value, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrFormat("--%s=%s: %s", std::string(flag), std::string(value), std::string(why)));
}

template <typename Int>
absl::Status ParseInt(std::string_view flag, std::string_view value, Int low, Int high, Int* out) {
  Int parsed{};
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (error != std::errc() || end != value.data() + value.size()) {
    return BadValue(flag, value, "not an integer");
  }
  if (parsed < low || parsed > high) {
    return BadValue(flag, value, absl::StrFormat("out of range [%d, %d]", low, high));
  }
  *out = parsed;
  return absl::OkStatus();
}

absl::Status ParseBool(std::string_view flag, std::string_view value, bool* out) {
  if (value == "true" || value == "1") {
    *out = true;
  } else if (value == "false" || value == "0") {
    *out = false;
  } else {
    return BadValue(flag, value, "expected true or false");
  }
  return absl::OkStatus();
}

// A comma-separated list of names, each accepted by `known`; "all" (or empty) is
// `everything`.
absl::Status ParseList(std::string_view flag, std::string_view value,
                       const std::vector<std::string>& everything, std::vector<std::string>* out) {
  out->clear();
  if (value.empty() || value == "all") {
    *out = everything;
    return absl::OkStatus();
  }
  std::string_view rest = value;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view name = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (name.empty()) continue;
    if (std::find(everything.begin(), everything.end(), name) == everything.end()) {
      return BadValue(flag, value,
                      absl::StrFormat("unknown name \"%s\"; this build has: %s", std::string(name),
                                      absl::StrJoin(everything, ",")));
    }
    out->emplace_back(name);
  }
  return absl::OkStatus();
}

std::vector<std::string> EngineNames() {
  std::vector<std::string> names;
  for (const EngineFactory& factory : CompiledEngines()) names.push_back(factory.name);
  return names;
}

std::vector<std::string> WorkloadNames() {
  std::vector<std::string> names;
  for (const Workload& workload : AllWorkloads()) names.emplace_back(workload.name);
  return names;
}

using Setter = std::function<absl::Status(std::string_view flag, std::string_view value)>;

std::map<std::string, Setter, std::less<>> Setters(Flags* f) {
  constexpr uint64_t kMaxRecords = uint64_t{1} << 40;
  return {
      {"engines", [f](auto n, auto v) { return ParseList(n, v, EngineNames(), &f->engines); }},
      {"benchmarks",
       [f](auto n, auto v) { return ParseList(n, v, WorkloadNames(), &f->benchmarks); }},
      {"num", [f](auto n, auto v) { return ParseInt<uint64_t>(n, v, 1, kMaxRecords, &f->num); }},
      {"reads",
       [f](auto n, auto v) { return ParseInt<uint64_t>(n, v, 0, kMaxRecords, &f->reads); }},
      {"key_size",
       [f](auto n, auto v) {
         return ParseInt<size_t>(n, v, 1, KeyValueFormat::kMaxKeySize, &f->key_size);
       }},
      {"value_size",
       [f](auto n, auto v) {
         return ParseInt<size_t>(n, v, KeyValueFormat::kMinValueSize, KeyValueFormat::kMaxValueSize,
                                 &f->value_size);
       }},
      {"threads", [f](auto n, auto v) { return ParseInt(n, v, 1, 256, &f->threads); }},
      {"seed", [f](auto n, auto v) { return ParseInt<uint64_t>(n, v, 0, UINT64_MAX, &f->seed); }},
      {"compression",
       [f](auto n, auto v) {
         if (v == "none") {
           f->compression = Compression::kNone;
         } else if (v == "zstd") {
           f->compression = Compression::kZstd;
         } else {
           return BadValue(n, v, "expected none or zstd");
         }
         return absl::OkStatus();
       }},
      {"compaction",
       [f](auto n, auto v) {
         for (CompactionStyle style : {CompactionStyle::kLeveled, CompactionStyle::kSizeTiered}) {
           if (v == CompactionStyleName(style)) {
             f->compaction = style;
             return absl::OkStatus();
           }
         }
         return BadValue(n, v, "expected leveled or size-tiered");
       }},
      {"sync", [f](auto n, auto v) { return ParseBool(n, v, &f->sync); }},
      {"cache_mb",
       [f](auto n, auto v) { return ParseInt<size_t>(n, v, 1, 1 << 20, &f->cache_mb); }},
      {"bloom_bits", [f](auto n, auto v) { return ParseInt(n, v, 0, 100, &f->bloom_bits); }},
      {"write_buffer_mb",
       [f](auto n, auto v) { return ParseInt<size_t>(n, v, 1, 1 << 16, &f->write_buffer_mb); }},
      {"db_dir",
       [f](auto n, auto v) {
         if (v.empty()) return BadValue(n, v, "must name a directory");
         f->db_dir = std::string(v);
         return absl::OkStatus();
       }},
      {"reload", [f](auto n, auto v) { return ParseBool(n, v, &f->reload); }},
      {"repeats", [f](auto n, auto v) { return ParseInt(n, v, 1, 100, &f->repeats); }},
      {"settle_ms", [f](auto n, auto v) { return ParseInt(n, v, 0, 600'000, &f->settle_ms); }},
      {"settle_stall_s",
       [f](auto n, auto v) { return ParseInt(n, v, 1, 86'400, &f->settle_stall_s); }},
      {"settle_timeout_s",
       [f](auto n, auto v) { return ParseInt(n, v, 1, 86'400, &f->settle_timeout_s); }},
      {"json",
       [f](auto n, auto v) {
         f->json_path = std::string(v);
         return absl::OkStatus();
       }},
      {"report",
       [f](auto n, auto v) {
         f->report_dir = std::string(v);
         return absl::OkStatus();
       }},
      {"perf_control",
       [f](auto n, auto v) {
         f->perf_control = std::string(v);
         return absl::OkStatus();
       }},
  };
}

}  // namespace

std::string FlagsHelp() {
  return absl::StrFormat(
      "kvlsm-bench: the same workloads on kvlsm, RocksDB and LevelDB, side by side.\n"
      "\n"
      "  --engines=LIST         engines to run, in turn (default all: %s)\n"
      "  --benchmarks=LIST      workloads (default all: %s)\n"
      "  --num=N                records loaded or written (1000000)\n"
      "  --reads=N              operations of read and mixed workloads (0: --num)\n"
      "  --key_size=B           key bytes (16)\n"
      "  --value_size=B         value bytes (100)\n"
      "  --threads=N            client threads; readwhilewriting adds one writer (1)\n"
      "  --seed=N               keys, values and random choices (301)\n"
      "  --compression=none|zstd  block compression (none); LevelDB has Snappy for zstd\n"
      "  --compaction=STYLE     leveled or size-tiered (leveled); size-tiered is RocksDB's\n"
      "                         universal style; LevelDB has only leveled\n"
      "  --sync                 fdatasync the WAL on every write (false)\n"
      "  --cache_mb=N           block cache of each engine (32)\n"
      "  --bloom_bits=N         Bloom filter bits per key, 0 for none (10)\n"
      "  --write_buffer_mb=N    memtable size (64)\n"
      "  --db_dir=DIR           where <DIR>/<engine> is made afresh for every run "
      "(/tmp/kvlsm-bench)\n"
      "  --reload               load the records afresh for every workload that needs them,\n"
      "                         instead of copying a DB loaded and settled once per engine\n"
      "  --repeats=N            rounds of all engines per workload; the median is shown (1)\n"
      "  --settle_ms=N          quiet time that counts as settled (1000)\n"
      "  --settle_stall_s=N     stop waiting when the engine reports pending work but its\n"
      "                         directory has not changed for N s (60)\n"
      "  --settle_timeout_s=N   longest wait for an engine to settle (1800)\n"
      "  --json=FILE            write every run as JSON\n"
      "  --report=DIR           write DIR/report.md with SVG plots (gnuplot)\n"
      "  --perf_control=CTL,ACK perf record --control FIFOs: sample only the workloads\n",
      absl::StrJoin(EngineNames(), ","), absl::StrJoin(WorkloadNames(), ","));
}

absl::StatusOr<Flags> ParseFlags(int argc, const char* const* argv) {
  Flags flags;
  flags.engines = EngineNames();
  flags.benchmarks = WorkloadNames();
  const auto setters = Setters(&flags);
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i > 1) flags.command_line += ' ';
    flags.command_line += arg;
    if (arg == "--help" || arg == "-h") return absl::CancelledError(FlagsHelp());
    if (!arg.starts_with("--")) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "unexpected argument \"%s\" (flags are --name=value; see --help)", std::string(arg)));
    }
    const size_t equals = arg.find('=');
    const std::string_view name =
        arg.substr(2, equals == std::string_view::npos ? std::string_view::npos : equals - 2);
    const auto setter = setters.find(name);
    if (setter == setters.end()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("unknown flag --%s (see --help)", std::string(name)));
    }
    // A flag without a value: true for the boolean flags, an error for the others.
    std::string_view value = "true";
    if (equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
    } else if (name != "sync" && name != "reload") {
      return absl::InvalidArgumentError(
          absl::StrFormat("--%s needs a value: --%s=...", std::string(name), std::string(name)));
    }
    absl::Status s = setter->second(name, value);
    if (!s.ok()) return s;
  }
  const bool inserts = std::find(flags.benchmarks.begin(), flags.benchmarks.end(), "ycsbe") !=
                       flags.benchmarks.end();
  absl::Status s = KeyValueFormat::Validate(flags.key_size, flags.value_size,
                                            flags.num + (inserts ? flags.read_ops() : 0));
  if (!s.ok()) return s;
  return flags;
}

}  // namespace kvlsm::bench
