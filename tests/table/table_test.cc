// TableBuilder/TableReader (and the format helpers under them): a std::map model across
// block sizes, restart intervals and compression; point lookups at snapshots; properties;
// name and version mismatches; caching. Damage: table_corruption_test.cc.
#include "table_harness.h"

namespace kvlsm {
namespace {

using namespace table_test;  // NOLINT: the shared harness of the table tests.

// ---- Model tests -------------------------------------------------------------------

using ModelParam = std::tuple<size_t, int, CompressionType>;
class TableModelTest : public ::testing::TestWithParam<ModelParam> {};

TEST_P(TableModelTest, IterationSeeksAndGetsMatchModel) {
  const auto [block_size, restart_interval, compression] = GetParam();
  const uint64_t seed = test::TestSeed(401 + block_size + restart_interval);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  Harness h;
  const Model model = RandomModel(&rnd, 150);
  TableBuilderOptions options = h.BuilderOptions();
  options.block_size = block_size;
  options.block_restart_interval = restart_interval;
  options.compression = compression;
  const TablePair pair = h.Build(options, model);
  std::shared_ptr<Cache> cache = NewLRUCache(1 << 20);
  for (Cache* c : {static_cast<Cache*>(nullptr), cache.get()}) {
    auto table = h.Open(pair, h.ReaderOptions(c));
    ASSERT_TRUE(table.ok()) << table.status();
    auto iter = (*table)->NewIterator(ReadOptions());
    CheckIteratorAgainstModel(iter.get(), model);
    CheckGetsAgainstModel(&h, **table, model);
    EXPECT_TRUE((*table)->VerifyChecksums().ok());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, TableModelTest,
    ::testing::Combine(::testing::Values(64, 256, 4096), ::testing::Values(1, 4, 16),
                       ::testing::Values(CompressionType::kNone, CompressionType::kZstd)),
    [](const auto& info) {
      return absl::StrCat("Block", std::get<0>(info.param), "Restart", std::get<1>(info.param),
                          std::get<2>(info.param) == CompressionType::kZstd ? "Zstd" : "None");
    });

TEST(TableTest, VersionsOfOneKeySpanningBlocksAreFedNewestFirst) {
  Harness h;
  Model model;
  model[IKey("a", 500)] = "before";
  for (SequenceNumber seq = 100; seq > 40; --seq) {
    model[IKey("key", seq, seq % 10 == 0 ? ValueType::kPut : ValueType::kMerge)] =
        absl::StrCat("v", seq);
  }
  model[IKey("key", 30, ValueType::kDelete)] = "";
  model[IKey("key", 20)] = "oldest";
  model[IKey("zz", 1)] = "after";
  TableBuilderOptions options = h.BuilderOptions();
  options.block_size = 64;
  const TablePair pair = h.Build(options, model);
  auto table = h.Open(pair, h.ReaderOptions());
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_GT((*table)->properties().num_data_blocks, 10u);
  for (SequenceNumber snapshot = 0; snapshot <= 110; ++snapshot) {
    ASSERT_EQ(Describe(h.Get(**table, "key", snapshot)),
              Describe(h.ModelGet(model, "key", snapshot)))
        << snapshot;
  }
  EXPECT_EQ(Describe(h.Get(**table, "key", 99)), "value 'v90+v91+v92+v93+v94+v95+v96+v97+v98+v99'");
  EXPECT_EQ(Describe(h.Get(**table, "key", 45)),
            "value '(none)+v41+v42+v43+v44+v45'");  // Over the Delete.
  EXPECT_TRUE(absl::IsNotFound(h.Get(**table, "key", 35).status()));
  EXPECT_EQ(Describe(h.Get(**table, "key", 25)), "value 'oldest'");
}

TEST(TableTest, EmptyTableOpensAndHoldsNothing) {
  Harness h;
  const TablePair pair = h.Build(h.BuilderOptions(), Model());
  EXPECT_TRUE(pair.data.empty());
  auto table = h.Open(pair, h.ReaderOptions());
  ASSERT_TRUE(table.ok()) << table.status();
  auto iter = (*table)->NewIterator(ReadOptions());
  iter->SeekToFirst();
  EXPECT_FALSE(iter->Valid());
  iter->SeekForPrev(IKey("x", 5));
  EXPECT_FALSE(iter->Valid());
  EXPECT_TRUE(iter->status().ok());
  EXPECT_TRUE(absl::IsNotFound(h.Get(**table, "x", 9).status()));
  EXPECT_EQ((*table)->properties().num_entries, 0u);
  EXPECT_TRUE((*table)->VerifyChecksums().ok());
}

TEST(TableTest, OutOfOrderOrMalformedKeysAreRejected) {
  Harness h;
  std::string data, index;
  test::StringWritableFile d(&data), i(&index);
  TableBuilder builder(h.BuilderOptions(), &d, &i);
  builder.Add(IKey("b", 5), "1");
  builder.Add(IKey("b", 5), "again");
  EXPECT_TRUE(absl::IsInvalidArgument(builder.status())) << builder.status();
  builder.Add(IKey("c", 5), "ignored after the error");
  EXPECT_EQ(builder.NumEntries(), 1u);
  EXPECT_TRUE(absl::IsInvalidArgument(builder.Finish()));

  TableBuilder short_key(h.BuilderOptions(), &d, &i);
  short_key.Add("abc", "x");
  EXPECT_TRUE(absl::IsInvalidArgument(short_key.status())) << short_key.status();
  short_key.Abandon();
}

TEST(TableTest, PropertiesRoundTrip) {
  Harness h;
  Model model;
  model[IKey("apple", 9)] = "red";
  model[IKey("apple", 4, ValueType::kDelete)] = "";
  model[IKey("banana", 12, ValueType::kMerge)] = "+1";
  model[IKey("cherry", 3)] = "dark";
  TableBuilderOptions options = h.BuilderOptions();
  options.compression = CompressionType::kZstd;
  const TablePair pair = h.Build(options, model);
  auto table = h.Open(pair, h.ReaderOptions());
  ASSERT_TRUE(table.ok()) << table.status();
  const TableProperties& p = (*table)->properties();
  EXPECT_EQ(p.num_entries, 4u);
  EXPECT_EQ(p.num_deletions, 1u);
  EXPECT_EQ(p.num_merges, 1u);
  EXPECT_EQ(p.raw_key_bytes, 5 + 5 + 6 + 6 + 4 * 8u);
  EXPECT_EQ(p.raw_value_bytes, 3 + 0 + 2 + 4u);
  EXPECT_EQ(p.data_size, pair.data.size());
  EXPECT_EQ(p.num_data_blocks, 1u);
  EXPECT_GT(p.index_size, 0u);
  EXPECT_GT(p.filter_size, 0u);
  EXPECT_EQ(p.smallest_key, IKey("apple", 9));
  EXPECT_EQ(p.largest_key, IKey("cherry", 3));
  EXPECT_EQ(p.smallest_seqno, 3u);
  EXPECT_EQ(p.largest_seqno, 12u);
  EXPECT_EQ(p.compression, "zstd");
  EXPECT_EQ(p.comparator_name, "kvlsm.BytewiseComparator");
  EXPECT_EQ(p.filter_policy_name, "test.ExactSet");
  EXPECT_EQ(p.creation_time, 1700000000u);
  EXPECT_EQ(p.file_number, 7u);
  EXPECT_EQ(p.format_version, kTableFormatVersion);
  EXPECT_NE(p.ToString().find("smallest_key: 'apple' @ 9 type 1"), std::string::npos)
      << p.ToString();
}

TEST(TablePropertiesTest, UnknownTagsAreSkippedAndDamageIsDataLoss) {
  TableProperties p;
  p.num_entries = 300;
  p.smallest_key = IKey("k", 1);
  p.comparator_name = "c";
  std::string block;
  p.EncodeTo(&block);
  // A newer writer's extra property (a higher tag) is ignored.
  std::string newer = block;
  PutVarint32(&newer, 40);
  PutLengthPrefixed(&newer, "from the future");
  TableProperties decoded;
  ASSERT_TRUE(decoded.DecodeFrom(newer).ok());
  EXPECT_EQ(decoded.num_entries, 300u);
  EXPECT_EQ(decoded.smallest_key, p.smallest_key);
  // Tags out of order.
  std::string repeated = block;
  PutVarint32(&repeated, 3);
  PutLengthPrefixed(&repeated, "\x01");
  EXPECT_TRUE(absl::IsDataLoss(decoded.DecodeFrom(repeated)));
  // A missing required property.
  std::string missing;
  PutVarint32(&missing, 1);
  PutLengthPrefixed(&missing, "\x05");
  absl::Status s = decoded.DecodeFrom(missing);
  EXPECT_TRUE(absl::IsDataLoss(s) && test::MessageContains(s, "num_deletions")) << s;
  // An integer with trailing bytes, and a truncated property.
  std::string bad_integer;
  PutVarint32(&bad_integer, 1);
  PutLengthPrefixed(&bad_integer, "\x05\x05");
  EXPECT_TRUE(absl::IsDataLoss(decoded.DecodeFrom(bad_integer)));
  EXPECT_TRUE(absl::IsDataLoss(decoded.DecodeFrom(block.substr(0, block.size() - 1))));
  EXPECT_EQ(decoded.num_entries, 300u) << "a failed decode leaves the properties unchanged";
}

// ---- Names, versions, filter, cache ------------------------------------------------

TEST(TableTest, ComparatorOfAnotherNameRefusesToOpen) {
  Harness h;
  Model model;
  model[IKey("a", 1)] = "x";
  const TablePair pair = h.Build(h.BuilderOptions(), model);
  ReverseComparator reverse;
  InternalKeyComparator other(&reverse);
  TableReaderOptions options = h.ReaderOptions();
  options.comparator = &other;
  auto table = h.Open(pair, options);
  ASSERT_TRUE(absl::IsInvalidArgument(table.status())) << table.status();
  EXPECT_TRUE(test::MessageContains(table.status(), "kvlsm.BytewiseComparator"));
  EXPECT_TRUE(test::MessageContains(table.status(), "test.ReverseBytewise"));
}

TEST(TableTest, FilterOfAnotherNameRefusesToOpenAndNoPolicyIgnoresIt) {
  Harness h;
  Model model;
  model[IKey("a", 1)] = "x";
  const TablePair pair = h.Build(h.BuilderOptions(), model);
  ExactSetPolicy other("test.OtherSet");
  TableReaderOptions options = h.ReaderOptions();
  options.filter_policy = &other;
  auto table = h.Open(pair, options);
  ASSERT_TRUE(absl::IsInvalidArgument(table.status())) << table.status();
  EXPECT_TRUE(test::MessageContains(table.status(), "test.ExactSet"));
  EXPECT_TRUE(test::MessageContains(table.status(), "test.OtherSet"));

  options.filter_policy = nullptr;
  table = h.Open(pair, options);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(Describe(h.Get(**table, "a", 5)), "value 'x'");
  EXPECT_TRUE(absl::IsNotFound(h.Get(**table, "b", 5).status()));
  EXPECT_EQ(h.filter.probes.load(), 0);
}

TEST(TableTest, FilterSkipsTheDataForAbsentKeys) {
  Harness h;
  Model model;
  for (int i = 0; i < 100; i += 2) model[IKey(absl::StrCat("key", 1000 + i), 1)] = "v";
  const TablePair pair = h.Build(h.BuilderOptions(), model);
  auto table = h.Open(pair, h.ReaderOptions());
  ASSERT_TRUE(table.ok()) << table.status();
  const int reads = h.data_reads.load();
  for (int i = 1; i < 100; i += 2) {
    EXPECT_TRUE(absl::IsNotFound(h.Get(**table, absl::StrCat("key", 1000 + i), 5).status()));
  }
  EXPECT_EQ(h.data_reads.load(), reads);
  EXPECT_EQ(h.filter.probes.load(), 50);
  EXPECT_EQ(Describe(h.Get(**table, "key1010", 5)), "value 'v'");
  EXPECT_EQ(h.data_reads.load(), reads + 1);
}

TEST(TableTest, RealBloomFilterPolicyWorksEndToEnd) {
  Harness h;
  std::shared_ptr<const FilterPolicy> bloom = NewBloomFilterPolicy(10);
  Model model;
  for (int i = 0; i < 500; ++i) model[IKey(absl::StrCat("key", i), 1)] = absl::StrCat(i);
  TableBuilderOptions options = h.BuilderOptions();
  options.filter_policy = bloom.get();
  const TablePair pair = h.Build(options, model);
  TableReaderOptions reader_options = h.ReaderOptions();
  reader_options.filter_policy = bloom.get();
  auto table = h.Open(pair, reader_options);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)->properties().filter_policy_name, bloom->Name());
  for (int i = 0; i < 500; ++i)
    EXPECT_EQ(Describe(h.Get(**table, absl::StrCat("key", i), 5)),
              "value '" + absl::StrCat(i) + "'");
  const int reads = h.data_reads.load();
  for (int i = 0; i < 500; ++i) {
    EXPECT_TRUE(absl::IsNotFound(h.Get(**table, absl::StrCat("absent", i), 5).status()));
  }
  EXPECT_LT(h.data_reads.load() - reads, 50) << "about 1% of absent keys should reach the data";
}

TEST(TableTest, NewerFormatVersionRefusesToOpen) {
  Harness h;
  Model model;
  model[IKey("a", 1)] = "x";
  TablePair pair = h.Build(h.BuilderOptions(), model);
  // Rewrite the footer's version (tail: size, version, checksum, magic) and its checksum.
  const size_t footer = pair.index.size() - Footer::kVersion1Size;
  EncodeFixed32(pair.index.data() + pair.index.size() - 16, kTableFormatVersion + 1);
  EncodeFixed32(
      pair.index.data() + pair.index.size() - 12,
      Checksum32(std::string_view(pair.index).substr(footer, Footer::kVersion1Size - 12)));
  auto table = h.Open(pair, h.ReaderOptions());
  ASSERT_TRUE(absl::IsInvalidArgument(table.status())) << table.status();
  EXPECT_TRUE(test::MessageContains(table.status(), "written by a newer kvlsm"));
  EXPECT_TRUE(test::MessageContains(table.status(), kIndexName));
}

TEST(TableTest, BlockCacheServesRepeatedReads) {
  Harness h;
  std::shared_ptr<Cache> cache = NewLRUCache(8 << 20);
  Model model;
  for (int i = 0; i < 200; ++i)
    model[IKey(absl::StrCat("key", 1000 + i), 1)] = std::string(50, 'v');
  const TablePair pair = h.Build(h.BuilderOptions(), model);
  auto table = h.Open(pair, h.ReaderOptions(cache.get()));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_GE((*table)->IndexAndFilterMemory(), pair.index.size());
  const int reads = h.data_reads.load();
  ASSERT_TRUE(h.Get(**table, "key1100", 5).ok());
  ASSERT_TRUE(h.Get(**table, "key1100", 5).ok());
  EXPECT_EQ(h.data_reads.load(), reads + 1);
  EXPECT_EQ(cache->GetStats().inserts, 1u);
  EXPECT_EQ(cache->GetStats().hits, 1u);
  // fill_cache = false and unverified reads leave the cache alone.
  ReadOptions no_fill;
  no_fill.fill_cache = false;
  ASSERT_TRUE(h.Get(**table, "key1000", 5, no_fill).ok());
  ReadOptions unverified;
  unverified.verify_checksums = false;
  ASSERT_TRUE(h.Get(**table, "key1000", 5, unverified).ok());
  EXPECT_EQ(cache->GetStats().inserts, 1u);
  EXPECT_EQ(h.data_reads.load(), reads + 3);
}

TEST(TableTest, ConcurrentGetsAndIterators) {
  const uint64_t seed = test::TestSeed(402);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  Harness h;
  std::shared_ptr<Cache> cache = NewLRUCache(8 << 20);
  const Model model = RandomModel(&rnd, 300);
  const TablePair pair = h.Build(h.BuilderOptions(), model);
  auto table = h.Open(pair, h.ReaderOptions(cache.get()));
  ASSERT_TRUE(table.ok()) << table.status();
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (const auto& [k, v] : model) {
        const std::string user(ExtractUserKey(k));
        if (Describe(h.Get(**table, user, kMaxSequenceNumber)) !=
            Describe(h.ModelGet(model, user, kMaxSequenceNumber))) {
          ++mismatches;
        }
      }
      auto iter = (*table)->NewIterator(ReadOptions());
      size_t n = 0;
      for (iter->SeekToFirst(); iter->Valid(); iter->Next()) ++n;
      if (n != model.size()) ++mismatches;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(TableTest, ApproximateOffsetsGrowWithKeys) {
  Harness h;
  Model model;
  for (int i = 0; i < 300; ++i)
    model[IKey(absl::StrCat("key", 1000 + i), 1)] = std::string(40, 'v');
  const TablePair pair = h.Build(h.BuilderOptions(), model);
  auto table = h.Open(pair, h.ReaderOptions());
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)->ApproximateOffsetOf(IKey("a", 1)), 0u);
  uint64_t previous = 0;
  for (int i = 0; i < 300; i += 10) {
    const uint64_t offset = (*table)->ApproximateOffsetOf(IKey(absl::StrCat("key", 1000 + i), 1));
    EXPECT_GE(offset, previous);
    previous = offset;
  }
  EXPECT_GT(previous, pair.data.size() / 2);
  EXPECT_EQ((*table)->ApproximateOffsetOf(IKey("zzz", 1)), pair.data.size());
}

// ---- Compression -------------------------------------------------------------------

TEST(TableTest, ZstdShrinksCompressibleDataAndStoresRandomDataRaw) {
  Harness h;
  Random rnd(403);
  Model compressible, random;
  for (int i = 0; i < 300; ++i) {
    compressible[IKey(absl::StrCat("key", 1000 + i), 1)] = std::string(100, 'a' + i % 3);
    random[IKey(absl::StrCat("key", 1000 + i), 1)] = test::RandomString(&rnd, 100, true);
  }
  TableBuilderOptions none = h.BuilderOptions();
  TableBuilderOptions zstd = h.BuilderOptions();
  zstd.compression = CompressionType::kZstd;
  EXPECT_LT(h.Build(zstd, compressible).data.size() * 3, h.Build(none, compressible).data.size());
  // No block shrinks by 12.5%, so every block is stored raw: the .sst files are identical.
  EXPECT_EQ(h.Build(zstd, random).data, h.Build(none, random).data);
}

}  // namespace
}  // namespace kvlsm
