// BlockBuilder and Block/BlockIter: round trips against a std::map model across restart
// intervals, seeks at and between every key in both directions, and malformed blocks; and
// the framing of stored blocks (trailer, checksum, zstd) from table/format.h.
#include <zstd.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/dbformat.h"
#include "kvlsm/comparator.h"
#include "kvlsm/env.h"
#include "table/block.h"
#include "table/block_builder.h"
#include "table/format.h"
#include "testutil/testutil.h"
#include "util/coding.h"
#include "util/random.h"

namespace kvlsm {
namespace {

using Model = std::map<std::string, std::string>;

// A Block over its own copy of `bytes`.
std::unique_ptr<Block> MakeBlock(std::string_view bytes) {
  BlockContents contents;
  contents.owned = std::make_unique<char[]>(bytes.size() + 1);
  std::memcpy(contents.owned.get(), bytes.data(), bytes.size());
  contents.owned_size = bytes.size();
  contents.data = std::string_view(contents.owned.get(), bytes.size());
  return std::make_unique<Block>(std::move(contents));
}

std::string BuildBlock(const Model& model, int restart_interval) {
  BlockBuilder builder(restart_interval);
  for (const auto& [k, v] : model) builder.Add(k, v);
  const size_t estimate = builder.CurrentSizeEstimate();
  std::string block(builder.Finish());
  EXPECT_EQ(estimate, block.size());
  return block;
}

Model RandomModel(Random* rnd, size_t n) {
  Model model;
  // Keys share prefixes often, so prefix compression and restarts are exercised.
  static const char* const kPrefixes[] = {"", "a", "apple", "apple/pie", "b", "banana/"};
  while (model.size() < n) {
    std::string key = kPrefixes[rnd->Uniform(6)];
    key += test::RandomString(rnd, rnd->Uniform(6), /*binary=*/rnd->OneIn(4));
    // Sometimes a long value, so value lengths take multi-byte varints.
    const size_t value_size = rnd->OneIn(10) ? 200 + rnd->Uniform(300) : rnd->Uniform(20);
    model[key] = test::RandomString(rnd, value_size);
  }
  return model;
}

// Targets at every key, just after it, just before it, and beyond both ends.
std::vector<std::string> SeekTargets(const Model& model) {
  std::vector<std::string> targets = {"", std::string(8, '\xff')};
  for (const auto& [k, v] : model) {
    targets.push_back(k);
    targets.push_back(k + '\0');
    if (!k.empty()) {
      std::string before = k;
      if (before.back() != '\0') {
        before.back() = static_cast<char>(before.back() - 1);
      } else {
        before.pop_back();
      }
      targets.push_back(before);
    }
  }
  return targets;
}

void ExpectAt(const Iterator& iter, const Model& model, Model::const_iterator expected,
              const std::string& context) {
  if (expected == model.end()) {
    EXPECT_FALSE(iter.Valid()) << context;
  } else {
    ASSERT_TRUE(iter.Valid()) << context;
    EXPECT_EQ(iter.key(), expected->first) << context;
    EXPECT_EQ(iter.value(), expected->second) << context;
  }
  EXPECT_TRUE(iter.status().ok()) << context << ": " << iter.status();
}

void CheckAgainstModel(const Block& block, const Model& model) {
  std::unique_ptr<Iterator> iter = block.NewIterator(BytewiseComparator());
  // Forward.
  auto m = model.begin();
  for (iter->SeekToFirst(); iter->Valid(); iter->Next(), ++m) {
    ASSERT_NE(m, model.end());
    EXPECT_EQ(iter->key(), m->first);
    EXPECT_EQ(iter->value(), m->second);
  }
  EXPECT_EQ(m, model.end());
  EXPECT_TRUE(iter->status().ok());
  // Backward.
  auto r = model.rbegin();
  for (iter->SeekToLast(); iter->Valid(); iter->Prev(), ++r) {
    ASSERT_NE(r, model.rend());
    EXPECT_EQ(iter->key(), r->first);
  }
  EXPECT_EQ(r, model.rend());
  // Seeks, then a step each way from where they land.
  for (const std::string& target : SeekTargets(model)) {
    const std::string context = "target '" + target + "'";
    iter->Seek(target);
    auto lower = model.lower_bound(target);
    ExpectAt(*iter, model, lower, "Seek " + context);
    if (iter->Valid()) {
      iter->Prev();
      ExpectAt(*iter, model, lower == model.begin() ? model.end() : std::prev(lower),
               "Seek+Prev " + context);
    }
    iter->SeekForPrev(target);
    auto upper = model.upper_bound(target);
    auto last_le = upper == model.begin() ? model.end() : std::prev(upper);
    ExpectAt(*iter, model, last_le, "SeekForPrev " + context);
    if (iter->Valid()) {
      iter->Next();
      ExpectAt(*iter, model, upper, "SeekForPrev+Next " + context);
    }
  }
}

class BlockRoundTripTest : public ::testing::TestWithParam<int> {};

TEST_P(BlockRoundTripTest, MatchesModelAtEveryKeyAndBetweenKeys) {
  const uint64_t seed = test::TestSeed(301);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  for (size_t n : {0, 1, 2, 3, 17, 100, 400}) {
    SCOPED_TRACE(n);
    const Model model = RandomModel(&rnd, n);
    const std::string bytes = BuildBlock(model, GetParam());
    auto block = MakeBlock(bytes);
    const size_t expected_restarts = n == 0 ? 1 : (n + GetParam() - 1) / GetParam();
    EXPECT_EQ(block->num_restarts(), expected_restarts);
    CheckAgainstModel(*block, model);
  }
}

INSTANTIATE_TEST_SUITE_P(RestartIntervals, BlockRoundTripTest, ::testing::Values(1, 2, 16),
                         [](const auto& info) { return "Interval" + std::to_string(info.param); });

TEST(BlockTest, PrefixCompressionSharesBytesBetweenRestarts) {
  Model model;
  for (int i = 0; i < 32; ++i) model["common/prefix/key" + std::to_string(100 + i)] = "";
  const std::string compressed = BuildBlock(model, 16);
  const std::string uncompressed = BuildBlock(model, 1);
  // Restart interval 1 repeats every key in full (plus a restart offset per entry).
  EXPECT_LT(compressed.size() + 300, uncompressed.size());
  CheckAgainstModel(*MakeBlock(compressed), model);
}

TEST(BlockTest, InternalKeyBlockOrdersVersionsNewestFirst) {
  InternalKeyComparator comparator(BytewiseComparator());
  BlockBuilder builder(2);
  std::vector<std::string> keys;
  for (const char* user : {"a", "b", "c"}) {
    for (SequenceNumber seq : {9, 5, 1}) {
      std::string key;
      AppendInternalKey(&key, user, seq, ValueType::kPut);
      keys.push_back(key);
      builder.Add(key, std::string(user) + std::to_string(seq));
    }
  }
  auto block = MakeBlock(builder.Finish());
  auto iter = block->NewIterator(&comparator);
  // Seeking (b, 6) finds (b, 5): the newest version at or below 6.
  std::string target;
  AppendInternalKey(&target, "b", 6, kTypeForSeek);
  iter->Seek(target);
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(iter->value(), "b5");
  iter->SeekForPrev(target);
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(iter->value(), "b9");
  // A target shorter than an internal key is refused, not misread.
  iter->Seek("ab");
  EXPECT_FALSE(iter->Valid());
  EXPECT_TRUE(absl::IsInvalidArgument(iter->status())) << iter->status();
}

TEST(BlockTest, EmptyBlockHasOneRestartAndNoEntries) {
  BlockBuilder builder(16);
  EXPECT_TRUE(builder.empty());
  const std::string bytes(builder.Finish());
  EXPECT_EQ(bytes.size(), 8u);
  auto block = MakeBlock(bytes);
  auto iter = block->NewIterator(BytewiseComparator());
  iter->SeekToFirst();
  EXPECT_FALSE(iter->Valid());
  iter->SeekToLast();
  EXPECT_FALSE(iter->Valid());
  iter->Seek("x");
  EXPECT_FALSE(iter->Valid());
  iter->SeekForPrev("x");
  EXPECT_FALSE(iter->Valid());
  EXPECT_TRUE(iter->status().ok());
}

TEST(BlockTest, ResetStartsAFreshBlock) {
  BlockBuilder builder(4);
  builder.Add("z", "1");
  builder.Finish();
  builder.Reset();
  builder.Add("a", "2");
  auto block = MakeBlock(builder.Finish());
  CheckAgainstModel(*block, Model{{"a", "2"}});
}

// Runs every operation; the block must report DataLoss (or nothing) and never read
// outside itself (AddressSanitizer checks the latter).
absl::Status Exercise(const Block& block, bool internal) {
  InternalKeyComparator comparator(BytewiseComparator());
  auto iter = internal ? block.NewIterator(&comparator) : block.NewIterator(BytewiseComparator());
  std::string target(12, 'k');
  absl::Status first;
  auto note = [&] {
    if (first.ok()) first = iter->status();
  };
  int steps = 0;
  for (iter->SeekToFirst(); iter->Valid() && steps < 10000; iter->Next()) ++steps;
  note();
  iter = internal ? block.NewIterator(&comparator) : block.NewIterator(BytewiseComparator());
  for (iter->SeekToLast(); iter->Valid() && steps < 20000; iter->Prev()) ++steps;
  note();
  iter = internal ? block.NewIterator(&comparator) : block.NewIterator(BytewiseComparator());
  iter->Seek(target);
  if (iter->Valid()) iter->Prev();
  note();
  iter = internal ? block.NewIterator(&comparator) : block.NewIterator(BytewiseComparator());
  iter->SeekForPrev(target);
  if (iter->Valid()) iter->Next();
  note();
  return first;
}

TEST(BlockTest, TooShortOrImpossibleRestartArrayIsDataLoss) {
  for (const std::string& bytes :
       {std::string(), std::string("\x01\x00\x00", 3), std::string("\x00\x00\x00\x00", 4),
        std::string("\x05\x00\x00\x00", 4), std::string("abcd\x02\x00\x00\x00", 8)}) {
    auto block = MakeBlock(bytes);
    absl::Status s = Exercise(*block, false);
    EXPECT_TRUE(absl::IsDataLoss(s)) << "block of " << bytes.size() << " bytes: " << s;
  }
}

TEST(BlockTest, RestartPointPastTheEntriesIsDataLoss) {
  std::string bytes = BuildBlock(Model{{"a", "1"}, {"b", "2"}, {"c", "3"}}, 1);
  // Point the second restart far past the entries.
  EncodeFixed32(bytes.data() + bytes.size() - 8, 1000);
  absl::Status s = Exercise(*MakeBlock(bytes), false);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
}

TEST(BlockTest, EntryRunningPastTheEntriesIsDataLoss) {
  std::string bytes = BuildBlock(Model{{"a", "1"}, {"b", "2"}}, 16);
  bytes[2] = 100;  // The first entry's value length.
  absl::Status s = Exercise(*MakeBlock(bytes), false);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
}

TEST(BlockTest, SharedPrefixLongerThanPreviousKeyIsDataLoss) {
  std::string bytes = BuildBlock(Model{{"abc", "1"}, {"abd", "2"}}, 16);
  // Second entry starts after the first: 3 header bytes + "abc" + "1".
  ASSERT_EQ(bytes[7], 2);  // Its shared count.
  bytes[7] = 9;
  absl::Status s = Exercise(*MakeBlock(bytes), false);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
}

TEST(BlockTest, InternalKeyShorterThanTrailerIsDataLoss) {
  const std::string bytes = BuildBlock(Model{{"short", "1"}}, 16);
  absl::Status s = Exercise(*MakeBlock(bytes), /*internal=*/true);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "8-byte trailer") ||
              test::MessageContains(s, "restart point"))
      << s;
}

TEST(BlockTest, RandomDamageNeverReadsOutsideTheBlock) {
  const uint64_t seed = test::TestSeed(302);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  int damaged = 0;
  for (int round = 0; round < 2000; ++round) {
    const Model model = RandomModel(&rnd, 1 + rnd.Uniform(40));
    std::string bytes = BuildBlock(model, 1 + static_cast<int>(rnd.Uniform(4)));
    const int flips = 1 + static_cast<int>(rnd.Uniform(4));
    for (int i = 0; i < flips; ++i) {
      bytes[rnd.Uniform(bytes.size())] ^= static_cast<char>(1 + rnd.Uniform(255));
    }
    if (rnd.OneIn(4)) bytes.resize(rnd.Uniform(bytes.size() + 1));
    absl::Status s = Exercise(*MakeBlock(bytes), rnd.OneIn(2));
    EXPECT_TRUE(s.ok() || absl::IsDataLoss(s)) << s;
    if (!s.ok()) ++damaged;
  }
  // Most damage is structural and must be noticed (checksums catch the rest in tables).
  EXPECT_GT(damaged, 100);
}

// ---- Block framing: trailer, checksum, compression (table/format.h) ----------------

class StringFile final : public RandomAccessFile {
 public:
  explicit StringFile(std::string contents) : contents_(std::move(contents)) {}
  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* scratch) const override {
    *result = offset >= contents_.size() ? std::string_view()
                                         : std::string_view(contents_).substr(offset, n);
    return absl::OkStatus();
  }

 private:
  const std::string contents_;
};

TEST(FormatTest, CompressorKeepsZstdOnlyWhenItSavesAnEighth) {
  Random rnd(404);
  BlockCompressor compressor(CompressionType::kZstd, 3);
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  int compressed = 0, raw = 0;
  for (size_t zeros = 0; zeros <= 1200; zeros += 8) {
    std::string block = test::RandomString(&rnd, 4096 - zeros, true) + std::string(zeros, '\0');
    std::string out(ZSTD_compressBound(block.size()), '\0');
    const size_t n = ZSTD_compressCCtx(ctx, out.data(), out.size(), block.data(), block.size(), 3);
    CompressionType type;
    const std::string_view stored = compressor.Compress(block, &type);
    if (n <= block.size() - block.size() / 8) {
      EXPECT_EQ(type, CompressionType::kZstd) << zeros;
      EXPECT_EQ(stored.size(), n);
      ++compressed;
    } else {
      EXPECT_EQ(type, CompressionType::kNone) << zeros;
      EXPECT_EQ(stored, block);
      ++raw;
    }
  }
  ZSTD_freeCCtx(ctx);
  EXPECT_GT(compressed, 0);
  EXPECT_GT(raw, 0);
}

// A file holding one block with the given stored payload and type byte.
std::string BlockFile(std::string_view payload, uint8_t type) {
  std::string file(payload);
  char trailer[kBlockTrailerSize];
  EncodeBlockTrailer(payload, static_cast<CompressionType>(type), trailer);
  file.append(trailer, sizeof(trailer));
  return file;
}

absl::Status ReadOnlyBlock(const std::string& file, size_t payload_size) {
  StringFile source(file);
  return ReadBlock(&source, BlockHandle{0, payload_size}, true, "f.sst").status();
}

TEST(FormatTest, ReadBlockRejectsDamageNamingFileAndOffset) {
  const std::string payload = "some block payload";
  std::string file = BlockFile(payload, 0);
  EXPECT_TRUE(ReadOnlyBlock(file, payload.size()).ok());
  file[3] ^= 1;
  absl::Status s = ReadOnlyBlock(file, payload.size());
  EXPECT_TRUE(absl::IsDataLoss(s) && test::MessageContains(s, "f.sst") &&
              test::MessageContains(s, "offset 0") && test::MessageContains(s, "checksum"))
      << s;
  s = ReadOnlyBlock(BlockFile(payload, 0), payload.size() + 10);
  EXPECT_TRUE(absl::IsDataLoss(s) && test::MessageContains(s, "truncated")) << s;
  s = ReadOnlyBlock(BlockFile(payload, 7), payload.size());
  EXPECT_TRUE(absl::IsDataLoss(s) && test::MessageContains(s, "unknown compression type 7")) << s;
  s = ReadOnlyBlock(BlockFile(payload, 1), payload.size());
  EXPECT_TRUE(absl::IsDataLoss(s) && test::MessageContains(s, "zstd")) << s;
}

TEST(FormatTest, ZstdFrameSizeMustBeKnownAndBounded) {
  // 65 MiB of zeros compress to a small frame that claims more than a block may hold.
  const std::string big(kMaxCompressedBlockContentSize + (1 << 20), '\0');
  std::string frame(ZSTD_compressBound(big.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), big.data(), big.size(), 1));
  absl::Status s = ReadOnlyBlock(BlockFile(frame, 1), frame.size());
  EXPECT_TRUE(absl::IsDataLoss(s) && test::MessageContains(s, "claims")) << s;

  // A frame whose header omits the content size.
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 0);
  std::string stream(256, '\0');
  ZSTD_outBuffer out{stream.data(), stream.size(), 0};
  ZSTD_inBuffer in{"hello hello hello", 17, 0};
  ZSTD_compressStream2(ctx, &out, &in, ZSTD_e_end);
  ZSTD_freeCCtx(ctx);
  stream.resize(out.pos);
  s = ReadOnlyBlock(BlockFile(stream, 1), stream.size());
  EXPECT_TRUE(absl::IsDataLoss(s) && test::MessageContains(s, "content size")) << s;
}

}  // namespace
}  // namespace kvlsm
