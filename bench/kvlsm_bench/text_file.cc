#include "text_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_format.h"

namespace kvlsm::bench {

absl::Status WriteTextFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (out) out.close();
  if (!out) {
    return absl::UnavailableError(
        absl::StrFormat("cannot write %s: %s", path, std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace kvlsm::bench
