#include "key_value_format.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"
#include "util/coding.h"
#include "util/random.h"

namespace kvlsm::bench {
namespace {

int DecimalDigits(uint64_t n) {
  int digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

// Fills [p, p + n) with the pseudo-random half and its repetition.
void FillPayload(uint64_t seed, char* p, size_t n) {
  Random rnd(seed);
  const size_t random_part = (n + 1) / 2;
  size_t i = 0;
  while (i < random_part) {
    const uint64_t word = rnd.Next();
    const size_t take = std::min<size_t>(8, random_part - i);
    std::memcpy(p + i, &word, take);
    i += take;
  }
  for (; i < n; ++i) p[i] = p[i - random_part];
}

uint64_t PayloadSeed(uint64_t seed, uint64_t index, uint32_t generation) {
  Random mix(seed ^ (index * 0x9e3779b97f4a7c15ull) ^ (uint64_t{generation} << 40));
  return mix.Next();
}

}  // namespace

absl::Status KeyValueFormat::Validate(size_t key_size, size_t value_size, uint64_t max_records) {
  if (max_records == 0) return absl::InvalidArgumentError("--num must be at least 1");
  const int needed = DecimalDigits(2 * (max_records - 1) + 1);
  if (key_size < static_cast<size_t>(needed) || key_size > kMaxKeySize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--key_size=%d cannot hold %d records: keys need between %d and %d bytes",
                        key_size, max_records, needed, kMaxKeySize));
  }
  if (value_size < kMinValueSize || value_size > kMaxValueSize) {
    return absl::InvalidArgumentError(absl::StrFormat("--value_size=%d is out of range [%d, %d]",
                                                      value_size, kMinValueSize, kMaxValueSize));
  }
  return absl::OkStatus();
}

void KeyValueFormat::Digits(uint64_t number, std::string* dst) const {
  dst->assign(key_size_, '0');
  char* p = dst->data() + key_size_;
  do {
    *--p = static_cast<char>('0' + number % 10);
    number /= 10;
  } while (number != 0);
}

bool KeyValueFormat::ParseKey(std::string_view key, uint64_t* index) const {
  if (key.size() != key_size_) return false;
  uint64_t number = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  if (number % 2 != 0) return false;
  *index = number / 2;
  return true;
}

void KeyValueFormat::Value(uint64_t index, uint32_t generation, std::string* dst) const {
  dst->resize(value_size_);
  EncodeFixed32(dst->data(), generation);
  FillPayload(PayloadSeed(seed_, index, generation), dst->data() + 4, value_size_ - 4);
}

absl::Status KeyValueFormat::CheckValue(uint64_t index, std::string_view key,
                                        std::string_view value, uint32_t max_generation) const {
  if (value.size() != value_size_) {
    return absl::DataLossError(absl::StrFormat("key %s: read a %d-byte value, wrote %d bytes",
                                               std::string(key), value.size(), value_size_));
  }
  const uint32_t generation = DecodeFixed32(value.data());
  if (generation > max_generation) {
    return absl::DataLossError(absl::StrFormat(
        "key %s: the value claims generation %d, but the run wrote generations 0 to %d",
        std::string(key), generation, max_generation));
  }
  const size_t payload = value_size_ - 4;
  thread_local std::string expected;
  expected.resize(payload);
  char* want = expected.data();
  FillPayload(PayloadSeed(seed_, index, generation), want, payload);
  const char* got = value.data() + 4;
  if (std::memcmp(got, want, payload) != 0) {
    size_t at = 0;
    while (got[at] == want[at]) ++at;
    return absl::DataLossError(
        absl::StrFormat("key %s: value byte %d is 0x%02x, expected 0x%02x (generation %d)",
                        std::string(key), at + 4, static_cast<unsigned char>(got[at]),
                        static_cast<unsigned char>(want[at]), generation));
  }
  return absl::OkStatus();
}

}  // namespace kvlsm::bench
