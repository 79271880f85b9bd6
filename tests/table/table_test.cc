// TableBuilder/TableReader (and the format helpers under them): a std::map model across
// block sizes, restart intervals and compression; point lookups at snapshots; properties;
// name and version mismatches; caching; and a sweep flipping every byte of both files.
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "db/dbformat.h"
#include "db/get_context.h"
#include "kvlsm/cache.h"
#include "kvlsm/comparator.h"
#include "kvlsm/filter_policy.h"
#include "kvlsm/merge_operator.h"
#include "table/block_builder.h"
#include "table/format.h"
#include "table/table_builder.h"
#include "table/table_properties.h"
#include "table/table_reader.h"
#include "testutil/testutil.h"
#include "util/coding.h"
#include "util/hash.h"
#include "util/random.h"

namespace kvlsm {
namespace {

constexpr char kDataName[] = "/db/000007.sst";
constexpr char kIndexName[] = "/db/000007.idx";

// ---- Test doubles ------------------------------------------------------------------

class StringSink final : public WritableFile {
 public:
  explicit StringSink(std::string* contents) : contents_(contents) {}
  absl::Status Append(std::string_view data) override {
    contents_->append(data.data(), data.size());
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }

 private:
  std::string* const contents_;
};

class StringSource final : public RandomAccessFile {
 public:
  StringSource(std::string contents, std::atomic<int>* reads)
      : contents_(std::move(contents)), reads_(reads) {}
  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* scratch) const override {
    if (reads_ != nullptr) reads_->fetch_add(1);
    if (offset >= contents_.size()) {
      *result = {};
      return absl::OkStatus();
    }
    *result = std::string_view(contents_).substr(offset, n);  // Not in scratch: a mmap.
    return absl::OkStatus();
  }

 private:
  const std::string contents_;
  std::atomic<int>* const reads_;
};

// A filter that stores its keys exactly: no false positives, so tests can count lookups
// that reach the data. Its bytes: varint32-length-prefixed keys.
class ExactSetPolicy final : public FilterPolicy {
 public:
  explicit ExactSetPolicy(const char* name) : name_(name) {}
  const char* Name() const override { return name_; }
  std::unique_ptr<FilterBuilder> NewBuilder() const override {
    class Builder final : public FilterBuilder {
     public:
      void AddKey(std::string_view key) override { keys_.emplace(key); }
      void Finish(std::string* dst) override {
        for (const auto& k : keys_) PutLengthPrefixed(dst, k);
      }

     private:
      std::set<std::string> keys_;
    };
    return std::make_unique<Builder>();
  }
  absl::StatusOr<std::unique_ptr<FilterReader>> NewReader(std::string_view filter) const override {
    class Reader final : public FilterReader {
     public:
      Reader(std::set<std::string> keys, std::atomic<int>* probes)
          : keys_(std::move(keys)), probes_(probes) {}
      bool KeyMayMatch(std::string_view key) const override {
        probes_->fetch_add(1);
        return keys_.count(std::string(key)) > 0;
      }
      size_t ApproximateMemoryUsage() const override { return 64 * keys_.size(); }

     private:
      const std::set<std::string> keys_;
      std::atomic<int>* const probes_;
    };
    std::set<std::string> keys;
    std::string_view key;
    while (!filter.empty()) {
      if (!GetLengthPrefixed(&filter, &key)) return absl::DataLossError("bad exact-set filter");
      keys.emplace(key);
    }
    return std::make_unique<Reader>(std::move(keys), &probes);
  }
  mutable std::atomic<int> probes{0};

 private:
  const char* const name_;
};

// Folds "base" and operands (oldest first) into "base+op1+op2".
class AppendOperator final : public MergeOperator {
 public:
  const char* Name() const override { return "test.Append"; }
  absl::Status FullMerge(std::string_view, std::optional<std::string_view> existing,
                         std::span<const std::string_view> operands,
                         std::string* out) const override {
    *out = existing.has_value() ? std::string(*existing) : "(none)";
    for (auto op : operands) absl::StrAppend(out, "+", std::string(op));
    return absl::OkStatus();
  }
};

class ReverseComparator final : public Comparator {
 public:
  int Compare(std::string_view a, std::string_view b) const override { return b.compare(a); }
  const char* Name() const override { return "test.ReverseBytewise"; }
};

// ---- Model and harness -------------------------------------------------------------

struct InternalLess {
  InternalKeyComparator comparator{BytewiseComparator()};
  bool operator()(const std::string& a, const std::string& b) const {
    return comparator.Compare(a, b) < 0;
  }
};
using Model = std::map<std::string, std::string, InternalLess>;

std::string IKey(std::string_view user, SequenceNumber seq, ValueType type = ValueType::kPut) {
  std::string key;
  AppendInternalKey(&key, user, seq, type);
  return key;
}

// Random user keys, each with 1..4 versions of random types, sequences unique.
Model RandomModel(Random* rnd, size_t user_keys, size_t big_value_one_in = 20) {
  Model model;
  SequenceNumber seq = 1;
  std::set<std::string> users;
  while (users.size() < user_keys) users.insert(test::RandomString(rnd, 4 + rnd->Uniform(12)));
  for (const std::string& user : users) {
    const int versions = 1 + static_cast<int>(rnd->Uniform(4));
    for (int v = 0; v < versions; ++v) {
      const uint64_t r = rnd->Uniform(10);
      const ValueType type =
          r < 7 ? ValueType::kPut : (r < 8 ? ValueType::kDelete : ValueType::kMerge);
      const size_t size = rnd->OneIn(big_value_one_in) ? 300 : rnd->Uniform(40);
      model[IKey(user, seq += 1 + rnd->Uniform(3), type)] =
          type == ValueType::kDelete ? "" : test::RandomString(rnd, size);
    }
  }
  return model;
}

struct TablePair {
  std::string data;
  std::string index;
};

struct Harness {
  InternalKeyComparator comparator{BytewiseComparator()};
  ExactSetPolicy filter{"test.ExactSet"};
  AppendOperator merge;
  std::atomic<int> data_reads{0};

  TableBuilderOptions BuilderOptions() {
    TableBuilderOptions options;
    options.comparator = &comparator;
    options.filter_policy = &filter;
    options.block_size = 256;
    options.block_restart_interval = 4;
    options.file_number = 7;
    options.creation_time = 1700000000;
    return options;
  }

  TablePair Build(const TableBuilderOptions& options, const Model& model) {
    TablePair pair;
    StringSink data(&pair.data);
    StringSink index(&pair.index);
    TableBuilder builder(options, &data, &index);
    for (const auto& [k, v] : model) builder.Add(k, v);
    EXPECT_TRUE(builder.Finish().ok()) << builder.status();
    EXPECT_EQ(builder.DataFileSize(), pair.data.size());
    EXPECT_EQ(builder.IndexFileSize(), pair.index.size());
    EXPECT_EQ(builder.NumEntries(), model.size());
    return pair;
  }

  TableReaderOptions ReaderOptions(Cache* cache = nullptr) {
    TableReaderOptions options;
    options.comparator = &comparator;
    options.filter_policy = &filter;
    options.block_cache = cache;
    options.data_file_name = kDataName;
    options.index_file_name = kIndexName;
    return options;
  }

  absl::StatusOr<std::unique_ptr<TableReader>> Open(const TablePair& pair,
                                                    const TableReaderOptions& options) {
    return TableReader::Open(options, std::make_unique<StringSource>(pair.data, &data_reads),
                             pair.data.size(), std::make_unique<StringSource>(pair.index, nullptr),
                             pair.index.size());
  }

  // The outcome of a lookup fed by the table, or by the model.
  absl::StatusOr<std::string> Get(const TableReader& table, std::string_view user,
                                  SequenceNumber snapshot, const ReadOptions& read = {}) {
    std::string value;
    GetContext ctx(&merge, user, &value);
    absl::Status s = table.Get(read, user, snapshot, &ctx);
    if (!s.ok()) return s;
    s = ctx.Finish();
    if (!s.ok()) return s;
    return value;
  }
  absl::StatusOr<std::string> ModelGet(const Model& model, std::string_view user,
                                       SequenceNumber snapshot) {
    std::string value;
    GetContext ctx(&merge, user, &value);
    for (auto it = model.lower_bound(IKey(user, snapshot, kTypeForSeek));
         it != model.end() && ExtractUserKey(it->first) == user; ++it) {
      ParsedInternalKey parsed;
      ParseInternalKey(it->first, &parsed);
      if (!ctx.SaveValue(parsed.type, it->second)) break;
    }
    absl::Status s = ctx.Finish();
    if (!s.ok()) return s;
    return value;
  }
};

std::string Describe(const absl::StatusOr<std::string>& r) {
  return r.ok() ? "value '" + *r + "'" : r.status().ToString();
}

// Internal-key targets at every entry, between versions, between user keys and beyond.
std::vector<std::string> SeekTargets(const Model& model) {
  std::vector<std::string> targets = {IKey("", kMaxSequenceNumber, kTypeForSeek),
                                      IKey("\xff\xff\xff\xff", 0, ValueType::kDelete)};
  for (const auto& [k, v] : model) {
    targets.push_back(k);
    ParsedInternalKey parsed;
    ParseInternalKey(k, &parsed);
    const std::string user(parsed.user_key);
    targets.push_back(IKey(user, parsed.sequence - 1, kTypeForSeek));
    targets.push_back(IKey(user, kMaxSequenceNumber, kTypeForSeek));
    targets.push_back(IKey(user + '\0', kMaxSequenceNumber, kTypeForSeek));
  }
  return targets;
}

void CheckIteratorAgainstModel(Iterator* iter, const Model& model) {
  auto m = model.begin();
  for (iter->SeekToFirst(); iter->Valid(); iter->Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(iter->key(), m->first);
    ASSERT_EQ(iter->value(), m->second);
  }
  ASSERT_TRUE(iter->status().ok()) << iter->status();
  ASSERT_EQ(m, model.end());
  auto r = model.rbegin();
  for (iter->SeekToLast(); iter->Valid(); iter->Prev(), ++r) {
    ASSERT_NE(r, model.rend());
    ASSERT_EQ(iter->key(), r->first);
    ASSERT_EQ(iter->value(), r->second);
  }
  ASSERT_EQ(r, model.rend());
  for (const std::string& target : SeekTargets(model)) {
    iter->Seek(target);
    auto lower = model.lower_bound(target);
    if (lower == model.end()) {
      ASSERT_FALSE(iter->Valid());
    } else {
      ASSERT_TRUE(iter->Valid());
      ASSERT_EQ(iter->key(), lower->first);
      iter->Prev();
      if (lower == model.begin()) {
        ASSERT_FALSE(iter->Valid());
      } else {
        ASSERT_TRUE(iter->Valid());
        ASSERT_EQ(iter->key(), std::prev(lower)->first);
      }
    }
    iter->SeekForPrev(target);
    auto upper = model.upper_bound(target);
    if (upper == model.begin()) {
      ASSERT_FALSE(iter->Valid());
    } else {
      ASSERT_TRUE(iter->Valid());
      ASSERT_EQ(iter->key(), std::prev(upper)->first);
      iter->Next();
      if (upper == model.end()) {
        ASSERT_FALSE(iter->Valid());
      } else {
        ASSERT_TRUE(iter->Valid());
        ASSERT_EQ(iter->key(), upper->first);
      }
    }
  }
  ASSERT_TRUE(iter->status().ok()) << iter->status();
}

void CheckGetsAgainstModel(Harness* h, const TableReader& table, const Model& model) {
  // Per user key: snapshots at, just below and just above each of its versions, and the
  // extremes.
  std::map<std::string, std::vector<SequenceNumber>> snapshots;
  for (const auto& [k, v] : model) {
    auto& s = snapshots[std::string(ExtractUserKey(k))];
    const SequenceNumber seq = ExtractTrailer(k) >> 8;
    s.insert(s.end(), {seq - 1, seq, seq + 1});
  }
  for (auto& [user, list] : snapshots) {
    list.push_back(0);
    list.push_back(kMaxSequenceNumber);
    for (SequenceNumber snapshot : list) {
      auto got = h->Get(table, user, snapshot);
      auto want = h->ModelGet(model, user, snapshot);
      ASSERT_EQ(Describe(got), Describe(want)) << "key '" << user << "' at " << snapshot;
    }
    // A key between this one and the next is absent.
    auto absent = h->Get(table, user + '\0', kMaxSequenceNumber);
    ASSERT_TRUE(absl::IsNotFound(absent.status())) << Describe(absent);
  }
}

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
  StringSink d(&data), i(&index);
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
