#include "common/field_output.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "base/dbformat.h"

namespace kvlsm::tools {
namespace {

std::string TextOf(const Field::Value& value) {
  if (const auto* u = std::get_if<uint64_t>(&value)) return absl::StrFormat("%d", *u);
  if (const auto* d = std::get_if<double>(&value)) return absl::StrFormat("%.3f", *d);
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  return std::get<std::string>(value);
}

}  // namespace

void WriteFields(const std::vector<Field>& fields, support::JsonWriter* json,
                 std::string_view indent, TextLayout layout) {
  if (json != nullptr) {
    for (const Field& f : fields) {
      json->Key(f.name);
      std::visit(
          [json](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, uint64_t>) json->Uint(v);
            if constexpr (std::is_same_v<T, double>) json->Double(v);
            if constexpr (std::is_same_v<T, bool>) json->Bool(v);
            if constexpr (std::is_same_v<T, std::string>) json->String(v);
          },
          f.value);
    }
    return;
  }
  if (layout == TextLayout::kOneLine) {
    std::string line(indent);
    for (const Field& f : fields) {
      std::string text = TextOf(f.value);
      const bool quote = std::holds_alternative<std::string>(f.value) &&
                         (text.empty() || text.find_first_of(" =") != std::string::npos);
      if (quote) text = absl::StrFormat("\"%s\"", text);
      absl::StrAppendFormat(&line, "%s%s=%s", &f == &fields.front() ? "" : " ", f.name, text);
    }
    std::printf("%s\n", line.c_str());
    return;
  }
  size_t width = 0;
  for (const Field& f : fields) width = std::max(width, f.name.size());
  for (const Field& f : fields) {
    std::printf("%s%-*s  %s\n", std::string(indent).c_str(), static_cast<int>(width + 1),
                (f.name + ":").c_str(), TextOf(f.value).c_str());
  }
}

void WriteRecord(const std::vector<Field>& fields, support::JsonWriter* json,
                 std::string_view indent) {
  if (json != nullptr) json->BeginObject();
  WriteFields(fields, json, indent, TextLayout::kOneLine);
  if (json != nullptr) json->EndObject();
}

void WriteProblems(std::string_view name, const std::vector<absl::Status>& problems,
                   support::JsonWriter* json, std::string_view indent) {
  if (json != nullptr) {
    json->Key(name);
    json->BeginArray();
    for (const absl::Status& p : problems) json->String(std::string(p.message()));
    json->EndArray();
    return;
  }
  for (const absl::Status& p : problems) {
    std::printf("%s%s: %s\n", std::string(indent).c_str(),
                absl::IsDataLoss(p) ? "DAMAGED" : "ERROR", std::string(p.message()).c_str());
  }
}

const char* EntryTypeName(uint8_t type) {
  switch (type) {
    case static_cast<uint8_t>(ValueType::kPut):
      return "PUT";
    case static_cast<uint8_t>(ValueType::kDelete):
      return "DELETE";
    case static_cast<uint8_t>(ValueType::kMerge):
      return "MERGE";
  }
  return "UNKNOWN";
}

void AddInternalKeyFields(std::vector<Field>* fields, const std::string& name,
                          std::string_view internal_key, const BytesFormat& format) {
  ParsedInternalKey parsed;
  if (!ParseInternalKey(internal_key, &parsed)) {
    fields->push_back({name + "_malformed", format.Encode(internal_key)});
    return;
  }
  fields->push_back({name, format.Encode(parsed.user_key)});
  fields->push_back({name + "_sequence", uint64_t{parsed.sequence}});
  fields->push_back(
      {name + "_type", std::string(EntryTypeName(static_cast<uint8_t>(parsed.type)))});
}

absl::Status FirstProblem(const std::vector<absl::Status>& problems) {
  return problems.empty() ? absl::OkStatus() : problems.front();
}

std::string FormatUnixTime(uint64_t seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(static_cast<int64_t>(seconds)),
                          absl::UTCTimeZone());
}

}  // namespace kvlsm::tools
