// kvlsm-inspect: looks inside a DB directory (data, MANIFEST, WALs, files, properties) and
// checks its health. docs/tools.md has examples; --help lists commands and flags.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_format.h"
#include "base/filename.h"
#include "common/command_line.h"
#include "common/exit_code.h"
#include "inspect/data_commands.h"
#include "inspect/health_commands.h"
#include "inspect/structure_commands.h"

namespace kvlsm::tools {
namespace {

constexpr std::string_view kTool = "kvlsm-inspect";

constexpr FlagSpec kFlags[] = {
    {"from", "KEY", "scan: the first key (inclusive); compact: the first key (inclusive)"},
    {"to", "KEY",
     "scan: the key where the scan stops (exclusive); compact: the last key "
     "(inclusive)"},
    {"prefix", "KEY", "scan: only keys starting with KEY"},
    {"limit", "N", "scan: at most N keys; wal: at most N records listed per file"},
    {"write", "", "put, delete: allow the command to change the DB"},
    {"edits", "", "manifest: also list every edit"},
    {"entries", "", "wal: also list every update of every record"},
    {"file", "PATH", "wal: read only this WAL file (NNNNNN.log)"},
    {"index-dir", "DIR", "the .idx files are in DIR (Options::index_path)"},
    {"salvage", "", "open a damaged DB anyway: no paranoid checks, damaged WAL records skipped"},
    {"hex", "", "keys and values in hex, in the output and in arguments"},
    {"json", "", "machine-readable output: one JSON object"},
    {"help", "", "this help, or a command's (kvlsm-inspect COMMAND --help)"},
};

struct Command {
  std::string_view name;
  std::string_view args;  // "KEY", "KEY VALUE" or "".
  std::string_view summary;
  absl::Status (*run)(const InspectContext&);
  std::vector<std::string_view> flags;  // Beyond the common ones.
  bool writes = false;                  // Needs --write.
};

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"get", "KEY", "the value of KEY (exit status 1 when it has none)", &GetCommand, {}},
      {"scan", "", "keys and values in key order", &ScanCommand, {"from", "to", "prefix", "limit"}},
      {"put",
       "KEY VALUE",
       "stores VALUE under KEY (takes the DB's lock)",
       &PutCommand,
       {"write"},
       true},
      {"delete", "KEY", "deletes KEY (takes the DB's lock)", &DeleteCommand, {"write"}, true},
      {"manifest",
       "",
       "levels and tables: sizes, key and sequence ranges, counts",
       &ManifestCommand,
       {"edits"}},
      {"wal",
       "",
       "WAL records: offset, sequence, updates by type",
       &WalCommand,
       {"entries", "file", "limit"}},
      {"files", "", "every file: live, orphan, missing or foreign", &FilesCommand, {}},
      {"stats", "", "kvlsm.stats and the other properties", &StatsCommand, {}},
      {"verify",
       "",
       "every block of every live table, every referenced file and its size, every live WAL "
       "record",
       &VerifyCommand,
       {}},
      {"compact",
       "",
       "DB::CompactRange over [--from, --to] (takes the DB's lock)",
       &CompactCommand,
       {"from", "to"}},
  };
  return commands;
}

const Command* FindCommand(std::string_view name) {
  for (const Command& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

size_t ArgCount(const Command& command) {
  if (command.args.empty()) return 0;
  return static_cast<size_t>(std::count(command.args.begin(), command.args.end(), ' ')) + 1;
}

std::vector<std::string_view> AllowedFlags(const Command& command) {
  std::vector<std::string_view> allowed = {"index-dir", "salvage", "hex", "json"};
  allowed.insert(allowed.end(), command.flags.begin(), command.flags.end());
  return allowed;
}

std::string Usage(const Command& c) {
  return absl::StrFormat("kvlsm-inspect [flags] DBPATH %s%s%s", c.name, c.args.empty() ? "" : " ",
                         c.args);
}

void PrintHelp(const Command* command) {
  if (command != nullptr) {
    std::printf("%s\n\n  %s\n\nFlags:\n", Usage(*command).c_str(),
                std::string(command->summary).c_str());
    const std::vector<std::string_view> allowed = AllowedFlags(*command);
    std::vector<FlagSpec> flags;
    for (const FlagSpec& f : kFlags) {
      if (std::find(allowed.begin(), allowed.end(), f.name) != allowed.end()) flags.push_back(f);
    }
    std::printf("%s", FlagHelp(flags).c_str());
    return;
  }
  std::printf(
      "kvlsm-inspect [flags] DBPATH COMMAND [ARGS]\n\n"
      "Looks inside a kvlsm DB directory and checks its health. Every command but put,\n"
      "delete and compact only reads: it takes no lock and writes nothing, so it works beside\n"
      "the process that has the DB open, and on a damaged copy.\n\nCommands:\n");
  for (const Command& c : Commands()) {
    const std::string left = absl::StrFormat("%s %s", c.name, c.args);
    std::printf("  %-18s %s\n", left.c_str(), std::string(c.summary).c_str());
  }
  std::printf("\nFlags:\n%s", FlagHelp(kFlags).c_str());
  std::printf(
      "\nExit status: 0 when the command succeeded and found nothing wrong, 1 when it found\n"
      "a problem (damage, named with its file and offset; a missing file; a missing key for\n"
      "get; a DB locked by another process for put, delete and compact), 2 for a usage\n"
      "error.\n");
}

// Fills the parts of the context that come from the command line; usage errors as
// InvalidArgument.
absl::Status BuildContext(const CommandLine& command_line, const Command& command,
                          InspectContext* context) {
  const std::vector<std::string>& positional = command_line.positional();
  if (positional.size() != 2 + ArgCount(command)) {
    return absl::InvalidArgumentError(absl::StrFormat("usage: %s", Usage(command)));
  }
  if (command.writes && !command_line.Has("write")) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s changes the DB: add --write to allow it", command.name));
  }
  context->env = Env::Default();
  context->db_path = positional[0];
  context->format = BytesFormat(command_line.Has("hex"));
  for (size_t i = 2; i < positional.size(); ++i) {
    auto bytes = context->format.Decode(positional[i], "argument");
    if (!bytes.ok()) return bytes.status();
    context->args.push_back(*std::move(bytes));
  }
  auto range = KeyRange::FromCommandLine(command_line, context->format);
  if (!range.ok()) return range.status();
  context->range = *std::move(range);
  context->options.env = context->env;
  context->options.index_path = command_line.Value("index-dir").value_or("");
  context->index_dir =
      context->options.index_path.empty() ? context->db_path : context->options.index_path;
  context->salvage = command_line.Has("salvage");
  if (context->salvage) {
    context->options.paranoid_checks = false;
    context->options.wal_recovery_mode = WalRecoveryMode::kSkipAnyCorruptedRecords;
  }
  context->write = command_line.Has("write");
  context->entries = command_line.Has("entries");
  context->edits = command_line.Has("edits");
  context->wal_file = command_line.Value("file").value_or("");
  if (!context->wal_file.empty()) {
    const size_t slash = context->wal_file.rfind('/');
    FileType type;
    if (!ParseFileName(
            std::string_view(context->wal_file).substr(slash == std::string::npos ? 0 : slash + 1),
            &context->wal_file_number, &type) ||
        type != FileType::kLog) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--file=%s: a WAL file is named NNNNNN.log", context->wal_file));
    }
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  auto command_line = CommandLine::Parse(argc, argv, kFlags);
  if (!command_line.ok()) {
    return ReportUsageError(kTool, std::string(command_line.status().message()));
  }
  const std::vector<std::string>& positional = command_line->positional();
  // COMMAND follows DBPATH; with --help it may come alone.
  const Command* command = nullptr;
  for (size_t i = 0; i < std::min<size_t>(positional.size(), 2) && command == nullptr; ++i) {
    if (i == 1 || command_line->Has("help")) command = FindCommand(positional[i]);
  }
  if (command_line->Has("help")) {
    PrintHelp(command);
    return kExitOk;
  }
  if (positional.size() < 2) return ReportUsageError(kTool, "DBPATH and COMMAND are needed");
  if (command == nullptr) {
    return ReportUsageError(kTool, absl::StrFormat("unknown command '%s'", positional[1]));
  }
  if (absl::Status s = command_line->CheckFlagsFor(command->name, AllowedFlags(*command));
      !s.ok()) {
    return ReportUsageError(kTool, std::string(s.message()));
  }
  InspectContext context;
  if (absl::Status s = BuildContext(*command_line, *command, &context); !s.ok()) {
    return ReportUsageError(kTool, std::string(s.message()));
  }

  support::JsonWriter json = support::JsonWriter::ToFile(stdout);
  if (command_line->Has("json")) {
    context.json = &json;
    json.BeginObject();
    json.Member("db", context.db_path);
    json.Member("command", command->name);
  }
  const absl::Status s = command->run(context);
  if (context.json != nullptr) {
    json.Member("ok", s.ok());
    if (!s.ok()) json.Member("error", std::string(s.message()));
    json.EndObject();
  } else if (s.ok() && (command->writes || command->name == "compact")) {
    std::printf("OK\n");
  }
  std::fflush(stdout);
  return ReportProblem(kTool, s);
}

}  // namespace
}  // namespace kvlsm::tools

int main(int argc, char** argv) { return kvlsm::tools::Main(argc, argv); }
