#include "util/coding.h"

#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testutil/testutil.h"
#include "util/hash.h"

namespace kvlsm {
namespace {

TEST(CodingTest, FixedIntsAreLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x04030201);
  PutFixed64(&s, 0x0c0b0a0908070605ull);
  ASSERT_EQ(s.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(static_cast<uint8_t>(s[i]), i + 1);
  std::string_view in = s;
  uint32_t a;
  uint64_t b;
  ASSERT_TRUE(GetFixed32(&in, &a));
  ASSERT_TRUE(GetFixed64(&in, &b));
  EXPECT_EQ(a, 0x04030201u);
  EXPECT_EQ(b, 0x0c0b0a0908070605ull);
  EXPECT_FALSE(GetFixed32(&in, &a));
}

TEST(CodingTest, Fixed16IsLittleEndian) {
  char buf[2];
  EncodeFixed16(buf, 0x0201);
  EXPECT_EQ(static_cast<uint8_t>(buf[0]), 1);
  EXPECT_EQ(static_cast<uint8_t>(buf[1]), 2);
  EXPECT_EQ(DecodeFixed16(buf), 0x0201);
}

TEST(CodingTest, Fixed16RoundTripsEveryValue) {
  for (uint32_t v = 0; v <= 0xffff; ++v) {
    char buf[2];
    EncodeFixed16(buf, static_cast<uint16_t>(v));
    ASSERT_EQ(DecodeFixed16(buf), v);
  }
}

TEST(CodingTest, Fixed16DecodesHighBytesWithoutSignExtension) {
  const char buf[2] = {'\xff', '\x80'};
  EXPECT_EQ(DecodeFixed16(buf), 0x80ff);
}

TEST(CodingTest, VarintRoundTripAtEveryWidth) {
  std::vector<uint64_t> values = {
      0, 1, 127, 128, 16383, 16384, std::numeric_limits<uint64_t>::max()};
  for (int shift = 0; shift < 64; ++shift) {
    values.push_back((uint64_t{1} << shift) - 1);
    values.push_back(uint64_t{1} << shift);
  }
  std::string s;
  for (uint64_t v : values) PutVarint64(&s, v);
  std::string_view in = s;
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
  for (uint64_t v : values) {
    std::string one;
    PutVarint64(&one, v);
    EXPECT_EQ(static_cast<int>(one.size()), VarintLength(v));
  }
}

TEST(CodingTest, Varint32RejectsOverflowAndTruncation) {
  std::string s;
  PutVarint64(&s, uint64_t{1} << 32);
  std::string_view in = s;
  uint32_t v;
  EXPECT_FALSE(GetVarint32(&in, &v));
  std::string truncated("\x80\x80", 2);
  in = truncated;
  EXPECT_FALSE(GetVarint32(&in, &v));
  std::string eleven(11, '\xff');
  in = eleven;
  uint64_t v64;
  EXPECT_FALSE(GetVarint64(&in, &v64));
}

TEST(CodingTest, LengthPrefixedRejectsShortInput) {
  std::string s;
  PutLengthPrefixed(&s, "hello");
  std::string_view in = s, out;
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, "hello");
  std::string_view short_in = std::string_view(s).substr(0, 3);
  EXPECT_FALSE(GetLengthPrefixed(&short_in, &out));
}

TEST(CodingTest, DecodersNeverReadPastRandomInput) {
  const uint64_t seed = test::TestSeed(7);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  for (int i = 0; i < 10000; ++i) {
    const std::string bytes = test::RandomString(&rnd, rnd.Uniform(12), /*binary=*/true);
    std::string_view in = bytes, out;
    uint64_t v;
    uint32_t v32;
    while (!in.empty() &&
           (GetVarint64(&in, &v) || GetVarint32(&in, &v32) || GetLengthPrefixed(&in, &out))) {
    }
  }
}

TEST(HashTest, ChecksumCoversBothParts) {
  EXPECT_EQ(Checksum32("ab", "cd"), Checksum32("abcd"));
  EXPECT_NE(Checksum32("abcd"), Checksum32("abce"));
  EXPECT_NE(Hash64("abc", 1), Hash64("abc", 2));
}

}  // namespace
}  // namespace kvlsm
