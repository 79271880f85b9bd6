#include "key_value_format.h"

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "testutil/testutil.h"

namespace kvlsm::bench {
namespace {

TEST(KeyValueFormatTest, KeysSortInRecordOrderAndMissingKeysFallBetween) {
  const KeyValueFormat format(16, 100, 1);
  std::string previous, key, missing;
  for (uint64_t i : {0, 1, 9, 10, 99, 12345, 4999999}) {
    format.Key(i, &key);
    format.MissingKey(i, &missing);
    EXPECT_EQ(key.size(), 16u);
    EXPECT_LT(previous, key);
    EXPECT_LT(key, missing);
    previous = missing;
  }
  format.Key(12345, &key);
  EXPECT_EQ(key, "0000000000024690");
}

TEST(KeyValueFormatTest, ParseKeyRoundTripsAndRejectsOtherStrings) {
  const KeyValueFormat format(16, 100, 1);
  std::string key;
  uint64_t index = 0;
  for (uint64_t i : {0, 7, 4999999}) {
    format.Key(i, &key);
    ASSERT_TRUE(format.ParseKey(key, &index));
    EXPECT_EQ(index, i);
    format.MissingKey(i, &key);
    EXPECT_FALSE(format.ParseKey(key, &index));
  }
  EXPECT_FALSE(format.ParseKey("000000000000002", &index));    // short
  EXPECT_FALSE(format.ParseKey("00000000000000x2", &index));   // not a digit
  EXPECT_FALSE(format.ParseKey("00000000000000020", &index));  // long
}

TEST(KeyValueFormatTest, EveryGenerationUpToTheLimitChecksOut) {
  const KeyValueFormat format(16, 100, 42);
  std::string key, value;
  format.Key(5, &key);
  for (uint32_t generation : {0u, 1u, 2u}) {
    format.Value(5, generation, &value);
    ASSERT_EQ(value.size(), 100u);
    EXPECT_OK(format.CheckValue(5, key, value, 2));
  }
  format.Value(5, 2, &value);
  absl::Status s = format.CheckValue(5, key, value, 1);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "generation 2")) << s;
}

TEST(KeyValueFormatTest, AnyWrongByteOrSizeIsDataLossNamingTheKey) {
  const KeyValueFormat format(16, 100, 42);
  std::string key, value;
  format.Key(5, &key);
  format.Value(5, 0, &value);
  for (size_t at = 4; at < value.size(); at += 13) {
    std::string bad = value;
    bad[at] ^= 0x20;
    absl::Status s = format.CheckValue(5, key, bad, 0);
    EXPECT_TRUE(absl::IsDataLoss(s)) << s;
    EXPECT_TRUE(test::MessageContains(s, key)) << s;
    EXPECT_TRUE(test::MessageContains(s, absl::StrFormat("byte %d", at))) << s;
  }
  EXPECT_TRUE(absl::IsDataLoss(format.CheckValue(5, key, value.substr(1), 0)));
  // Another record's value, or another seed's, is wrong too.
  std::string other;
  format.Value(6, 0, &other);
  EXPECT_TRUE(absl::IsDataLoss(format.CheckValue(5, key, other, 0)));
  KeyValueFormat(16, 100, 43).Value(5, 0, &other);
  EXPECT_TRUE(absl::IsDataLoss(format.CheckValue(5, key, other, 0)));
}

TEST(KeyValueFormatTest, ValuesAreHalfRepeatedSoAboutHalfCompressible) {
  const KeyValueFormat format(16, 100, 3);
  std::string value;
  format.Value(77, 0, &value);
  const std::string payload = value.substr(4);
  EXPECT_EQ(payload.substr(0, 48), payload.substr(48, 48));
}

TEST(KeyValueFormatTest, ValidateNamesTheFlag) {
  EXPECT_OK(KeyValueFormat::Validate(16, 100, 5'000'000));
  absl::Status s = KeyValueFormat::Validate(6, 100, 5'000'000);  // 9999999 needs 7 digits
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "--key_size=6")) << s;
  EXPECT_OK(KeyValueFormat::Validate(7, 100, 5'000'000));
  s = KeyValueFormat::Validate(16, 4, 10);
  EXPECT_TRUE(test::MessageContains(s, "--value_size=4")) << s;
  EXPECT_TRUE(absl::IsInvalidArgument(KeyValueFormat::Validate(16, 100, 0)));
}

}  // namespace
}  // namespace kvlsm::bench
