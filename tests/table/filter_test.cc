// Tests for the "kvlsm.BlockedBloom" filter policy (src/table/bloom_filter.cc): no false
// negatives, the false-positive rate, the byte format, and safety on malformed filters.
#include "table/bloom_filter.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "kvlsm/filter_policy.h"
#include "testutil/testutil.h"
#include "util/coding.h"
#include "util/random.h"

namespace kvlsm {
namespace {

using test::SeedTrace;
using test::TestSeed;

// Key i of a family: 8 bytes of big-endian i (so distinct i give distinct keys) followed
// by 8 bytes that depend on the family and the seed.
void MakeKey(uint64_t family, uint64_t seed, uint64_t i, char out[16]) {
  for (int b = 0; b < 8; ++b) out[b] = static_cast<char>(i >> (56 - 8 * b));
  Random rnd(seed * 0x9e3779b97f4a7c15ull + family * 1000003 + i);
  EncodeFixed64(out + 8, rnd.Next());
}

std::string BuildFilter(const FilterPolicy& policy, const std::vector<std::string>& keys) {
  std::unique_ptr<FilterBuilder> builder = policy.NewBuilder();
  for (const std::string& key : keys) builder->AddKey(key);
  std::string filter;
  builder->Finish(&filter);
  return filter;
}

std::unique_ptr<FilterReader> MustRead(const FilterPolicy& policy, std::string_view filter) {
  absl::StatusOr<std::unique_ptr<FilterReader>> reader = policy.NewReader(filter);
  EXPECT_TRUE(reader.ok()) << reader.status();
  return reader.ok() ? std::move(*reader) : nullptr;
}

// Builds a filter from num_keys keys of family 0 and measures the fraction of num_queries
// keys of family 1 (all absent) that it matches. Fails the test on a false negative.
double MeasureFalsePositiveRate(double bits_per_key, uint64_t num_keys, uint64_t num_queries,
                                uint64_t seed) {
  auto policy = NewBloomFilterPolicy(bits_per_key);
  std::unique_ptr<FilterBuilder> builder = policy->NewBuilder();
  char key[16];
  for (uint64_t i = 0; i < num_keys; ++i) {
    MakeKey(0, seed, i, key);
    builder->AddKey(std::string_view(key, sizeof(key)));
  }
  std::string filter;
  builder->Finish(&filter);
  std::unique_ptr<FilterReader> reader = MustRead(*policy, filter);
  if (reader == nullptr) return 1;
  uint64_t false_negatives = 0;
  for (uint64_t i = 0; i < num_keys; ++i) {
    MakeKey(0, seed, i, key);
    if (!reader->KeyMayMatch(std::string_view(key, sizeof(key)))) ++false_negatives;
  }
  EXPECT_EQ(false_negatives, 0u) << "bits_per_key=" << bits_per_key;
  uint64_t false_positives = 0;
  for (uint64_t i = 0; i < num_queries; ++i) {
    MakeKey(1, seed, i, key);
    if (reader->KeyMayMatch(std::string_view(key, sizeof(key)))) ++false_positives;
  }
  return static_cast<double>(false_positives) / static_cast<double>(num_queries);
}

TEST(BloomFilterTest, NameIsStable) {
  EXPECT_STREQ(NewBloomFilterPolicy()->Name(), "kvlsm.BlockedBloom");
  EXPECT_STREQ(NewBloomFilterPolicy(20)->Name(), "kvlsm.BlockedBloom");
}

TEST(BloomFilterTest, EmptyFilterMatchesNothing) {
  auto policy = NewBloomFilterPolicy();
  const std::string filter = BuildFilter(*policy, {});
  EXPECT_EQ(filter.size(), kBloomTrailerBytes);
  absl::StatusOr<BloomFilterInfo> info = DecodeBloomFilterInfo(filter);
  ASSERT_OK(info);
  EXPECT_EQ(info->num_keys, 0u);
  EXPECT_EQ(info->num_blocks, 0u);
  std::unique_ptr<FilterReader> reader = MustRead(*policy, filter);
  ASSERT_NE(reader, nullptr);
  EXPECT_FALSE(reader->KeyMayMatch(""));
  EXPECT_FALSE(reader->KeyMayMatch("a"));
  Random rnd(1);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(reader->KeyMayMatch(test::RandomString(&rnd, rnd.Uniform(40), true)));
  }
}

TEST(BloomFilterTest, NoFalseNegativesAtManySizes) {
  const uint64_t seed = TestSeed(301);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (double bits_per_key : {1.0, 4.5, 10.0, 23.0}) {
    auto policy = NewBloomFilterPolicy(bits_per_key);
    for (size_t n : {0, 1, 2, 10, 1000, 100000}) {
      SCOPED_TRACE(testing::Message() << "bits_per_key=" << bits_per_key << " n=" << n);
      std::vector<std::string> keys;
      keys.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        // Mostly short binary keys, sometimes empty or long.
        const size_t len = rnd.OneIn(50) ? rnd.Uniform(300) : rnd.Uniform(24);
        keys.push_back(test::RandomString(&rnd, len, /*binary=*/true));
      }
      const std::string filter = BuildFilter(*policy, keys);
      std::unique_ptr<FilterReader> reader = MustRead(*policy, filter);
      ASSERT_NE(reader, nullptr);
      size_t false_negatives = 0;
      for (const std::string& key : keys) false_negatives += reader->KeyMayMatch(key) ? 0 : 1;
      EXPECT_EQ(false_negatives, 0u);
    }
  }
}

// The headline number: at 10 bits/key a large table's filter passes at most 1% of absent
// keys, with no false negatives. This layout's expected rate is 0.965%. 4M absent queries
// rather than 1M: with 1M the sampling noise alone (a standard deviation of 0.01 points)
// would fail about one seed in 5000; with 4M the bound is 7 standard deviations away.
TEST(BloomFilterTest, FalsePositiveRateAtTenBitsPerKeyOnMillionKeys) {
  const uint64_t seed = TestSeed(302);
  SCOPED_TRACE(SeedTrace(seed));
  const double rate = MeasureFalsePositiveRate(10, 1000000, 4000000, seed);
  std::printf("[ fpr      ] 10 bits/key, 1M keys, 4M absent queries: %.4f%%\n", rate * 100);
  EXPECT_LE(rate, 0.010);
  EXPECT_GT(rate, 0.005);  // far below the layout's expectation means the test is broken
}

// More bits per key never make the rate noticeably worse, and each setting stays near the
// rate measured for this layout (the bound is about 1.15 x that rate).
TEST(BloomFilterTest, FalsePositiveRateFallsAsBitsPerKeyGrow) {
  const uint64_t seed = TestSeed(303);
  SCOPED_TRACE(SeedTrace(seed));
  struct Case {
    double bits_per_key;
    double max_rate;
  };
  const Case cases[] = {{1, 0.70},    {2, 0.45},    {4, 0.17},     {6, 0.066},   {8, 0.027},
                        {10, 0.0112}, {12, 0.0048}, {16, 0.00095}, {20, 0.00025}};
  double previous = 1;
  for (const Case& c : cases) {
    const double rate = MeasureFalsePositiveRate(c.bits_per_key, 200000, 1000000, seed);
    std::printf("[ fpr      ] %4.1f bits/key (k=%d), 200k keys: %.4f%%\n", c.bits_per_key,
                ChooseBloomProbes(c.bits_per_key), rate * 100);
    EXPECT_LE(rate, c.max_rate) << "bits_per_key=" << c.bits_per_key;
    EXPECT_LE(rate, previous * 1.05 + 1e-5) << "bits_per_key=" << c.bits_per_key;
    previous = rate;
  }
}

TEST(BloomFilterTest, ChosenProbesGrowWithBitsPerKey) {
  EXPECT_EQ(ChooseBloomProbes(1), 1);
  EXPECT_EQ(ChooseBloomProbes(2), 1);
  EXPECT_EQ(ChooseBloomProbes(4), 3);
  EXPECT_EQ(ChooseBloomProbes(10), 6);
  EXPECT_EQ(ChooseBloomProbes(16), 9);
  EXPECT_EQ(ChooseBloomProbes(100), kBloomMaxChosenProbes);
  int previous = 1;
  for (double bits = 1; bits <= 100; bits += 0.125) {
    const int k = ChooseBloomProbes(bits);
    EXPECT_GE(k, previous) << bits;
    EXPECT_LE(k, kBloomMaxChosenProbes) << bits;
    EXPECT_LE(k, bits * 0.7 + 1) << bits;  // below a standard filter's bits * ln 2
    previous = k;
  }
  static_assert(kBloomMaxChosenProbes <= kBloomMaxProbes);
}

TEST(BloomFilterTest, SizeFollowsBitsPerKey) {
  struct Case {
    uint64_t keys;
    double bits_per_key;
    uint32_t blocks;
  };
  const Case cases[] = {{0, 10, 0},      {1, 10, 1},          {51, 10, 1},  {52, 10, 2},
                        {1000, 10, 20},  {1000, 5.5, 11},     {1024, 1, 2}, {1025, 1, 3},
                        {512, 100, 100}, {1000000, 10, 19532}};
  for (const Case& c : cases) {
    EXPECT_EQ(BloomBlocksFor(c.keys, c.bits_per_key), c.blocks)
        << c.keys << " keys at " << c.bits_per_key;
  }
  auto policy = NewBloomFilterPolicy(10);
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("key" + std::to_string(i));
  EXPECT_EQ(BuildFilter(*policy, keys).size(), 20 * kBloomBlockBytes + kBloomTrailerBytes);
}

TEST(BloomFilterTest, OutOfRangeBitsPerKeyIsClamped) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("k" + std::to_string(i));
  const size_t min_size = BuildFilter(*NewBloomFilterPolicy(1), keys).size();
  const size_t max_size = BuildFilter(*NewBloomFilterPolicy(100), keys).size();
  const size_t default_size = BuildFilter(*NewBloomFilterPolicy(10), keys).size();
  struct Case {
    double bits_per_key;
    size_t expected_size;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const Case cases[] = {{0, min_size},    {-3, min_size},
                        {0.25, min_size}, {-inf, min_size},
                        {101, max_size},  {1e300, max_size},
                        {inf, max_size},  {std::numeric_limits<double>::quiet_NaN(), default_size}};
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "bits_per_key=" << c.bits_per_key);
    auto policy = NewBloomFilterPolicy(c.bits_per_key);
    const std::string filter = BuildFilter(*policy, keys);
    EXPECT_EQ(filter.size(), c.expected_size);
    std::unique_ptr<FilterReader> reader = MustRead(*policy, filter);
    ASSERT_NE(reader, nullptr);
    for (const std::string& key : keys) ASSERT_TRUE(reader->KeyMayMatch(key)) << key;
  }
  EXPECT_EQ(ClampBloomBitsPerKey(0), kBloomMinBitsPerKey);
  EXPECT_EQ(ClampBloomBitsPerKey(1000), kBloomMaxBitsPerKey);
  EXPECT_EQ(ClampBloomBitsPerKey(7.5), 7.5);
}

TEST(BloomFilterTest, AdjacentRepeatedKeysCountOnce) {
  auto policy = NewBloomFilterPolicy();
  const std::string filter = BuildFilter(*policy, {"a", "a", "a", "b", "b", "c", "a"});
  absl::StatusOr<BloomFilterInfo> info = DecodeBloomFilterInfo(filter);
  ASSERT_OK(info);
  EXPECT_EQ(info->num_keys, 4u);  // a, b, c, a: only adjacent repeats are folded
  EXPECT_EQ(info->num_probes, ChooseBloomProbes(10));
}

TEST(BloomFilterTest, FinishAppendsAndCanBeCalledAgain) {
  auto policy = NewBloomFilterPolicy();
  std::unique_ptr<FilterBuilder> builder = policy->NewBuilder();
  for (int i = 0; i < 100; ++i) builder->AddKey("first" + std::to_string(i));
  std::string out = "prefix";
  builder->Finish(&out);
  ASSERT_EQ(out.substr(0, 6), "prefix");
  const std::string first = out.substr(6);
  for (int i = 0; i < 100; ++i) builder->AddKey("second" + std::to_string(i));
  std::string second;
  builder->Finish(&second);

  std::unique_ptr<FilterReader> first_reader = MustRead(*policy, first);
  std::unique_ptr<FilterReader> second_reader = MustRead(*policy, second);
  ASSERT_NE(first_reader, nullptr);
  ASSERT_NE(second_reader, nullptr);
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(first_reader->KeyMayMatch("first" + std::to_string(i)));
    EXPECT_TRUE(second_reader->KeyMayMatch("first" + std::to_string(i)));
    EXPECT_TRUE(second_reader->KeyMayMatch("second" + std::to_string(i)));
  }
  ASSERT_OK(DecodeBloomFilterInfo(second));
  EXPECT_EQ(DecodeBloomFilterInfo(second)->num_keys, 200u);
}

TEST(BloomFilterTest, ReaderUsesTheFiltersOwnShape) {
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) keys.push_back("key" + std::to_string(i));
  const std::string filter = BuildFilter(*NewBloomFilterPolicy(20), keys);
  auto built_by = MustRead(*NewBloomFilterPolicy(20), filter);
  auto other = MustRead(*NewBloomFilterPolicy(3), filter);
  ASSERT_NE(built_by, nullptr);
  ASSERT_NE(other, nullptr);
  for (int i = 0; i < 20000; ++i) {
    const std::string key = "probe" + std::to_string(i);
    ASSERT_EQ(built_by->KeyMayMatch(key), other->KeyMayMatch(key)) << key;
  }
  for (const std::string& key : keys) EXPECT_TRUE(other->KeyMayMatch(key));
}

TEST(BloomFilterTest, ReaderPointsIntoTheFilter) {
  std::vector<std::string> keys;
  for (int i = 0; i < 10000; ++i) keys.push_back(std::to_string(i));
  auto policy = NewBloomFilterPolicy();
  const std::string filter = BuildFilter(*policy, keys);
  std::unique_ptr<FilterReader> reader = MustRead(*policy, filter);
  ASSERT_NE(reader, nullptr);
  EXPECT_GT(reader->ApproximateMemoryUsage(), 0u);
  EXPECT_LT(reader->ApproximateMemoryUsage(), 256u);  // it does not copy the 12 KiB
}

// "apple", "banana", "cherry" at 10 bits/key: one block, 6 probes per key.
constexpr char kGoldenTinyFilterHex[] =
    "00400002000000000020000800000002000100000000002000000008000400000000000400000000000201"
    "00000000000008000080020000000000000000000303000000000000000100000006000001";

// The worked example of docs/format.md ("Filter block"): three keys at 10 bits/key. A change here
// is a format change: bump kBloomFormatVersion instead.
TEST(BloomFilterTest, GoldenBytesOfTinyFilter) {
  const std::string filter = BuildFilter(*NewBloomFilterPolicy(10), {"apple", "banana", "cherry"});
  ASSERT_EQ(filter.size(), 64 + kBloomTrailerBytes);
  std::string hex;
  for (unsigned char c : filter) {
    char buf[3];
    std::snprintf(buf, sizeof(buf), "%02x", c);
    hex += buf;
  }
  EXPECT_EQ(hex, kGoldenTinyFilterHex);
}

std::string Trailer(uint64_t num_keys, uint32_t num_blocks, int probes, int reserved13,
                    int reserved14, int version) {
  std::string t(kBloomTrailerBytes, '\0');
  EncodeFixed64(t.data(), num_keys);
  EncodeFixed32(t.data() + 8, num_blocks);
  t[12] = static_cast<char>(probes);
  t[13] = static_cast<char>(reserved13);
  t[14] = static_cast<char>(reserved14);
  t[15] = static_cast<char>(version);
  return t;
}

TEST(BloomFilterTest, MalformedFiltersAreDataLoss) {
  const std::string block(kBloomBlockBytes, '\xff');
  struct Case {
    const char* name;
    std::string filter;
    const char* message;
  };
  const Case cases[] = {
      {"empty", "", "shorter than its 16-byte trailer"},
      {"15 bytes", std::string(15, '\0'), "shorter than its 16-byte trailer"},
      {"version 0", Trailer(0, 0, 6, 0, 0, 0), "format version 0"},
      {"version 2", Trailer(0, 0, 6, 0, 0, 2), "format version 2"},
      {"reserved byte 13", Trailer(0, 0, 6, 1, 0, 1), "reserved"},
      {"reserved byte 14", Trailer(0, 0, 6, 0, 0x80, 1), "reserved"},
      {"zero probes", block + Trailer(1, 1, 0, 0, 0, 1), "0 probes"},
      {"33 probes", block + Trailer(1, 1, 33, 0, 0, 1), "33 probes"},
      {"255 probes", block + Trailer(1, 1, 255, 0, 0, 1), "255 probes"},
      {"block missing", Trailer(1, 1, 6, 0, 0, 1), "declares 1 blocks"},
      {"extra byte", block + "x" + Trailer(1, 1, 6, 0, 0, 1), "declares 1 blocks"},
      {"huge block count", block + Trailer(1, 0xffffffff, 6, 0, 0, 1), "declares 4294967295"},
      {"keys without blocks", Trailer(5, 0, 6, 0, 0, 1), "5 keys in 0 blocks"},
      {"blocks without keys", block + Trailer(0, 1, 6, 0, 0, 1), "0 keys in 1 blocks"},
      {"under a bit per key", block + Trailer(513, 1, 6, 0, 0, 1), "fewer than 1 bit"},
  };
  auto policy = NewBloomFilterPolicy();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::unique_ptr<FilterReader>> reader = policy->NewReader(c.filter);
    ASSERT_FALSE(reader.ok());
    EXPECT_EQ(reader.status().code(), absl::StatusCode::kDataLoss) << reader.status();
    EXPECT_TRUE(test::MessageContains(reader.status(), c.message)) << reader.status();
  }
  // The limits themselves are accepted.
  EXPECT_OK(policy->NewReader(block + Trailer(512, 1, 32, 0, 0, 1)));
  EXPECT_OK(policy->NewReader(block + Trailer(1, 1, 1, 0, 0, 1)));
}

volatile size_t query_sink = 0;  // keeps the queries below from being optimized away

// Queries a reader with keys that include the ones the filter was built from. A reader
// accepted from damaged bytes may answer anything, but must not crash or read outside
// the filter (the buffer is sized exactly so that AddressSanitizer sees any overrun).
void QueryDamaged(const FilterPolicy& policy, std::string_view bytes,
                  const std::vector<std::string>& keys, size_t* accepted) {
  std::unique_ptr<char[]> exact(new char[bytes.size() + 1]);  // +1: new char[0] is legal
  if (!bytes.empty()) std::memcpy(exact.get(), bytes.data(), bytes.size());
  absl::StatusOr<std::unique_ptr<FilterReader>> reader =
      policy.NewReader(std::string_view(exact.get(), bytes.size()));
  if (!reader.ok()) {
    ASSERT_EQ(reader.status().code(), absl::StatusCode::kDataLoss) << reader.status();
    return;
  }
  ++*accepted;
  size_t matches = 0;
  for (const std::string& key : keys) matches += (*reader)->KeyMayMatch(key) ? 1 : 0;
  for (int i = 0; i < 100; ++i) matches += (*reader)->KeyMayMatch(std::to_string(i)) ? 1 : 0;
  query_sink = query_sink + matches;
}

TEST(BloomFilterTest, EveryTruncationIsRejectedOrSafe) {
  auto policy = NewBloomFilterPolicy();
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back("key" + std::to_string(i));
  const std::string filter = BuildFilter(*policy, keys);
  size_t accepted = 0;
  for (size_t len = 0; len < filter.size(); ++len) {
    SCOPED_TRACE(testing::Message() << "prefix of " << len << " bytes");
    QueryDamaged(*policy, std::string_view(filter).substr(0, len), keys, &accepted);
    SCOPED_TRACE(testing::Message() << "suffix of " << len << " bytes");
    QueryDamaged(*policy, std::string_view(filter).substr(filter.size() - len), keys, &accepted);
  }
  // A prefix ends in block bytes, which almost never form a valid trailer; a suffix keeps
  // the trailer but not the blocks it declares. Neither may be accepted here.
  EXPECT_EQ(accepted, 0u);
}

TEST(BloomFilterTest, RandomCorruptionIsRejectedOrSafe) {
  const uint64_t seed = TestSeed(304);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  auto policy = NewBloomFilterPolicy();
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back("key" + std::to_string(i));
  const std::string filter = BuildFilter(*policy, keys);
  size_t accepted = 0;
  size_t rejected_trailer_damage = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string damaged = filter;
    const int flips = 1 + static_cast<int>(rnd.Uniform(4));
    bool trailer_damaged = false;
    for (int f = 0; f < flips; ++f) {
      // Half of the damage lands in the trailer, where it matters most.
      const size_t pos = rnd.OneIn(2) ? damaged.size() - 1 - rnd.Uniform(kBloomTrailerBytes)
                                      : rnd.Uniform(damaged.size());
      const char old = damaged[pos];
      damaged[pos] = static_cast<char>(rnd.Uniform(256));
      trailer_damaged |= pos >= damaged.size() - kBloomTrailerBytes && damaged[pos] != old;
    }
    SCOPED_TRACE(testing::Message() << "iteration " << iter);
    const size_t before = accepted;
    QueryDamaged(*policy, damaged, keys, &accepted);
    if (trailer_damaged && accepted == before) ++rejected_trailer_damage;
  }
  // Random bytes of random garbage lengths.
  for (int iter = 0; iter < 2000; ++iter) {
    const std::string garbage = test::RandomString(&rnd, rnd.Uniform(300), /*binary=*/true);
    QueryDamaged(*policy, garbage, keys, &accepted);
  }
  EXPECT_GT(accepted, 0u);                   // block damage alone leaves a valid filter
  EXPECT_GT(rejected_trailer_damage, 100u);  // and trailer damage is mostly caught
}

}  // namespace
}  // namespace kvlsm
