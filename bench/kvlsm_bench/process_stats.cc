#include "process_stats.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_format.h"

namespace kvlsm::bench {
namespace {

// The value after "<name>:" on the line that starts with it, in a /proc file of
// "name: value" lines.
absl::StatusOr<uint64_t> ReadField(const char* path, std::string_view name) {
  std::ifstream in(path);
  if (!in) return absl::UnavailableError(absl::StrFormat("cannot read %s", path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        line[name.size()] == ':') {
      std::istringstream value(line.substr(name.size() + 1));
      uint64_t number = 0;
      if (value >> number) return number;
      return absl::DataLossError(absl::StrFormat("%s: cannot parse \"%s\"", path, line));
    }
  }
  return absl::NotFoundError(absl::StrFormat("%s has no field %s", path, std::string(name)));
}

}  // namespace

absl::StatusOr<IoCounters> ReadIoCounters() {
  constexpr const char* kPath = "/proc/self/io";
  IoCounters io;
  for (auto [name, field] :
       {std::pair{"wchar", &io.wchar}, std::pair{"write_bytes", &io.write_bytes},
        std::pair{"cancelled_write_bytes", &io.cancelled_write_bytes}}) {
    absl::StatusOr<uint64_t> value = ReadField(kPath, name);
    if (!value.ok()) return value.status();
    *field = *value;
  }
  return io;
}

absl::Status ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  if (!out) return absl::UnavailableError("cannot write 5 to /proc/self/clear_refs");
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> PeakRssBytes() {
  absl::StatusOr<uint64_t> kib = ReadField("/proc/self/status", "VmHWM");
  if (!kib.ok()) return kib.status();
  return *kib * 1024;
}

absl::StatusOr<uint64_t> DirectoryBytes(const std::string& dir) {
  std::error_code error;
  uint64_t total = 0;
  for (std::filesystem::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    // A file deleted between listing and sizing is simply not counted.
    std::error_code size_error;
    if (it->is_regular_file(size_error)) {
      const uintmax_t size = it->file_size(size_error);
      if (!size_error) total += size;
    }
  }
  if (error) {
    return absl::UnavailableError(absl::StrFormat("cannot list %s: %s", dir, error.message()));
  }
  return total;
}

}  // namespace kvlsm::bench
