// Internal: the varint readers of every distribution-module decoder. They accept only the
// shortest (canonical) LEB128 encoding of a value, so that equal values have equal bytes
// (docs/cluster.md, "Conventions of every wire format"): `80 00` for 0 or `81 80 00` for 1
// are refused, as a truncated varint is.
//
// Thread safety: pure functions.
#ifndef KVLSM_CLUSTER_CANONICAL_CODING_H_
#define KVLSM_CLUSTER_CANONICAL_CODING_H_

#include <cstdint>
#include <string_view>

#include "util/coding.h"

namespace kvlsm::cluster {

// As GetVarint64 (util/coding.h), and false when the varint is longer than necessary.
// On false the input is unspecified.
inline bool GetCanonicalVarint64(std::string_view* input, uint64_t* value) {
  const size_t before = input->size();
  return GetVarint64(input, value) &&
         before - input->size() == static_cast<size_t>(VarintLength(*value));
}

inline bool GetCanonicalVarint32(std::string_view* input, uint32_t* value) {
  const size_t before = input->size();
  return GetVarint32(input, value) &&
         before - input->size() == static_cast<size_t>(VarintLength(*value));
}

// A canonical varint32 length followed by that many bytes; false when truncated, when
// the length exceeds the input, or when the length is not canonical.
inline bool GetCanonicalLengthPrefixed(std::string_view* input, std::string_view* result) {
  uint32_t length = 0;
  if (!GetCanonicalVarint32(input, &length) || input->size() < length) return false;
  *result = input->substr(0, length);
  input->remove_prefix(length);
  return true;
}

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_CANONICAL_CODING_H_
