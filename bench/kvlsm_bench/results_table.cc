#include "results_table.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace kvlsm::bench {
namespace {

std::string Latency(double us) {
  return us < 100 ? absl::StrFormat("%.2f", us) : absl::StrFormat("%.0f", us);
}

std::string Optional(const std::optional<double>& value) {
  return value ? absl::StrFormat("%.2f", *value) : "-";
}

}  // namespace

std::string WithThousands(double value) {
  const std::string digits = absl::StrFormat("%.0f", std::max(0.0, value));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

Table ResultsTable(const BenchmarkResults& results) {
  Table table;
  table.header = {"workload", "engine",    "ops/s",     "MB/s",         "p50 us",    "p99 us",
                  "p99.9 us", "write amp", "space amp", "peak RSS MiB", "kvlsm/peer"};
  table.numeric.assign(table.header.size(), true);
  table.numeric[0] = table.numeric[1] = false;  // workload, engine
  for (const std::string& workload : results.flags.benchmarks) {
    const RunResult* kvlsm = results.Median(workload, "kvlsm");
    for (const EngineRecord& engine : results.engines) {
      const RunResult* run = results.Median(workload, engine.name);
      if (run == nullptr) continue;
      std::string ratio = "-";
      if (kvlsm != nullptr && run != kvlsm && run->ops_per_sec > 0) {
        ratio = absl::StrFormat("%.2f", kvlsm->ops_per_sec / run->ops_per_sec);
      }
      table.rows.push_back({
          workload,
          engine.name,
          WithThousands(run->ops_per_sec),
          absl::StrFormat("%.1f", run->mb_per_sec),
          Latency(run->p50_us),
          Latency(run->p99_us),
          Latency(run->p999_us),
          Optional(run->write_amp),
          Optional(run->space_amp),
          run->peak_rss_bytes ? absl::StrFormat("%.0f", *run->peak_rss_bytes / 1048576.0) : "-",
          ratio,
      });
      if (!run->note.empty()) {
        table.notes.push_back(absl::StrFormat("%s on %s: %s", workload, engine.name, run->note));
      }
      if (!run->settled) {
        table.notes.push_back(
            absl::StrFormat("%s on %s: did not settle: %s", workload, engine.name,
                            run->settle_note.empty() ? "no reason recorded" : run->settle_note));
      }
      if (run->write_amp && run->write_amp_source == "wchar") {
        table.notes.push_back(absl::StrFormat(
            "%s on %s: write amp from bytes passed to write(2): the file system reports no "
            "device writes",
            workload, engine.name));
      }
    }
  }
  return table;
}

Table SettingsTable(const BenchmarkResults& results) {
  Table table;
  table.header.push_back("setting");
  std::vector<std::string> names;
  for (const EngineRecord& engine : results.engines) {
    table.header.push_back(engine.name);
    for (const auto& [name, value] : engine.settings) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  for (const std::string& name : names) {
    std::vector<std::string> row = {name};
    for (const EngineRecord& engine : results.engines) {
      std::string value = "-";
      for (const auto& [setting, text] : engine.settings) {
        if (setting == name) value = text;
      }
      row.push_back(value);
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

Table TargetsTable(const std::vector<TargetCheck>& checks) {
  Table table;
  table.header = {"workload",
                  absl::StrFormat("vs RocksDB (goal %.2f)", kMinRatioToRocksDb),
                  absl::StrFormat("vs LevelDB (goal %.2f)", kMinRatioToLevelDb),
                  "write amp kvlsm / RocksDB",
                  absl::StrFormat("space amp (goal %.2f)", kMaxSpaceAmp),
                  "missed"};
  table.numeric = {false, true, true, true, true, false};
  for (const TargetCheck& check : checks) {
    std::string write_amp = "-";
    if (check.write_amp) {
      write_amp = absl::StrFormat("%.2f / %s", *check.write_amp, Optional(check.rocksdb_write_amp));
    }
    std::string missed;
    for (const std::string& miss : check.misses) missed += (missed.empty() ? "" : "; ") + miss;
    table.rows.push_back({check.workload, Optional(check.vs_rocksdb), Optional(check.vs_leveldb),
                          write_amp, Optional(check.space_amp), missed.empty() ? "-" : missed});
  }
  return table;
}

std::string RenderText(const Table& table) {
  std::vector<size_t> width(table.header.size());
  for (size_t c = 0; c < width.size(); ++c) width[c] = table.header[c].size();
  for (const auto& row : table.rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  std::string out;
  const auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size() && c < width.size(); ++c) {
      // Names left-aligned, numbers right-aligned.
      const bool left = !table.IsNumeric(c);
      out += absl::StrFormat(left ? "%-*s" : "%*s", static_cast<int>(width[c]), cells[c]);
      out += c + 1 < cells.size() ? "  " : "";
    }
    out += '\n';
  };
  line(table.header);
  size_t total = 0;
  for (size_t w : width) total += w + 2;
  out += std::string(total - 2, '-') + '\n';
  for (const auto& row : table.rows) line(row);
  for (const std::string& note : table.notes) out += "  * " + note + '\n';
  return out;
}

std::string RenderMarkdown(const Table& table) {
  std::string out = "|";
  for (const std::string& cell : table.header) out += " " + cell + " |";
  out += "\n|";
  for (size_t c = 0; c < table.header.size(); ++c) out += table.IsNumeric(c) ? "---:|" : "---|";
  out += '\n';
  for (const auto& row : table.rows) {
    out += "|";
    for (const std::string& cell : row) out += " " + cell + " |";
    out += '\n';
  }
  if (!table.notes.empty()) out += '\n';
  for (const std::string& note : table.notes) out += "- " + note + '\n';
  return out;
}

}  // namespace kvlsm::bench
