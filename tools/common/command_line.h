// CommandLine: a tool's arguments, split into positional arguments and declared flags.
//
//   --name=value   a flag with a value (or `--name value`, for flags that take one)
//   --name         a switch
//   --             every later argument is positional (e.g. a key starting with "-")
//   -h             the same as --help
//
// Flags may come before, between or after positional arguments. An undeclared flag, a
// switch given a value and a flag missing its value are InvalidArgument (usage errors). A
// flag given twice keeps the last value.
//
// Thread safety: a plain value.
#ifndef KVLSM_TOOLS_COMMON_COMMAND_LINE_H_
#define KVLSM_TOOLS_COMMON_COMMAND_LINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kvlsm::tools {

struct FlagSpec {
  std::string_view name;        // Without the dashes: "from".
  std::string_view value_name;  // "KEY" for --from=KEY; empty for a switch.
  std::string_view help;        // One line.
};

class CommandLine {
 public:
  // argv[0] is the program and is skipped.
  static absl::StatusOr<CommandLine> Parse(int argc, const char* const* argv,
                                           std::span<const FlagSpec> flags);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(std::string_view name) const { return flags_.contains(name); }
  // The value of a flag that takes one, or nullopt when it was not given.
  std::optional<std::string> Value(std::string_view name) const;
  // A non-negative integer flag: `absent` when not given; InvalidArgument naming the flag
  // when it is not a number.
  absl::StatusOr<uint64_t> Uint(std::string_view name, uint64_t absent) const;
  // InvalidArgument naming the first flag given that `command` does not take.
  absl::Status CheckFlagsFor(std::string_view command,
                             std::span<const std::string_view> allowed) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string, std::less<>> flags_;  // A switch maps to "".
};

// The help lines of `flags`, one per flag: "  --from=KEY      first key (inclusive)".
std::string FlagHelp(std::span<const FlagSpec> flags);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_COMMON_COMMAND_LINE_H_
