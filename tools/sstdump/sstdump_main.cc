// kvlsm-sstdump: looks inside table pairs (NNNNNN.sst + NNNNNN.idx) without a DB.
// docs/tools.md has examples; --help lists commands and flags.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/command_line.h"
#include "common/exit_code.h"
#include "sstdump/sst_commands.h"

namespace kvlsm::tools {
namespace {

constexpr std::string_view kTool = "kvlsm-sstdump";

constexpr FlagSpec kFlags[] = {
    {"command", "NAME", "check, scan (the default), raw, props or verify"},
    {"index-dir", "DIR", "the .idx files are in DIR (Options::index_path), not beside the .sst"},
    {"from", "KEY", "scan: the first key shown (inclusive)"},
    {"to", "KEY", "scan: the key where the scan stops (exclusive)"},
    {"prefix", "KEY", "scan: only keys starting with KEY"},
    {"limit", "N", "scan: at most N entries; raw: at most N data blocks"},
    {"hex", "", "keys and values in hex, in the output and in --from/--to/--prefix"},
    {"json", "", "machine-readable output: a JSON array with one object per FILE"},
    {"help", "", "this help, or a command's with --command=NAME"},
};

struct Command {
  std::string_view name;
  std::string_view summary;
  absl::Status (*run)(const TablePaths&, const SstDumpSettings&);
  std::vector<std::string_view> flags;  // Beyond the common ones.
};

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"check",
       "footer, magic, format version and the checksum of every block of both files",
       &CheckTable,
       {}},
      {"scan",
       "every entry, all versions: user key, sequence, type, value",
       &ScanTable,
       {"from", "to", "prefix", "limit"}},
      {"raw",
       "the footer's block handles, and every data block: handle, compression, "
       "entries, index separator",
       &DumpRawBlocks,
       {"limit"}},
      {"props",
       "every property: counts, key and sequence ranges, sizes, compression ratio, "
       "comparator, filter, creation time",
       &DumpProperties,
       {}},
      {"verify",
       "a full read through the table reader: every block and entry, in order, "
       "counted against the properties",
       &VerifyTable,
       {}},
  };
  return commands;
}

const Command* FindCommand(std::string_view name) {
  for (const Command& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void PrintHelp(const Command* command) {
  if (command != nullptr) {
    std::printf("kvlsm-sstdump --command=%s [flags] FILE...\n\n  %s\n\nFlags:\n",
                std::string(command->name).c_str(), std::string(command->summary).c_str());
    std::vector<FlagSpec> flags;
    for (const FlagSpec& f : kFlags) {
      const bool own =
          std::find(command->flags.begin(), command->flags.end(), f.name) != command->flags.end();
      if (own || f.name == "index-dir" || f.name == "hex" || f.name == "json") {
        flags.push_back(f);
      }
    }
    std::printf("%s", FlagHelp(flags).c_str());
    return;
  }
  std::printf(
      "kvlsm-sstdump [--command=NAME] [flags] FILE...\n\n"
      "Looks inside kvlsm table pairs without a DB. FILE names either half of a pair\n"
      "(NNNNNN.sst or NNNNNN.idx); the other half is found beside it, or with --index-dir\n"
      "the .idx there.\n\nCommands:\n");
  for (const Command& c : Commands()) {
    std::printf("  %-8s %s\n", std::string(c.name).c_str(), std::string(c.summary).c_str());
  }
  std::printf("\nFlags:\n%s", FlagHelp(kFlags).c_str());
  std::printf(
      "\nExit status: 0 when every table is fine, 1 when a problem is found (damage, named\n"
      "with its file and offset; a missing file), 2 for a usage error.\n");
}

int Main(int argc, char** argv) {
  auto command_line = CommandLine::Parse(argc, argv, kFlags);
  if (!command_line.ok())
    return ReportUsageError(kTool, std::string(command_line.status().message()));
  const std::string name = command_line->Value("command").value_or("scan");
  const Command* command = FindCommand(name);
  if (command_line->Has("help")) {
    PrintHelp(command_line->Has("command") ? command : nullptr);
    return kExitOk;
  }
  if (command == nullptr) {
    return ReportUsageError(kTool, absl::StrFormat("unknown command '%s'", name));
  }
  std::vector<std::string_view> allowed = {"command", "index-dir", "hex", "json"};
  allowed.insert(allowed.end(), command->flags.begin(), command->flags.end());
  if (absl::Status s = command_line->CheckFlagsFor(name, allowed); !s.ok()) {
    return ReportUsageError(kTool, std::string(s.message()));
  }
  if (command_line->positional().empty()) return ReportUsageError(kTool, "no FILE given");

  SstDumpSettings settings;
  settings.env = Env::Default();
  settings.format = BytesFormat(command_line->Has("hex"));
  auto range = KeyRange::FromCommandLine(*command_line, settings.format);
  if (!range.ok()) return ReportUsageError(kTool, std::string(range.status().message()));
  settings.range = *std::move(range);
  std::vector<TablePaths> tables;
  for (const std::string& file : command_line->positional()) {
    auto paths = ResolveTablePaths(file, command_line->Value("index-dir"));
    if (!paths.ok()) return ReportUsageError(kTool, std::string(paths.status().message()));
    tables.push_back(*std::move(paths));
  }

  support::JsonWriter json = support::JsonWriter::ToFile(stdout);
  if (command_line->Has("json")) {
    settings.json = &json;
    json.BeginArray();
  }
  int exit_code = kExitOk;
  for (size_t i = 0; i < tables.size(); ++i) {
    const TablePaths& paths = tables[i];
    const std::string& file = command_line->positional()[i];
    if (settings.json != nullptr) {
      json.BeginObject();
      json.Member("file", file);
      json.Member("sst", paths.sst);
      json.Member("idx", paths.idx);
      json.Member("command", name);
    } else {
      std::printf("%s + %s:\n", paths.sst.c_str(), paths.idx.c_str());
    }
    absl::Status s = CheckBothHalvesExist(settings.env, paths, file.ends_with(".idx"));
    if (s.ok()) s = command->run(paths, settings);
    if (settings.json != nullptr) {
      json.Member("ok", s.ok());
      if (!s.ok()) json.Member("error", std::string(s.message()));
      json.EndObject();
    } else {
      std::printf("  %s: %s\n", name.c_str(), s.ok() ? "OK" : "FAILED");
    }
    std::fflush(stdout);
    if (!s.ok()) exit_code = ReportProblem(kTool, s);
  }
  if (settings.json != nullptr) json.EndArray();
  return exit_code;
}

}  // namespace
}  // namespace kvlsm::tools

int main(int argc, char** argv) { return kvlsm::tools::Main(argc, argv); }
