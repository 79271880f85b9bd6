#include "common/command_line.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace kvlsm::tools {

absl::StatusOr<CommandLine> CommandLine::Parse(int argc, const char* const* argv,
                                               std::span<const FlagSpec> flags) {
  CommandLine result;
  bool flags_ended = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (flags_ended || arg == "-" || !arg.starts_with("-")) {
      result.positional_.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    if (arg == "-h") {
      result.flags_["help"] = "";
      continue;
    }
    if (!arg.starts_with("--")) {
      return absl::InvalidArgumentError(absl::StrFormat("unknown option '%s'", arg));
    }
    const std::string_view body = arg.substr(2);
    const size_t eq = body.find('=');
    const std::string_view name = body.substr(0, eq);
    auto spec = std::find_if(flags.begin(), flags.end(),
                             [name](const FlagSpec& f) { return f.name == name; });
    if (spec == flags.end()) {
      return absl::InvalidArgumentError(absl::StrFormat("unknown flag --%s", name));
    }
    if (spec->value_name.empty()) {
      if (eq != std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrFormat("--%s takes no value", name));
      }
      result.flags_[std::string(name)] = "";
    } else if (eq != std::string_view::npos) {
      result.flags_[std::string(name)] = std::string(body.substr(eq + 1));
    } else if (i + 1 < argc) {
      result.flags_[std::string(name)] = argv[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrFormat("--%s needs a value (--%s=%s)", name, name, spec->value_name));
    }
  }
  return result;
}

std::optional<std::string> CommandLine::Value(std::string_view name) const {
  auto it = flags_.find(name);
  if (it == flags_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<uint64_t> CommandLine::Uint(std::string_view name, uint64_t absent) const {
  const std::optional<std::string> text = Value(name);
  if (!text) return absent;
  uint64_t value;
  if (!absl::SimpleAtoi(*text, &value) || text->starts_with("-") || text->starts_with("+")) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--%s=%s is not a non-negative integer", name, *text));
  }
  return value;
}

absl::Status CommandLine::CheckFlagsFor(std::string_view command,
                                        std::span<const std::string_view> allowed) const {
  for (const auto& [name, value] : flags_) {
    if (name == "help" || std::find(allowed.begin(), allowed.end(), name) != allowed.end()) {
      continue;
    }
    return absl::InvalidArgumentError(absl::StrFormat("%s does not take --%s", command, name));
  }
  return absl::OkStatus();
}

std::string FlagHelp(std::span<const FlagSpec> flags) {
  std::string out;
  for (const FlagSpec& f : flags) {
    std::string left = absl::StrFormat("--%s", f.name);
    if (!f.value_name.empty()) absl::StrAppendFormat(&left, "=%s", f.value_name);
    absl::StrAppendFormat(&out, "  %-20s %s\n", left, f.help);
  }
  return out;
}

}  // namespace kvlsm::tools
