// The public SstWriter/SstReader (kvlsm/sst.h) on an in-memory Env.
#include "kvlsm/sst.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "base/dbformat.h"
#include "kvlsm/comparator.h"
#include "kvlsm/env.h"
#include "table/table_builder.h"
#include "testutil/testutil.h"
#include "util/random.h"

namespace kvlsm {
namespace {

class SstTest : public ::testing::Test {
 protected:
  SstTest() : env_(NewMemEnv()) {
    EXPECT_TRUE(env_->CreateDirIfMissing("/dir").ok());
    EXPECT_TRUE(env_->CreateDirIfMissing("/fast").ok());
    options_.env = env_.get();
  }

  // Writes `puts` (in order) as a table.
  void Write(const std::string& path, const std::map<std::string, std::string>& puts,
             std::optional<std::string> index_path = std::nullopt) {
    auto writer = SstWriter::Open(options_, path, index_path);
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (const auto& [k, v] : puts) ASSERT_TRUE((*writer)->Put(k, v).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }

  std::vector<std::pair<std::string, std::string>> Scan(Iterator* iter) {
    std::vector<std::pair<std::string, std::string>> out;
    for (iter->SeekToFirst(); iter->Valid(); iter->Next()) {
      out.emplace_back(iter->key(), iter->value());
    }
    EXPECT_TRUE(iter->status().ok()) << iter->status();
    return out;
  }

  std::unique_ptr<Env> env_;
  SstOptions options_;
};

TEST_F(SstTest, RoundTripWithEveryEntryType) {
  auto writer = SstWriter::Open(options_, "/dir/000042.sst");
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_EQ((*writer)->index_path(), "/dir/000042.idx");
  ASSERT_TRUE((*writer)->Put("apple", "red").ok());
  ASSERT_TRUE((*writer)->Delete("banana").ok());
  ASSERT_TRUE((*writer)->Merge("cherry", "+1").ok());
  ASSERT_TRUE((*writer)->Put("date", "brown").ok());
  EXPECT_EQ((*writer)->NumEntries(), 4u);
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_EQ((*writer)->properties().num_entries, 4u);

  auto reader = SstReader::Open(options_, "/dir/000042.sst");
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto iter = (*reader)->NewIterator();
  using Entries = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Scan(iter.get()), (Entries{{"apple", "red"}, {"date", "brown"}}));

  auto raw = (*reader)->NewRawIterator();
  std::vector<std::tuple<std::string, uint64_t, SstEntryType, std::string>> entries;
  for (raw->SeekToFirst(); raw->Valid(); raw->Next()) {
    entries.emplace_back(raw->key(), raw->sequence(), raw->type(), raw->value());
  }
  EXPECT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[1], std::make_tuple(std::string("banana"), uint64_t{0}, SstEntryType::kDelete,
                                        std::string()));
  EXPECT_EQ(entries[2], std::make_tuple(std::string("cherry"), uint64_t{0}, SstEntryType::kMerge,
                                        std::string("+1")));

  const SstProperties p = (*reader)->properties();
  EXPECT_EQ(p.num_entries, 4u);
  EXPECT_EQ(p.num_deletions, 1u);
  EXPECT_EQ(p.num_merges, 1u);
  EXPECT_EQ(p.smallest_key, "apple");
  EXPECT_EQ(p.largest_key, "date");
  EXPECT_EQ(p.file_number, 42u);
  EXPECT_EQ(p.comparator_name, "kvlsm.BytewiseComparator");
  EXPECT_EQ(p.filter_policy_name, options_.filter_policy->Name());
  EXPECT_EQ(p.compression, "none");
  EXPECT_EQ(p.format_version, 1u);
  EXPECT_GT(p.creation_time, 1600000000u);
  EXPECT_EQ(p.data_size, *env_->GetFileSize("/dir/000042.sst"));
  EXPECT_TRUE((*reader)->VerifyChecksums().ok());
}

TEST_F(SstTest, KeysOutOfOrderAreRejectedAndTheWriterStaysUsable) {
  auto writer = SstWriter::Open(options_, "/dir/1.sst");
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Put("b", "1").ok());
  absl::Status s = (*writer)->Put("a", "2");
  EXPECT_TRUE(absl::IsInvalidArgument(s) && test::MessageContains(s, "strictly increasing")) << s;
  EXPECT_TRUE(absl::IsInvalidArgument((*writer)->Delete("b")));
  ASSERT_TRUE((*writer)->Put("c", "3").ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition((*writer)->Put("d", "4")));
  EXPECT_TRUE(absl::IsFailedPrecondition((*writer)->Finish()));

  auto reader = SstReader::Open(options_, "/dir/1.sst");
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto iter = (*reader)->NewIterator();
  using Entries = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Scan(iter.get()), (Entries{{"b", "1"}, {"c", "3"}}));
}

TEST_F(SstTest, EitherHalfFindsTheOther) {
  Write("/dir/000007.sst", {{"k", "v"}});
  for (const char* path : {"/dir/000007.sst", "/dir/000007.idx"}) {
    auto reader = SstReader::Open(options_, path);
    ASSERT_TRUE(reader.ok()) << path << ": " << reader.status();
    EXPECT_EQ((*reader)->sst_path(), "/dir/000007.sst");
    EXPECT_EQ((*reader)->index_path(), "/dir/000007.idx");
    EXPECT_EQ((*reader)->properties().num_entries, 1u);
  }
}

TEST_F(SstTest, IndexPathElsewhere) {
  Write("/dir/data-file", {{"k", "v"}}, "/fast/index-file");
  EXPECT_TRUE(env_->FileExists("/fast/index-file"));
  EXPECT_FALSE(env_->FileExists("/dir/data-file.idx"));
  auto reader = SstReader::Open(options_, "/dir/data-file", "/fast/index-file");
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto iter = (*reader)->NewIterator();
  iter->Seek("k");
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(iter->value(), "v");
  // Without index_path, a name without a table suffix cannot be paired.
  auto unpaired = SstReader::Open(options_, "/dir/data-file");
  EXPECT_TRUE(absl::IsInvalidArgument(unpaired.status())) << unpaired.status();
  auto unnamed = SstWriter::Open(options_, "/dir/other-file");
  EXPECT_TRUE(absl::IsInvalidArgument(unnamed.status())) << unnamed.status();
}

TEST_F(SstTest, MissingHalvesAreReported) {
  Write("/dir/000003.sst", {{"k", "v"}});
  auto missing = SstReader::Open(options_, "/dir/000004.sst");
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();

  std::string index;
  ASSERT_TRUE(ReadFileToString(env_.get(), "/dir/000003.idx", &index).ok());
  ASSERT_TRUE(env_->RemoveFile("/dir/000003.idx").ok());
  auto no_index = SstReader::Open(options_, "/dir/000003.sst");
  EXPECT_TRUE(absl::IsDataLoss(no_index.status()) &&
              test::MessageContains(no_index.status(), "/dir/000003.idx"))
      << no_index.status();

  ASSERT_TRUE(WriteStringToFile(env_.get(), index, "/dir/000003.idx", false).ok());
  ASSERT_TRUE(env_->RemoveFile("/dir/000003.sst").ok());
  auto no_data = SstReader::Open(options_, "/dir/000003.idx");
  EXPECT_TRUE(absl::IsDataLoss(no_data.status()) &&
              test::MessageContains(no_data.status(), "/dir/000003.sst"))
      << no_data.status();
}

TEST_F(SstTest, UnfinishedWriterRemovesItsFiles) {
  {
    auto writer = SstWriter::Open(options_, "/dir/000009.sst");
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Put("k", "v").ok());
    EXPECT_TRUE(env_->FileExists("/dir/000009.sst"));
  }
  EXPECT_FALSE(env_->FileExists("/dir/000009.sst"));
  EXPECT_FALSE(env_->FileExists("/dir/000009.idx"));
}

TEST_F(SstTest, OptionsAreValidated) {
  SstOptions bad = options_;
  bad.block_size = 0;
  absl::Status s = SstWriter::Open(bad, "/dir/2.sst").status();
  EXPECT_TRUE(absl::IsInvalidArgument(s) && test::MessageContains(s, "block_size")) << s;
  bad = options_;
  bad.block_restart_interval = 0;
  s = SstWriter::Open(bad, "/dir/2.sst").status();
  EXPECT_TRUE(absl::IsInvalidArgument(s) && test::MessageContains(s, "block_restart_interval"))
      << s;
  bad = options_;
  bad.zstd_level = 1000;
  s = SstReader::Open(bad, "/dir/2.sst").status();
  EXPECT_TRUE(absl::IsInvalidArgument(s) && test::MessageContains(s, "zstd_level")) << s;
  bad = options_;
  bad.compression = static_cast<CompressionType>(9);
  s = SstWriter::Open(bad, "/dir/2.sst").status();
  EXPECT_TRUE(absl::IsInvalidArgument(s) && test::MessageContains(s, "compression")) << s;
}

TEST_F(SstTest, VerifyChecksumsFindsADamagedBlock) {
  std::map<std::string, std::string> puts;
  for (int i = 0; i < 500; ++i) puts[absl::StrCat("key", 10000 + i)] = std::string(50, 'v');
  Write("/dir/000005.sst", puts);
  std::string data;
  ASSERT_TRUE(ReadFileToString(env_.get(), "/dir/000005.sst", &data).ok());
  data[data.size() / 2] ^= 0x10;
  ASSERT_TRUE(WriteStringToFile(env_.get(), data, "/dir/000005.sst", false).ok());
  auto reader = SstReader::Open(options_, "/dir/000005.sst");
  ASSERT_TRUE(reader.ok()) << reader.status();
  absl::Status s = (*reader)->VerifyChecksums();
  EXPECT_TRUE(absl::IsDataLoss(s) && test::MessageContains(s, "/dir/000005.sst") &&
              test::MessageContains(s, "checksum"))
      << s;
}

TEST_F(SstTest, ZstdAndNoFilterRoundTrip) {
  options_.compression = CompressionType::kZstd;
  options_.filter_policy = nullptr;
  std::map<std::string, std::string> puts;
  for (int i = 0; i < 2000; ++i)
    puts[absl::StrCat("key", 10000 + i)] = std::string(100, 'a' + i % 5);
  Write("/dir/000006.sst", puts);
  auto reader = SstReader::Open(options_, "/dir/000006.idx");
  ASSERT_TRUE(reader.ok()) << reader.status();
  const SstProperties p = (*reader)->properties();
  EXPECT_EQ(p.compression, "zstd");
  EXPECT_EQ(p.filter_policy_name, "");
  EXPECT_EQ(p.filter_size, 0u);
  EXPECT_LT(p.data_size * 4, p.raw_value_bytes);
  auto iter = (*reader)->NewIterator();
  EXPECT_EQ(Scan(iter.get()).size(), puts.size());
  EXPECT_TRUE((*reader)->VerifyChecksums().ok());
}

TEST_F(SstTest, FilterOfAnotherPolicyRefusesToOpen) {
  Write("/dir/000008.sst", {{"k", "v"}});
  class OtherPolicy final : public FilterPolicy {
   public:
    const char* Name() const override { return "test.Other"; }
    std::unique_ptr<FilterBuilder> NewBuilder() const override { return nullptr; }
    absl::StatusOr<std::unique_ptr<FilterReader>> NewReader(std::string_view) const override {
      return absl::InternalError("never called");
    }
  };
  SstOptions other = options_;
  other.filter_policy = std::make_shared<OtherPolicy>();
  auto reader = SstReader::Open(other, "/dir/000008.sst");
  EXPECT_TRUE(absl::IsInvalidArgument(reader.status()) &&
              test::MessageContains(reader.status(), "test.Other"))
      << reader.status();
  other.filter_policy = nullptr;  // Ignores the table's filter.
  EXPECT_TRUE(SstReader::Open(other, "/dir/000008.sst").ok());
}

TEST_F(SstTest, EmptyTable) {
  Write("/dir/000010.sst", {});
  auto reader = SstReader::Open(options_, "/dir/000010.sst");
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto iter = (*reader)->NewIterator();
  EXPECT_TRUE(Scan(iter.get()).empty());
  iter->SeekToLast();
  EXPECT_FALSE(iter->Valid());
  EXPECT_EQ((*reader)->properties().num_entries, 0u);
  EXPECT_TRUE((*reader)->VerifyChecksums().ok());
}

// A table with several versions per key (as a DB writes them), read through the public
// iterators: NewIterator shows each key's newest entry when it is a Put.
TEST_F(SstTest, PutIteratorShowsNewestPutsInBothDirections) {
  const uint64_t seed = test::TestSeed(501);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  InternalKeyComparator comparator(BytewiseComparator());
  std::map<std::string, std::vector<std::pair<ValueType, std::string>>> versions;  // Newest first.
  for (int i = 0; i < 200; ++i) {
    auto& list = versions[test::RandomString(&rnd, 1 + rnd.Uniform(5))];
    const int n = 1 + static_cast<int>(rnd.Uniform(3));
    while (static_cast<int>(list.size()) < n) {
      const uint64_t r = rnd.Uniform(3);
      list.emplace_back(static_cast<ValueType>(r), absl::StrCat("value", i, "-", list.size()));
    }
  }
  {
    auto data = env_->NewWritableFile("/dir/000011.sst");
    auto index = env_->NewWritableFile("/dir/000011.idx");
    ASSERT_TRUE(data.ok() && index.ok());
    TableBuilderOptions table;
    table.comparator = &comparator;
    table.filter_policy = options_.filter_policy.get();
    table.block_size = 128;
    TableBuilder builder(table, data->get(), index->get());
    SequenceNumber seq = 100000;
    for (const auto& [user, list] : versions) {
      for (const auto& [type, value] : list) {
        std::string key;
        AppendInternalKey(&key, user, --seq, type);
        builder.Add(key, value);
      }
    }
    ASSERT_TRUE(builder.Finish().ok()) << builder.status();
  }
  std::map<std::string, std::string> visible;
  for (const auto& [user, list] : versions) {
    if (list.front().first == ValueType::kPut) visible[user] = list.front().second;
  }
  auto reader = SstReader::Open(options_, "/dir/000011.sst");
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto iter = (*reader)->NewIterator();
  std::vector<std::pair<std::string, std::string>> expected(visible.begin(), visible.end());
  EXPECT_EQ(Scan(iter.get()), expected);
  std::vector<std::pair<std::string, std::string>> backward;
  for (iter->SeekToLast(); iter->Valid(); iter->Prev())
    backward.emplace_back(iter->key(), iter->value());
  EXPECT_EQ(backward, std::vector(expected.rbegin(), expected.rend()));

  auto raw = (*reader)->NewRawIterator();
  for (const auto& [user, list] : versions) {
    for (const std::string& target : {user, user + '\0'}) {
      iter->Seek(target);
      auto lower = visible.lower_bound(target);
      ASSERT_EQ(iter->Valid(), lower != visible.end()) << target;
      if (iter->Valid()) {
        EXPECT_EQ(iter->key(), lower->first);
      }
      iter->SeekForPrev(target);
      auto upper = visible.upper_bound(target);
      ASSERT_EQ(iter->Valid(), upper != visible.begin()) << target;
      if (iter->Valid()) {
        EXPECT_EQ(iter->key(), std::prev(upper)->first);
      }
    }
    // The raw iterator: Seek lands on a key's newest entry, SeekForPrev on its oldest.
    raw->Seek(user);
    ASSERT_TRUE(raw->Valid());
    EXPECT_EQ(raw->key(), user);
    EXPECT_EQ(raw->value(), list.front().second);
    raw->SeekForPrev(user);
    ASSERT_TRUE(raw->Valid());
    EXPECT_EQ(raw->key(), user);
    EXPECT_EQ(raw->value(), list.back().second);
    EXPECT_EQ(raw->type(), static_cast<SstEntryType>(list.back().first));
  }
  EXPECT_TRUE(iter->status().ok() && raw->status().ok());
}

}  // namespace
}  // namespace kvlsm
