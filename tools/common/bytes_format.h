// BytesFormat: how the tools show keys and values, and read them from the command line.
//
// Text (the default): output escapes every byte that is not printable ASCII, and the
// quote and backslash characters, C-style with three octal digits ("a\000b", "\377",
// "tab\t"); input is taken as given.
// Hex (--hex): output is lowercase hex, two digits per byte; input must be hex (either
// case, an even number of digits). Both outputs are plain ASCII, so they can be embedded
// in JSON as they are.
//
// Thread safety: a plain value.
#ifndef KVLSM_TOOLS_COMMON_BYTES_FORMAT_H_
#define KVLSM_TOOLS_COMMON_BYTES_FORMAT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace kvlsm::tools {

class BytesFormat {
 public:
  explicit BytesFormat(bool hex) : hex_(hex) {}

  bool hex() const { return hex_; }
  std::string Encode(std::string_view bytes) const;
  // Encode, in double quotes for text (so that spaces and empty strings are visible).
  std::string Show(std::string_view bytes) const;
  // The bytes an argument stands for. InvalidArgument naming `what` (e.g. "--from") for
  // malformed hex.
  absl::StatusOr<std::string> Decode(std::string_view text, std::string_view what) const;

 private:
  bool hex_;
};

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_COMMON_BYTES_FORMAT_H_
