#include "kvlsm/version.h"

#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace kvlsm {
namespace {

TEST(VersionTest, LibraryVersionMatchesTheHeaders) { EXPECT_EQ(Version(), KVLSM_VERSION_STRING); }

TEST(VersionTest, StringIsMajorDotMinorDotPatch) {
  EXPECT_EQ(std::string(KVLSM_VERSION_STRING),
            absl::StrCat(KVLSM_VERSION_MAJOR, ".", KVLSM_VERSION_MINOR, ".", KVLSM_VERSION_PATCH));
}

TEST(VersionTest, NumberPacksTheParts) {
  static_assert(KVLSM_VERSION_MINOR < 100 && KVLSM_VERSION_PATCH < 100);
  EXPECT_EQ(KVLSM_VERSION,
            KVLSM_VERSION_MAJOR * 10000 + KVLSM_VERSION_MINOR * 100 + KVLSM_VERSION_PATCH);
}

}  // namespace
}  // namespace kvlsm
