#include "table/table_properties.h"

#include <cstddef>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/dbformat.h"
#include "util/coding.h"

namespace kvlsm {
namespace {

// One persisted property. Exactly one of integer and text is set.
struct Field {
  uint32_t tag;
  const char* name;
  uint64_t TableProperties::*integer;
  std::string TableProperties::*text;
};

// Persisted tags: never renumber; a retired tag stays reserved. Sorted by tag.
constexpr Field kFields[] = {
    {1, "num_entries", &TableProperties::num_entries, nullptr},
    {2, "num_deletions", &TableProperties::num_deletions, nullptr},
    {3, "num_merges", &TableProperties::num_merges, nullptr},
    {4, "raw_key_bytes", &TableProperties::raw_key_bytes, nullptr},
    {5, "raw_value_bytes", &TableProperties::raw_value_bytes, nullptr},
    {6, "data_size", &TableProperties::data_size, nullptr},
    {7, "index_size", &TableProperties::index_size, nullptr},
    {8, "filter_size", &TableProperties::filter_size, nullptr},
    {9, "num_data_blocks", &TableProperties::num_data_blocks, nullptr},
    {10, "smallest_key", nullptr, &TableProperties::smallest_key},
    {11, "largest_key", nullptr, &TableProperties::largest_key},
    {12, "smallest_seqno", &TableProperties::smallest_seqno, nullptr},
    {13, "largest_seqno", &TableProperties::largest_seqno, nullptr},
    {14, "compression", nullptr, &TableProperties::compression},
    {15, "comparator_name", nullptr, &TableProperties::comparator_name},
    {16, "filter_policy_name", nullptr, &TableProperties::filter_policy_name},
    {17, "creation_time", &TableProperties::creation_time, nullptr},
    {18, "file_number", &TableProperties::file_number, nullptr},
};
constexpr size_t kNumFields = sizeof(kFields) / sizeof(kFields[0]);
static_assert(kNumFields < 32, "the seen-mask below is 32 bits");

const Field* FindField(uint32_t tag) {
  // Tags are 1..kNumFields in order.
  if (tag == 0 || tag > kNumFields) return nullptr;
  return &kFields[tag - 1];
}

std::string DescribeInternalKey(const std::string& key) {
  if (key.empty()) return "(none)";
  ParsedInternalKey parsed;
  if (!ParseInternalKey(key, &parsed)) return absl::StrCat("(malformed) ", absl::CHexEscape(key));
  return absl::StrFormat("'%s' @ %d type %d", absl::CHexEscape(std::string(parsed.user_key)),
                         parsed.sequence, static_cast<int>(parsed.type));
}

}  // namespace

void TableProperties::EncodeTo(std::string* dst) const {
  std::string integer;
  for (const Field& field : kFields) {
    PutVarint32(dst, field.tag);
    if (field.integer != nullptr) {
      integer.clear();
      PutVarint64(&integer, this->*field.integer);
      PutLengthPrefixed(dst, integer);
    } else {
      PutLengthPrefixed(dst, this->*field.text);
    }
  }
}

absl::Status TableProperties::DecodeFrom(std::string_view block) {
  TableProperties decoded;
  decoded.format_version = format_version;
  uint32_t seen = 0;
  uint32_t previous_tag = 0;
  while (!block.empty()) {
    uint32_t tag;
    std::string_view value;
    if (!GetVarint32(&block, &tag) || !GetLengthPrefixed(&block, &value)) {
      return absl::DataLossError("properties block: truncated property");
    }
    if (tag <= previous_tag) {
      return absl::DataLossError(
          absl::StrFormat("properties block: tag %d after tag %d", tag, previous_tag));
    }
    previous_tag = tag;
    const Field* field = FindField(tag);
    if (field == nullptr) continue;  // Written by a newer kvlsm; not needed here.
    if (field->integer != nullptr) {
      uint64_t v;
      if (!GetVarint64(&value, &v) || !value.empty()) {
        return absl::DataLossError(
            absl::StrFormat("properties block: malformed integer for %s", field->name));
      }
      decoded.*field->integer = v;
    } else {
      (decoded.*field->text).assign(value.data(), value.size());
    }
    seen |= uint32_t{1} << tag;
  }
  for (const Field& field : kFields) {
    if ((seen & (uint32_t{1} << field.tag)) == 0) {
      return absl::DataLossError(
          absl::StrFormat("properties block: required property %s is missing", field.name));
    }
  }
  *this = std::move(decoded);
  return absl::OkStatus();
}

std::string TableProperties::ToString() const {
  std::string out;
  for (const Field& field : kFields) {
    if (field.integer != nullptr) {
      absl::StrAppend(&out, field.name, ": ", this->*field.integer, "\n");
    } else if (field.text == &TableProperties::smallest_key ||
               field.text == &TableProperties::largest_key) {
      absl::StrAppend(&out, field.name, ": ", DescribeInternalKey(this->*field.text), "\n");
    } else {
      absl::StrAppend(&out, field.name, ": ", this->*field.text, "\n");
    }
  }
  absl::StrAppend(&out, "format_version: ", format_version, "\n");
  return out;
}

}  // namespace kvlsm
