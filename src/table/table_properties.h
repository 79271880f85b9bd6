// TableProperties: what a table records about itself, in the properties block of its .idx
// (docs/format.md, "Properties block").
//
//   properties := property*                     (tags strictly increasing)
//   property   := tag:varint32 length:varint32 value:byte[length]
//
// Integer properties are one varint64 filling the value exactly; string properties are the
// raw bytes. A reader ignores tags it does not know, so a newer writer may add properties
// without a format-version bump; every tag of format version 1 is required. Tags are
// persisted: never renumber; a retired tag stays reserved.
//
// Thread safety: a plain value.
#ifndef KVLSM_TABLE_TABLE_PROPERTIES_H_
#define KVLSM_TABLE_TABLE_PROPERTIES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace kvlsm {

struct TableProperties {
  uint64_t num_entries = 0;    // Entries of every type.
  uint64_t num_deletions = 0;  // Delete entries.
  uint64_t num_merges = 0;     // Merge entries.
  uint64_t raw_key_bytes = 0;  // Sum of the internal keys' sizes (8-byte trailers included).
  uint64_t raw_value_bytes = 0;
  uint64_t data_size = 0;    // Bytes of the .sst.
  uint64_t index_size = 0;   // Bytes of the index block in the .idx, trailer included.
  uint64_t filter_size = 0;  // Bytes of the filter block, trailer included; 0 without one.
  uint64_t num_data_blocks = 0;
  std::string smallest_key;  // Internal keys; empty when the table is empty.
  std::string largest_key;
  uint64_t smallest_seqno = 0;  // 0 and 0 when the table is empty.
  uint64_t largest_seqno = 0;
  std::string compression;         // The setting the table was written with: "none", "zstd".
  std::string comparator_name;     // The user comparator's Name().
  std::string filter_policy_name;  // Empty when the table has no filter.
  uint64_t creation_time = 0;      // Seconds since the Unix epoch.
  uint64_t file_number = 0;
  // From the footer, not the properties block: the format version the table was written
  // in (EncodeTo does not write it, DecodeFrom does not set it).
  uint32_t format_version = 0;

  // Appends the properties block's payload.
  void EncodeTo(std::string* dst) const;
  // Replaces every property with the one in `block`. DataLoss (without a file name; the
  // caller adds it) when the block is malformed or lacks a required property.
  absl::Status DecodeFrom(std::string_view block);

  // One "name: value" line per property, for tools; keys are shown escaped.
  std::string ToString() const;
};

}  // namespace kvlsm

#endif  // KVLSM_TABLE_TABLE_PROPERTIES_H_
