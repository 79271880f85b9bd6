#include "manifest/version_edit.h"

#include <string>

#include <gtest/gtest.h>

#include "base/filename.h"
#include "testutil/testutil.h"
#include "util/coding.h"

namespace kvlsm {
namespace {

TEST(VersionEditTest, RoundTripsEveryField) {
  VersionEdit edit;
  edit.format_version = kManifestFormatVersion;
  edit.comparator = "kvlsm.BytewiseComparator";
  edit.merge_operator = "test.Op";
  edit.log_number = 17;
  edit.next_file_number = 1ull << 40;
  edit.last_sequence = (1ull << 56) - 1;
  std::string encoded;
  edit.EncodeTo(&encoded);
  VersionEdit decoded;
  ASSERT_OK(decoded.DecodeFrom(encoded));
  std::string again;
  decoded.EncodeTo(&again);
  EXPECT_EQ(encoded, again);
  EXPECT_EQ(decoded.merge_operator, "test.Op");
  EXPECT_EQ(decoded.last_sequence, (1ull << 56) - 1);
}

// The worked example of docs/format.md ("MANIFEST").
TEST(VersionEditTest, EncodingMatchesTheDocumentedExample) {
  VersionEdit edit;
  edit.format_version = 1;
  edit.comparator = "kvlsm.BytewiseComparator";
  edit.log_number = 0;
  edit.next_file_number = 2;
  edit.last_sequence = 0;
  std::string encoded;
  edit.EncodeTo(&encoded);
  EXPECT_EQ(encoded, std::string("\x01\x01\x02\x18kvlsm.BytewiseComparator"
                                 "\x04\x00\x05\x02\x06\x00",
                                 34));
}

TEST(VersionEditTest, ApplyLetsLaterFieldsWin) {
  VersionEdit base, later;
  base.log_number = 1;
  base.comparator = "c";
  later.log_number = 5;
  base.Apply(later);
  EXPECT_EQ(base.log_number, 5u);
  EXPECT_EQ(base.comparator, "c");
}

TEST(VersionEditTest, NewerFormatAndUnknownTagsAreRefused) {
  std::string newer;
  PutVarint32(&newer, static_cast<uint32_t>(VersionEditTag::kFormatVersion));
  PutVarint32(&newer, kManifestFormatVersion + 1);
  VersionEdit edit;
  absl::Status s = edit.DecodeFrom(newer);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "newer")) << s;
  std::string unknown;
  PutVarint32(&unknown, 99);
  s = edit.DecodeFrom(unknown);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
}

TEST(VersionEditTest, EveryTruncationIsRefusedOrAPrefix) {
  VersionEdit edit;
  edit.comparator = "kvlsm.BytewiseComparator";
  edit.log_number = 300;
  std::string encoded;
  edit.EncodeTo(&encoded);
  for (size_t cut = 0; cut < encoded.size(); ++cut) {
    VersionEdit decoded;
    absl::Status s = decoded.DecodeFrom(std::string_view(encoded).substr(0, cut));
    if (s.ok()) {
      // Only a cut between two fields decodes, and then to a subset of them.
      EXPECT_FALSE(decoded.log_number.has_value()) << cut;
    } else {
      EXPECT_TRUE(absl::IsDataLoss(s)) << s;
    }
  }
}

TEST(FileNameTest, ParsesWhatItNames) {
  uint64_t number;
  FileType type;
  ASSERT_TRUE(ParseFileName("000123.log", &number, &type));
  EXPECT_EQ(number, 123u);
  EXPECT_EQ(type, FileType::kLog);
  ASSERT_TRUE(ParseFileName("MANIFEST-000007", &number, &type));
  EXPECT_EQ(number, 7u);
  EXPECT_EQ(type, FileType::kManifest);
  ASSERT_TRUE(ParseFileName("000009.idx", &number, &type));
  EXPECT_EQ(type, FileType::kTableIndex);
  ASSERT_TRUE(ParseFileName("CURRENT", &number, &type));
  EXPECT_EQ(type, FileType::kCurrent);
  for (const char* bad : {"", "foo", "123", "x.log", "MANIFEST-", "MANIFEST-x", "1.txt",
                          "99999999999999999999.log", ".log"}) {
    EXPECT_FALSE(ParseFileName(bad, &number, &type)) << bad;
  }
  EXPECT_EQ(LogFileName("/db", 5), "/db/000005.log");
  EXPECT_EQ(ManifestFileName("/db", 12), "/db/MANIFEST-000012");
}

}  // namespace
}  // namespace kvlsm
