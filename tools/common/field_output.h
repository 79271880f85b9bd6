// Field output, shared by the tools' commands: named fields printed as text lines or as
// JSON members, so that a command describes what it found once and prints it either way.
// (Not to be confused with kvlsm-bench's markdown_report.h, a Markdown report of a run.)
//
// Thread safety: plain functions.
#ifndef KVLSM_TOOLS_COMMON_FIELD_OUTPUT_H_
#define KVLSM_TOOLS_COMMON_FIELD_OUTPUT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "common/bytes_format.h"
#include "support/json_writer.h"

namespace kvlsm::tools {

struct Field {
  using Value = std::variant<uint64_t, double, bool, std::string>;
  std::string name;
  Value value;
};

enum class TextLayout {
  kLines,    // "<indent><name>: <value>", one line per field, names aligned.
  kOneLine,  // "<indent>name=value name=value ...", strings quoted when they hold spaces.
};

// With json: one member per field (in the object the caller opened). Without: the fields
// on stdout, laid out as `layout` says.
void WriteFields(const std::vector<Field>& fields, support::JsonWriter* json,
                 std::string_view indent, TextLayout layout = TextLayout::kLines);

// One record of a list: with json, the fields as an object of their own (an element of
// the array the caller opened); without, one "<indent>name=value ..." line.
void WriteRecord(const std::vector<Field>& fields, support::JsonWriter* json,
                 std::string_view indent);

// "PUT", "DELETE", "MERGE" for an entry type byte; "UNKNOWN" otherwise.
const char* EntryTypeName(uint8_t type);

// An internal key as three fields: `name` (the user key, encoded with `format`),
// `name`_sequence and `name`_type; a malformed key as `name`_malformed.
void AddInternalKeyFields(std::vector<Field>* fields, const std::string& name,
                          std::string_view internal_key, const BytesFormat& format);

// With json: a member `name` holding the messages of `problems` as an array of strings.
// Without: one "<indent>DAMAGED: <message>" line each on stdout.
void WriteProblems(std::string_view name, const std::vector<absl::Status>& problems,
                   support::JsonWriter* json, std::string_view indent);

// OK when there is no problem, else the first.
absl::Status FirstProblem(const std::vector<absl::Status>& problems);

// "2023-11-14T22:13:20Z" for seconds since the Unix epoch.
std::string FormatUnixTime(uint64_t seconds);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_COMMON_FIELD_OUTPUT_H_
