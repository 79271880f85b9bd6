// Internal keys: how kvlsm versions every user key.
//
//   internal_key := user_key . fixed64_le(sequence << 8 | type)
//
// Internal keys sort by user key ascending (the user's Comparator), then by sequence
// descending, then type descending, so the newest version of a key comes first. A
// snapshot is a sequence number: a read at snapshot s sees, for each key, the newest entry
// with sequence <= s.
#ifndef KVLSM_BASE_DBFORMAT_H_
#define KVLSM_BASE_DBFORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "kvlsm/comparator.h"
#include "util/coding.h"

namespace kvlsm {

using SequenceNumber = uint64_t;

// 56 bits: the low byte of the packed trailer holds the type.
inline constexpr SequenceNumber kMaxSequenceNumber = (uint64_t{1} << 56) - 1;

// Persisted in the WAL and (later) in tables: never renumber; a retired value stays
// reserved.
enum class ValueType : uint8_t {
  kDelete = 0,
  kPut = 1,
  kMerge = 2,
};
// The largest type: seeking to (key, s, kTypeForSeek) finds the first entry at or below s.
inline constexpr ValueType kTypeForSeek = ValueType::kMerge;

inline bool IsValidValueType(uint8_t t) { return t <= static_cast<uint8_t>(ValueType::kMerge); }

inline uint64_t PackSequenceAndType(SequenceNumber seq, ValueType t) {
  return (seq << 8) | static_cast<uint8_t>(t);
}

inline void AppendInternalKey(std::string* dst, std::string_view user_key, SequenceNumber seq,
                              ValueType t) {
  dst->append(user_key.data(), user_key.size());
  PutFixed64(dst, PackSequenceAndType(seq, t));
}

// REQUIRES: internal_key.size() >= 8.
inline std::string_view ExtractUserKey(std::string_view internal_key) {
  return internal_key.substr(0, internal_key.size() - 8);
}
inline uint64_t ExtractTrailer(std::string_view internal_key) {
  return DecodeFixed64(internal_key.data() + internal_key.size() - 8);
}

struct ParsedInternalKey {
  std::string_view user_key;
  SequenceNumber sequence = 0;
  ValueType type = ValueType::kPut;
};

// False when the key is shorter than 8 bytes or its type is unknown.
inline bool ParseInternalKey(std::string_view internal_key, ParsedInternalKey* result) {
  if (internal_key.size() < 8) return false;
  const uint64_t trailer = ExtractTrailer(internal_key);
  const uint8_t t = static_cast<uint8_t>(trailer & 0xff);
  if (!IsValidValueType(t)) return false;
  result->user_key = ExtractUserKey(internal_key);
  result->sequence = trailer >> 8;
  result->type = static_cast<ValueType>(t);
  return true;
}

// Orders internal keys as described at the top of this file.
class InternalKeyComparator {
 public:
  explicit InternalKeyComparator(const Comparator* user) : user_(user) {}

  int Compare(std::string_view a, std::string_view b) const {
    int r = user_->Compare(ExtractUserKey(a), ExtractUserKey(b));
    if (r != 0) return r;
    const uint64_t ta = ExtractTrailer(a);
    const uint64_t tb = ExtractTrailer(b);
    return ta > tb ? -1 : (ta < tb ? 1 : 0);
  }
  const Comparator* user_comparator() const { return user_; }

 private:
  const Comparator* user_;
};

}  // namespace kvlsm

#endif  // KVLSM_BASE_DBFORMAT_H_
