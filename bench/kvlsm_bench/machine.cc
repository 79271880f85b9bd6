#include "machine.h"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>
#include <fstream>

#include "absl/strings/str_format.h"

namespace kvlsm::bench {
namespace {

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("model name")) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
    }
  }
  return "";
}

std::string FileSystem(const std::string& dir) {
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0) return "";
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs (no device writes: write amplification falls back to wchar)";
    case 0x794c7630:
      return "overlayfs";
    case 0x2fc12fc1:
      return "zfs";
    default:
      return absl::StrFormat("type 0x%x", static_cast<unsigned long>(fs.f_type));
  }
}

}  // namespace

MachineInfo DescribeMachine(const std::string& db_dir) {
  MachineInfo info;
  info.cpu = CpuModel();
  info.cores = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  info.memory_bytes = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                      static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  struct utsname name {};
  if (::uname(&name) == 0) info.kernel = absl::StrFormat("%s %s", name.sysname, name.release);
  info.filesystem = FileSystem(db_dir);
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  char date[32];
  if (::gmtime_r(&now, &utc) != nullptr &&
      std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &utc) > 0) {
    info.date = date;
  }
  return info;
}

}  // namespace kvlsm::bench
