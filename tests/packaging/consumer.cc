// A program outside kvlsm's build, compiled against an installed kvlsm by the two consumer
// projects next to this file (find_package_consumer/, pkgconfig_consumer/): opens a DB in a
// fresh temporary directory, writes a key, reads it back, and prints the library's version.
// With KVLSM_CONSUMER_WITH_CLUSTER it also calls into the distribution module, to prove that
// kvlsm_cluster is installed, exported and linkable too (through kvlsm::cluster and
// kvlsm-cluster, or through the deprecated kvlsm::dist and kvlsm-dist).
//
// Prints "kvlsm <version>: put and get ok" and exits 0 when every check passes; prints what
// failed and exits 1 otherwise.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "kvlsm/db.h"
#include "kvlsm/options.h"
#include "kvlsm/version.h"
#ifdef KVLSM_CONSUMER_WITH_CLUSTER
#include "kvlsm/cluster/token.h"
#endif

namespace {

int Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "%s failed: %s\n", what, status.ToString().c_str());
  return 1;
}

int PutAndGet(const std::string& path) {
  kvlsm::Options options;
  options.create_if_missing = true;
  auto db = kvlsm::DB::Open(options, path);
  if (!db.ok()) return Fail("DB::Open", db.status());
  if (absl::Status s = (*db)->Put(kvlsm::WriteOptions(), "key", "value"); !s.ok()) {
    return Fail("DB::Put", s);
  }
  std::string value;
  if (absl::Status s = (*db)->Get(kvlsm::ReadOptions(), "key", &value); !s.ok()) {
    return Fail("DB::Get", s);
  }
  if (value != "value") {
    std::fprintf(stderr, "DB::Get returned \"%s\", want \"value\"\n", value.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main() {
  const std::string library_version(kvlsm::Version());
  if (library_version != KVLSM_VERSION_STRING) {
    std::fprintf(stderr, "library version %s differs from the headers' %s\n",
                 library_version.c_str(), KVLSM_VERSION_STRING);
    return 1;
  }
#ifdef KVLSM_CONSUMER_WITH_CLUSTER
  // XXH3-64 of the empty string with seed 0, fixed by the xxHash specification.
  const kvlsm::cluster::Token token = kvlsm::cluster::KeyToken("");
  if (token != 0x2D06800538D394C2ull) {
    std::fprintf(stderr, "KeyToken(\"\") = %016" PRIx64 ", want 2d06800538d394c2\n", token);
    return 1;
  }
#endif

  std::error_code error;
  const std::filesystem::path temp = std::filesystem::temp_directory_path(error);
  if (error) {
    std::fprintf(stderr, "no temporary directory: %s\n", error.message().c_str());
    return 1;
  }
  std::string dir = (temp / "kvlsm-consumer-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const int result = PutAndGet(dir + "/db");
  std::filesystem::remove_all(dir, error);
  if (result == 0) std::printf("kvlsm %s: put and get ok\n", library_version.c_str());
  return result;
}
