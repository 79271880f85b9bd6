// Opens a DB in a fresh temporary directory, writes a key, reads it back and prints the
// version of the packaged library. Exits 0 when the value read is the value written.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "kvlsm/db.h"
#include "kvlsm/options.h"
#include "kvlsm/version.h"

int main() {
  std::error_code error;
  std::string dir =
      (std::filesystem::temp_directory_path(error) / "kvlsm-test-package-XXXXXX").string();
  if (error || mkdtemp(dir.data()) == nullptr) {
    std::fprintf(stderr, "cannot create a temporary directory\n");
    return 1;
  }
  kvlsm::Options options;
  options.create_if_missing = true;
  std::string value;
  absl::Status status;
  {
    auto db = kvlsm::DB::Open(options, dir + "/db");
    status = db.status();
    if (status.ok()) status = (*db)->Put(kvlsm::WriteOptions(), "key", "value");
    if (status.ok()) status = (*db)->Get(kvlsm::ReadOptions(), "key", &value);
  }
  std::filesystem::remove_all(dir, error);
  if (!status.ok() || value != "value") {
    std::fprintf(stderr, "put and get failed: %s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("kvlsm %s: put and get ok\n", std::string(kvlsm::Version()).c_str());
  return 0;
}
