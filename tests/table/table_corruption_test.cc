// Damaged tables: a sweep flipping every byte of both files, truncated and mismatched
// halves, unverified reads; and the golden bytes of the documented example.
#include "table_harness.h"

namespace kvlsm {
namespace {

using namespace table_test;  // NOLINT: the shared harness of the table tests.

// ---- Damage ------------------------------------------------------------------------

// Opens the (possibly damaged) pair and reads everything. Each result must be correct or
// DataLoss naming `damaged_file`. Returns whether any damage was reported.
bool ReadEverything(Harness* h, const TablePair& pair, const Model& model,
                    const std::string& damaged_file) {
  bool reported = false;
  auto check = [&](const absl::Status& s, const std::string& what) {
    if (s.ok()) return;
    reported = true;
    EXPECT_TRUE(absl::IsDataLoss(s) && test::MessageContains(s, damaged_file)) << what << ": " << s;
  };
  auto table = h->Open(pair, h->ReaderOptions());
  if (!table.ok()) {
    check(table.status(), "Open");
    return reported;
  }
  std::set<std::string> users;
  for (const auto& [k, v] : model) users.emplace(ExtractUserKey(k));
  for (const std::string& user : users) {
    auto got = h->Get(**table, user, kMaxSequenceNumber);
    if (got.ok() || absl::IsNotFound(got.status())) {
      EXPECT_EQ(Describe(got), Describe(h->ModelGet(model, user, kMaxSequenceNumber))) << user;
    } else {
      check(got.status(), "Get " + user);
    }
  }
  auto iter = (*table)->NewIterator(ReadOptions());
  auto m = model.begin();
  for (iter->SeekToFirst(); iter->Valid(); iter->Next(), ++m) {
    if (m == model.end() || iter->key() != m->first || iter->value() != m->second) {
      ADD_FAILURE() << "forward iteration returned a wrong entry";
      return true;
    }
  }
  if (iter->status().ok()) {
    EXPECT_EQ(m, model.end());
  }
  check(iter->status(), "forward iteration");
  auto r = model.rbegin();
  for (iter->SeekToLast(); iter->Valid(); iter->Prev(), ++r) {
    if (r == model.rend() || iter->key() != r->first || iter->value() != r->second) {
      ADD_FAILURE() << "backward iteration returned a wrong entry";
      return true;
    }
  }
  if (iter->status().ok()) {
    EXPECT_EQ(r, model.rend());
  }
  check(iter->status(), "backward iteration");
  check((*table)->VerifyChecksums(), "VerifyChecksums");
  return reported;
}

TEST(TableCorruptionTest, EveryFlippedByteIsFoundOrHarmless) {
  const uint64_t seed = test::TestSeed(405);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  Harness h;
  const Model model = RandomModel(&rnd, 120, /*big_value_one_in=*/1000);
  TableBuilderOptions options = h.BuilderOptions();
  options.compression = CompressionType::kZstd;
  const TablePair pair = h.Build(options, model);
  ASSERT_GE(model.size(), 200u);
  ASSERT_FALSE(ReadEverything(&h, pair, model, "none"));
  for (int half = 0; half < 2; ++half) {
    const std::string& original = half == 0 ? pair.data : pair.index;
    const std::string name = half == 0 ? kDataName : kIndexName;
    for (size_t i = 0; i < original.size(); ++i) {
      TablePair damaged = pair;
      std::string& file = half == 0 ? damaged.data : damaged.index;
      file[i] ^= static_cast<char>(1 + rnd.Uniform(255));
      // Every byte of both files is covered by a checksum: the damage must be found.
      ASSERT_TRUE(ReadEverything(&h, damaged, model, name)) << name << " byte " << i;
    }
  }
}

TEST(TableCorruptionTest, TruncatedOrExtendedHalvesAreDataLossNamingTheFile) {
  Harness h;
  Random rnd(406);
  const Model model = RandomModel(&rnd, 60);
  const TablePair pair = h.Build(h.BuilderOptions(), model);
  for (size_t size : {size_t{0}, size_t{1}, pair.data.size() / 2, pair.data.size() - 1}) {
    TablePair damaged = pair;
    damaged.data.resize(size);
    EXPECT_TRUE(ReadEverything(&h, damaged, model, kDataName)) << size;
  }
  for (size_t size : {size_t{0}, size_t{1}, Footer::kTailSize - 1, Footer::kTailSize,
                      Footer::kVersion1Size, pair.index.size() / 2, pair.index.size() - 1}) {
    TablePair damaged = pair;
    damaged.index.resize(size);
    EXPECT_TRUE(ReadEverything(&h, damaged, model, kIndexName)) << size;
  }
  TablePair longer = pair;
  longer.data += "extra";
  EXPECT_TRUE(ReadEverything(&h, longer, model, kDataName));
  longer = pair;
  longer.index += "extra";
  EXPECT_TRUE(ReadEverything(&h, longer, model, kIndexName));
}

// Appends payload and its trailer to *file as an uncompressed block; returns its handle.
BlockHandle AppendBlock(std::string* file, std::string_view payload) {
  BlockHandle handle{file->size(), payload.size()};
  char trailer[kBlockTrailerSize];
  EncodeBlockTrailer(payload, CompressionType::kNone, trailer);
  file->append(payload.data(), payload.size());
  file->append(trailer, sizeof(trailer));
  return handle;
}

// Halves that agree on the .sst's size but not on its blocks (a writer bug, or halves of
// two tables): DataLoss naming both files, at Open when paranoid, else when read.
TEST(TableCorruptionTest, IndexNamingBlocksPastTheDataFileIsDataLoss) {
  Harness h;
  Model model;
  model[IKey("a", 1)] = "x";
  TableBuilderOptions options = h.BuilderOptions();
  options.filter_policy = nullptr;
  TablePair pair = h.Build(options, model);
  BlockBuilder index(1);
  std::string handle;
  BlockHandle{0, pair.data.size()}.EncodeTo(&handle);  // Its trailer would overrun.
  index.Add(IKey("a", 1), handle);
  TableProperties properties;
  properties.num_entries = 1;
  properties.num_data_blocks = 1;
  properties.data_size = pair.data.size();
  properties.comparator_name = BytewiseComparator()->Name();
  std::string encoded;
  properties.EncodeTo(&encoded);
  Footer footer;
  pair.index.clear();
  footer.index_handle = AppendBlock(&pair.index, index.Finish());
  footer.properties_handle = AppendBlock(&pair.index, encoded);
  footer.EncodeTo(&pair.index);

  auto table = h.Open(pair, h.ReaderOptions());
  ASSERT_TRUE(absl::IsDataLoss(table.status())) << table.status();
  EXPECT_TRUE(test::MessageContains(table.status(), kIndexName) &&
              test::MessageContains(table.status(), kDataName))
      << table.status();
  TableReaderOptions lax = h.ReaderOptions();
  lax.paranoid_checks = false;
  table = h.Open(pair, lax);
  ASSERT_TRUE(table.ok()) << table.status();
  absl::Status s = h.Get(**table, "a", 5).status();
  EXPECT_TRUE(absl::IsDataLoss(s) && test::MessageContains(s, "past the end")) << s;
  auto iter = (*table)->NewIterator(ReadOptions());
  iter->SeekToFirst();
  EXPECT_FALSE(iter->Valid());
  EXPECT_TRUE(absl::IsDataLoss(iter->status())) << iter->status();
  EXPECT_TRUE(absl::IsDataLoss((*table)->VerifyChecksums()));
}

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) absl::StrAppend(&out, absl::Hex(c, absl::kZeroPad2));
  return out;
}

// The worked example of docs/format.md ("Tables"): these bytes are the format. A change
// here is a format change, which needs a new format version.
TEST(TableFormatTest, GoldenBytesOfTinyTable) {
  Harness h;
  Model model;
  model[IKey("apple", 3)] = "red";
  model[IKey("apple", 1, ValueType::kDelete)] = "";
  model[IKey("banana", 2)] = "yellow";
  TableBuilderOptions options = h.BuilderOptions();
  options.filter_policy = nullptr;
  options.block_size = 4096;
  options.block_restart_interval = 16;
  options.file_number = 5;
  const TablePair pair = h.Build(options, model);
  // .sst: one data block (61 bytes) and its trailer.
  EXPECT_EQ(Hex(pair.data),
            "000d036170706c6501030000000000007265640508000001000000000000000e0662616e616e6101"
            "0200000000000079656c6c6f77000000000100000000d2cb85a5");
  // .idx: index block, properties block, footer.
  EXPECT_EQ(Hex(pair.index),
            "0009026302ffffffffffffff003d0000000001000000007888959501010302010103010004012805"
            "010906014207011b0801000901010a0d6170706c6501030000000000000b0e62616e616e61010200"
            "00000000000c01010d01030e046e6f6e650f186b766c736d2e4279746577697365436f6d70617261"
            "746f721000110580e2cfaa06120105009ada1a040000000000000000160000000000000000000000"
            "0000000000000000000000001b000000000000006c000000000000004400000001000000f09bb5e9"
            "6b766c736d494458");
}

TEST(TableCorruptionTest, UnverifiedReadsOfDamagedBlocksStayInBounds) {
  Harness h;
  Random rnd(407);
  const Model model = RandomModel(&rnd, 60);
  const TablePair pair = h.Build(h.BuilderOptions(), model);
  ReadOptions unverified;
  unverified.verify_checksums = false;
  for (int round = 0; round < 300; ++round) {
    TablePair damaged = pair;
    for (int i = 0; i < 3; ++i) {
      damaged.data[rnd.Uniform(damaged.data.size())] ^= static_cast<char>(1 + rnd.Uniform(255));
    }
    auto table = h.Open(damaged, h.ReaderOptions());
    ASSERT_TRUE(table.ok()) << table.status();
    // Without checksums, values may be wrong; the reads must still end cleanly.
    auto iter = (*table)->NewIterator(unverified);
    for (iter->SeekToFirst(); iter->Valid(); iter->Next()) {
    }
    for (iter->SeekToLast(); iter->Valid(); iter->Prev()) {
    }
    EXPECT_TRUE(iter->status().ok() || absl::IsDataLoss(iter->status())) << iter->status();
    for (const auto& [k, v] : model) {
      std::string value;
      GetContext ctx(&h.merge, ExtractUserKey(k), &value);
      absl::Status s = (*table)->Get(unverified, ExtractUserKey(k), kMaxSequenceNumber, &ctx);
      EXPECT_TRUE(s.ok() || absl::IsDataLoss(s)) << s;
    }
  }
}

}  // namespace
}  // namespace kvlsm
