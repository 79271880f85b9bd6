#include "common/bytes_format.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"

namespace kvlsm::tools {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string BytesFormat::Encode(std::string_view bytes) const {
  const std::string copy(bytes);
  return hex_ ? absl::BytesToHexString(copy) : absl::CEscape(copy);
}

std::string BytesFormat::Show(std::string_view bytes) const {
  return hex_ ? Encode(bytes) : absl::StrFormat("\"%s\"", Encode(bytes));
}

absl::StatusOr<std::string> BytesFormat::Decode(std::string_view text,
                                                std::string_view what) const {
  if (!hex_) return std::string(text);
  if (text.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: '%s' is not hex (odd number of digits)", what, text));
  }
  std::string out(text.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int high = HexDigit(text[2 * i]);
    const int low = HexDigit(text[2 * i + 1]);
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: '%s' is not hex (bad digit at position %d)", what, text,
                          high < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<char>(high << 4 | low);
  }
  return out;
}

}  // namespace kvlsm::tools
