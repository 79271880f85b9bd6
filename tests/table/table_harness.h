// Shared by the table tests: in-memory file doubles, a test filter and merge operator, a
// std::map model of internal keys, and a harness that builds and opens table pairs.
#ifndef KVLSM_TESTS_TABLE_TABLE_HARNESS_H_
#define KVLSM_TESTS_TABLE_TABLE_HARNESS_H_

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
#include "base/dbformat.h"
#include "base/get_context.h"
#include "kvlsm/cache.h"
#include "kvlsm/comparator.h"
#include "kvlsm/filter_policy.h"
#include "kvlsm/merge_operator.h"
#include "table/block_builder.h"
#include "table/format.h"
#include "table/table_builder.h"
#include "table/table_properties.h"
#include "table/table_reader.h"
#include "testutil/string_file.h"
#include "testutil/testutil.h"
#include "util/coding.h"
#include "util/hash.h"
#include "util/random.h"

namespace kvlsm::table_test {

inline constexpr char kDataName[] = "/db/000007.sst";
inline constexpr char kIndexName[] = "/db/000007.idx";

// ---- Test doubles ------------------------------------------------------------------

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

inline std::string IKey(std::string_view user, SequenceNumber seq,
                        ValueType type = ValueType::kPut) {
  std::string key;
  AppendInternalKey(&key, user, seq, type);
  return key;
}

// Random user keys, each with 1..4 versions of random types, sequences unique.
inline Model RandomModel(Random* rnd, size_t user_keys, size_t big_value_one_in = 20) {
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
    test::StringWritableFile data(&pair.data);
    test::StringWritableFile index(&pair.index);
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

inline std::string Describe(const absl::StatusOr<std::string>& r) {
  return r.ok() ? "value '" + *r + "'" : r.status().ToString();
}

// Internal-key targets at every entry, between versions, between user keys and beyond.
inline std::vector<std::string> SeekTargets(const Model& model) {
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

inline void CheckIteratorAgainstModel(Iterator* iter, const Model& model) {
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

inline void CheckGetsAgainstModel(Harness* h, const TableReader& table, const Model& model) {
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

}  // namespace kvlsm::table_test

#endif  // KVLSM_TESTS_TABLE_TABLE_HARNESS_H_
