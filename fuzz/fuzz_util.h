// Helpers shared by the fuzz targets (one target per file in this folder; each defines
// LLVMFuzzerTestOneInput).
//
// A target must never crash on any input; where it can also check a property (a
// round-trip, agreement with a model), a failed check prints what failed and aborts, which
// libFuzzer reports as a crash with the input saved. The same sources are compiled, with a
// small replay main, into the normal test build (tests/fuzz), so ctest replays the seed
// corpora in fuzz/corpus/<target>/ with any compiler.
#ifndef KVLSM_FUZZ_FUZZ_UTIL_H_
#define KVLSM_FUZZ_FUZZ_UTIL_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/env.h"

// Aborts with the condition's text when it is false.
#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

// As FUZZ_CHECK, printing a status too.
#define FUZZ_CHECK_OK(expr)                                                                 \
  do {                                                                                      \
    const ::absl::Status _fuzz_status = (expr);                                             \
    if (!_fuzz_status.ok()) {                                                               \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s: %s\n", __FILE__, __LINE__, #expr, \
                   _fuzz_status.ToString().c_str());                                        \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace kvlsm::fuzz {

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// Reads structured values from the front of the fuzzer's bytes. Once they run out, every
// read returns zeros or empty strings, so a target never needs to check for the end.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(AsView(data, size)) {}
  explicit FuzzInput(std::string_view bytes) : rest_(bytes) {}

  bool empty() const { return rest_.empty(); }
  size_t remaining() const { return rest_.size(); }

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  // Two bytes, little-endian.
  uint16_t Short() { return static_cast<uint16_t>(Byte() | Byte() << 8); }
  // A value in [0, n) (from one byte when n <= 256, else two). REQUIRES: n > 0.
  uint32_t Below(uint32_t n) { return (n <= 256 ? Byte() : Short()) % n; }
  bool Bit() { return Byte() & 1; }
  // Up to n bytes.
  std::string_view Bytes(size_t n) {
    const std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(out.size());
    return out;
  }
  // A string whose length (0..max_len) comes first.
  std::string_view LengthPrefixed(size_t max_len) {
    return Bytes(Below(static_cast<uint32_t>(max_len) + 1));
  }
  std::string_view Rest() { return Bytes(rest_.size()); }

 private:
  std::string_view rest_;
};

// A SequentialFile and a RandomAccessFile reading a string held in memory.
class StringSequentialFile final : public SequentialFile {
 public:
  explicit StringSequentialFile(std::string contents) : contents_(std::move(contents)) {}
  absl::Status Read(size_t n, std::string_view* result, char* scratch) override {
    const size_t take = std::min(n, contents_.size() - pos_);
    std::memcpy(scratch, contents_.data() + pos_, take);
    *result = std::string_view(scratch, take);
    pos_ += take;
    return absl::OkStatus();
  }
  absl::Status Skip(uint64_t n) override {
    pos_ += static_cast<size_t>(std::min<uint64_t>(n, contents_.size() - pos_));
    return absl::OkStatus();
  }

 private:
  const std::string contents_;
  size_t pos_ = 0;
};

class StringRandomAccessFile final : public RandomAccessFile {
 public:
  explicit StringRandomAccessFile(std::string contents) : contents_(std::move(contents)) {}
  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* scratch) const override {
    if (offset >= contents_.size()) {
      *result = std::string_view();
      return absl::OkStatus();
    }
    const size_t take = std::min<uint64_t>(n, contents_.size() - offset);
    std::memcpy(scratch, contents_.data() + offset, take);
    *result = std::string_view(scratch, take);
    return absl::OkStatus();
  }
  uint64_t size() const { return contents_.size(); }

 private:
  const std::string contents_;
};

// Appends the encoding of `value`, whichever encoder its type has: a void or Status
// EncodeTo(std::string*), or a StatusOr<std::string> Encode().
template <typename T>
absl::Status EncodeValue(const T& value, std::string* out) {
  if constexpr (requires { value.Encode(); }) {
    absl::StatusOr<std::string> bytes = value.Encode();
    if (bytes.ok()) out->append(*bytes);
    return bytes.status();
  } else if constexpr (std::is_void_v<decltype(value.EncodeTo(out))>) {
    value.EncodeTo(out);
    return absl::OkStatus();
  } else {
    return value.EncodeTo(out);
  }
}

// Decodes `bytes` with T::Decode; when that succeeds, the value's encoding must decode
// again to a value with the same encoding (a decoder accepts what its encoder writes, and
// decoding loses nothing the encoder keeps). A refusal must explain itself.
template <typename T>
void CheckDecodeRoundTrip(std::string_view bytes) {
  absl::StatusOr<T> value = T::Decode(bytes);
  if (!value.ok()) {
    FUZZ_CHECK(!value.status().message().empty());
    return;
  }
  std::string first;
  FUZZ_CHECK_OK(EncodeValue(*value, &first));
  absl::StatusOr<T> again = T::Decode(first);
  FUZZ_CHECK_OK(again.status());
  std::string second;
  FUZZ_CHECK_OK(EncodeValue(*again, &second));
  FUZZ_CHECK(first == second);
}

}  // namespace kvlsm::fuzz

// The whole of a decoder's fuzz target: LLVMFuzzerTestOneInput runs CheckDecodeRoundTrip.
#define KVLSM_FUZZ_DECODER_TARGET(Type)                                           \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {       \
    ::kvlsm::fuzz::CheckDecodeRoundTrip<Type>(::kvlsm::fuzz::AsView(data, size)); \
    return 0;                                                                     \
  }

#endif  // KVLSM_FUZZ_FUZZ_UTIL_H_
