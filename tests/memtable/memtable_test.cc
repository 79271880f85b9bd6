#include "memtable/memtable.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "base/dbformat.h"
#include "base/get_context.h"
#include "kvlsm/comparator.h"
#include "kvlsm/merge_operator.h"
#include "testutil/testutil.h"
#include "util/random.h"

namespace kvlsm {
namespace {

std::string IKey(std::string_view user_key, SequenceNumber seq, ValueType type) {
  std::string key;
  AppendInternalKey(&key, user_key, seq, type);
  return key;
}

// Joins operands with ',' (oldest first) after the base value, if any.
class AppendOperator : public MergeOperator {
 public:
  const char* Name() const override { return "test.Append"; }
  absl::Status FullMerge(std::string_view key, std::optional<std::string_view> existing,
                         std::span<const std::string_view> operands,
                         std::string* new_value) const override {
    new_value->clear();
    if (existing.has_value()) new_value->append(existing->data(), existing->size());
    for (std::string_view op : operands) {
      if (!new_value->empty()) new_value->push_back(',');
      new_value->append(op.data(), op.size());
    }
    return absl::OkStatus();
  }
};

// The outcome of a lookup: whether the memtable decided it, and the GetContext result.
struct Lookup {
  bool decided;
  absl::Status status;
  std::string value;
};

Lookup Get(const MemTable& mem, std::string_view key, SequenceNumber snapshot) {
  static const AppendOperator kAppend;
  Lookup result;
  GetContext ctx(&kAppend, key, &result.value);
  result.decided = mem.Get(key, snapshot, &ctx);
  result.status = ctx.Finish();
  return result;
}

class MemTableTest : public testing::Test {
 protected:
  InternalKeyComparator icmp_{BytewiseComparator()};
  MemTable mem_{icmp_};
};

TEST_F(MemTableTest, EmptyTable) {
  EXPECT_FALSE(Get(mem_, "a", kMaxSequenceNumber).decided);
  EXPECT_EQ(mem_.num_entries(), 0u);
  EXPECT_EQ(mem_.num_deletes(), 0u);
  auto iter = mem_.NewIterator();
  iter->SeekToFirst();
  EXPECT_FALSE(iter->Valid());
  iter->SeekToLast();
  EXPECT_FALSE(iter->Valid());
  iter->Seek(IKey("a", 1, kTypeForSeek));
  EXPECT_FALSE(iter->Valid());
  iter->SeekForPrev(IKey("a", 1, kTypeForSeek));
  EXPECT_FALSE(iter->Valid());
  EXPECT_OK(iter->status());
}

TEST_F(MemTableTest, SnapshotsSeeTheNewestVersionAtOrBelowThem) {
  mem_.Add(10, ValueType::kPut, "k", "v10");
  mem_.Add(20, ValueType::kPut, "k", "v20");
  mem_.Add(30, ValueType::kDelete, "k", "");
  mem_.Add(40, ValueType::kPut, "k", "v40");
  mem_.Add(15, ValueType::kPut, "other", "o15");

  EXPECT_FALSE(Get(mem_, "k", 9).decided);
  for (auto [snapshot, expected] : std::vector<std::pair<SequenceNumber, std::string>>{
           {10, "v10"}, {19, "v10"}, {20, "v20"}, {29, "v20"}, {40, "v40"}, {1000, "v40"}}) {
    Lookup r = Get(mem_, "k", snapshot);
    EXPECT_TRUE(r.decided) << snapshot;
    EXPECT_OK(r.status);
    EXPECT_EQ(r.value, expected) << snapshot;
  }
  for (SequenceNumber snapshot : {30, 35, 39}) {
    Lookup r = Get(mem_, "k", snapshot);
    EXPECT_TRUE(r.decided) << "a delete decides the lookup";
    EXPECT_TRUE(absl::IsNotFound(r.status)) << r.status;
  }
  EXPECT_EQ(Get(mem_, "other", kMaxSequenceNumber).value, "o15");
  EXPECT_FALSE(Get(mem_, "missing", kMaxSequenceNumber).decided);
  EXPECT_FALSE(Get(mem_, "j", kMaxSequenceNumber).decided);
  EXPECT_FALSE(Get(mem_, "kk", kMaxSequenceNumber).decided);
  EXPECT_EQ(mem_.num_entries(), 5u);
  EXPECT_EQ(mem_.num_deletes(), 1u);
}

TEST_F(MemTableTest, MergeOperandsWithoutBaseNeedOlderSources) {
  mem_.Add(1, ValueType::kMerge, "m", "a");
  mem_.Add(2, ValueType::kMerge, "m", "b");
  Lookup r = Get(mem_, "m", kMaxSequenceNumber);
  EXPECT_FALSE(r.decided);
  EXPECT_OK(r.status);
  EXPECT_EQ(r.value, "a,b");

  mem_.Add(3, ValueType::kPut, "p", "base");
  mem_.Add(4, ValueType::kMerge, "p", "x");
  mem_.Add(5, ValueType::kMerge, "p", "y");
  r = Get(mem_, "p", kMaxSequenceNumber);
  EXPECT_TRUE(r.decided);
  EXPECT_EQ(r.value, "base,x,y");
  EXPECT_EQ(Get(mem_, "p", 4).value, "base,x");

  mem_.Add(6, ValueType::kDelete, "d", "");
  mem_.Add(7, ValueType::kMerge, "d", "z");
  r = Get(mem_, "d", kMaxSequenceNumber);
  EXPECT_TRUE(r.decided);
  EXPECT_EQ(r.value, "z");
}

TEST_F(MemTableTest, AlreadyDecidedContextIsLeftAlone) {
  mem_.Add(1, ValueType::kPut, "k", "v");
  std::string value;
  GetContext ctx(nullptr, "k", &value);
  ctx.SetError(absl::DataLossError("older source failed"));
  EXPECT_TRUE(mem_.Get("k", kMaxSequenceNumber, &ctx));
  EXPECT_EQ(ctx.Finish().code(), absl::StatusCode::kDataLoss);
}

TEST_F(MemTableTest, IteratesInInternalKeyOrderBothWays) {
  mem_.Add(5, ValueType::kPut, "b", "b5");
  mem_.Add(7, ValueType::kPut, "b", "b7");
  mem_.Add(6, ValueType::kDelete, "a", "");
  mem_.Add(9, ValueType::kMerge, "c", "c9");
  mem_.Add(8, ValueType::kPut, "c", "c8");
  const std::vector<std::pair<std::string, std::string>> expected{
      {IKey("a", 6, ValueType::kDelete), ""}, {IKey("b", 7, ValueType::kPut), "b7"},
      {IKey("b", 5, ValueType::kPut), "b5"},  {IKey("c", 9, ValueType::kMerge), "c9"},
      {IKey("c", 8, ValueType::kPut), "c8"},
  };
  auto iter = mem_.NewIterator();
  size_t i = 0;
  for (iter->SeekToFirst(); iter->Valid(); iter->Next(), ++i) {
    ASSERT_LT(i, expected.size());
    EXPECT_EQ(iter->key(), expected[i].first);
    EXPECT_EQ(iter->value(), expected[i].second);
  }
  EXPECT_EQ(i, expected.size());
  for (iter->SeekToLast(); iter->Valid(); iter->Prev()) {
    --i;
    EXPECT_EQ(iter->key(), expected[i].first);
    EXPECT_EQ(iter->value(), expected[i].second);
  }
  EXPECT_EQ(i, 0u);

  // Seek to (b, 6): the newest version of b at or below 6.
  iter->Seek(IKey("b", 6, kTypeForSeek));
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(iter->value(), "b5");
  // SeekForPrev to (b, 6): the last entry at or before it, the newer version b7.
  iter->SeekForPrev(IKey("b", 6, kTypeForSeek));
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(iter->value(), "b7");
  iter->SeekForPrev(IKey("b", 5, ValueType::kPut));
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(iter->value(), "b5");
  iter->SeekForPrev(IKey("a", kMaxSequenceNumber, kTypeForSeek));
  EXPECT_FALSE(iter->Valid());
  iter->Seek(IKey("c", 7, kTypeForSeek));
  EXPECT_FALSE(iter->Valid());
}

TEST_F(MemTableTest, BinaryKeysLongKeysAndLargeValues) {
  const std::string zero_key("a\0b", 3);
  const std::string long_key(300, 'k');  // Multi-byte varint lengths.
  const std::string big_value(100000, 'v');
  mem_.Add(1, ValueType::kPut, zero_key, "zero");
  mem_.Add(2, ValueType::kPut, "a", "plain");
  mem_.Add(3, ValueType::kPut, long_key, big_value);
  mem_.Add(4, ValueType::kPut, "", "empty key");
  mem_.Add(5, ValueType::kDelete, std::string_view(), std::string_view());  // Null data().
  EXPECT_EQ(Get(mem_, zero_key, 10).value, "zero");
  EXPECT_EQ(Get(mem_, "a", 10).value, "plain");
  EXPECT_EQ(Get(mem_, long_key, 10).value, big_value);
  EXPECT_EQ(Get(mem_, "", 4).value, "empty key");
  EXPECT_TRUE(absl::IsNotFound(Get(mem_, std::string_view(), 10).status));
  EXPECT_GT(mem_.ApproximateMemoryUsage(), big_value.size());
  auto iter = mem_.NewIterator();
  iter->SeekToFirst();
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(ExtractUserKey(iter->key()), "");
}

// A user comparator ordering keys in reverse: the memtable must order by it, not bytewise.
class ReverseComparator : public Comparator {
 public:
  int Compare(std::string_view a, std::string_view b) const override { return b.compare(a); }
  const char* Name() const override { return "test.Reverse"; }
};

TEST(MemTableComparatorTest, UsesTheUserComparator) {
  ReverseComparator reverse;
  InternalKeyComparator icmp(&reverse);
  MemTable mem(icmp);
  for (const char* k : {"b", "a", "c"}) mem.Add(1, ValueType::kPut, k, k);
  auto iter = mem.NewIterator();
  std::string order;
  for (iter->SeekToFirst(); iter->Valid(); iter->Next()) order += iter->value();
  EXPECT_EQ(order, "cba");
  EXPECT_EQ(Get(mem, "a", 5).value, "a");
}

TEST_F(MemTableTest, MemoryUsageGrowsWithEntries) {
  const size_t empty = mem_.ApproximateMemoryUsage();
  for (int i = 0; i < 1000; ++i) mem_.Add(i + 1, ValueType::kPut, absl::StrCat("key", i), "v");
  EXPECT_GT(mem_.ApproximateMemoryUsage(), empty + 1000 * 20);
  EXPECT_LT(mem_.ApproximateMemoryUsage(), empty + 1000 * 200);
}

// Random puts, deletes and merges against a model keyed by internal key, then every read
// path compared with the model: forward and backward iteration, Seek, SeekForPrev, and Get
// at random snapshots.
TEST(MemTableModelTest, MatchesAModel) {
  const uint64_t seed = test::TestSeed(99);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  InternalKeyComparator icmp(BytewiseComparator());
  MemTable mem(icmp);
  auto less = [&](const std::string& a, const std::string& b) { return icmp.Compare(a, b) < 0; };
  std::map<std::string, std::string, decltype(less)> model(less);
  uint64_t deletes = 0;
  SequenceNumber seq = 0;
  auto random_user_key = [&] { return absl::StrCat("key", rnd.Uniform(200)); };
  for (int i = 0; i < 3000; ++i) {
    const std::string key = random_user_key();
    const uint64_t r = rnd.Uniform(10);
    const ValueType type =
        r < 6 ? ValueType::kPut : (r < 8 ? ValueType::kDelete : ValueType::kMerge);
    const std::string value =
        type == ValueType::kDelete ? "" : test::RandomString(&rnd, rnd.Uniform(40));
    seq += 1 + rnd.Uniform(3);
    mem.Add(seq, type, key, value);
    model.emplace(IKey(key, seq, type), value);
    deletes += type == ValueType::kDelete;
  }
  EXPECT_EQ(mem.num_entries(), model.size());
  EXPECT_EQ(mem.num_deletes(), deletes);

  auto iter = mem.NewIterator();
  auto m = model.begin();
  for (iter->SeekToFirst(); iter->Valid(); iter->Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(iter->key(), m->first);
    ASSERT_EQ(iter->value(), m->second);
  }
  ASSERT_EQ(m, model.end());
  auto rm = model.rbegin();
  for (iter->SeekToLast(); iter->Valid(); iter->Prev(), ++rm) {
    ASSERT_NE(rm, model.rend());
    ASSERT_EQ(iter->key(), rm->first);
  }
  ASSERT_EQ(rm, model.rend());

  for (int i = 0; i < 2000; ++i) {
    const std::string key = random_user_key();
    const SequenceNumber snapshot = rnd.Uniform(seq + 2);
    const std::string target = IKey(key, snapshot, kTypeForSeek);
    SCOPED_TRACE(absl::StrCat(key, " @", snapshot));

    iter->Seek(target);
    auto lower = model.lower_bound(target);
    ASSERT_EQ(iter->Valid(), lower != model.end());
    if (iter->Valid()) {
      ASSERT_EQ(iter->key(), lower->first);
    }
    if (iter->Valid() && rnd.OneIn(2)) {  // Step back from a Seek.
      iter->Prev();
      ASSERT_EQ(iter->Valid(), lower != model.begin());
      if (iter->Valid()) {
        ASSERT_EQ(iter->key(), std::prev(lower)->first);
      }
    }

    iter->SeekForPrev(target);
    auto upper = model.upper_bound(target);
    ASSERT_EQ(iter->Valid(), upper != model.begin());
    if (iter->Valid()) {
      ASSERT_EQ(iter->key(), std::prev(upper)->first);
    }

    // The model's answer: walk the versions of key at or below the snapshot, newest first.
    std::vector<std::string> operands;
    std::optional<std::string> base;
    bool decided = false;
    bool deleted = false;
    for (auto it = lower; it != model.end(); ++it) {
      ParsedInternalKey parsed;
      ASSERT_TRUE(ParseInternalKey(it->first, &parsed));
      if (parsed.user_key != key) break;
      if (parsed.type == ValueType::kMerge) {
        operands.insert(operands.begin(), it->second);
        continue;
      }
      decided = true;
      if (parsed.type == ValueType::kPut) base = it->second;
      deleted = parsed.type == ValueType::kDelete;
      break;
    }
    Lookup r = Get(mem, key, snapshot);
    ASSERT_EQ(r.decided, decided);
    if (!base.has_value() && operands.empty()) {
      ASSERT_TRUE(absl::IsNotFound(r.status)) << r.status;
      (void)deleted;
      continue;
    }
    std::string expected = base.value_or("");
    for (const std::string& op : operands) {
      if (!expected.empty()) expected.push_back(',');
      expected += op;
    }
    ASSERT_OK(r.status);
    ASSERT_EQ(r.value, expected);
  }
}

// One writer adds (for at most 150 ms) while a reader looks up keys whose Add has finished:
// each must be found with its value, and the iterator stays ordered.
TEST(MemTableConcurrencyTest, ReadersSeeFinishedAdds) {
  const uint64_t seed = test::TestSeed(5);
  SCOPED_TRACE(test::SeedTrace(seed));
  InternalKeyComparator icmp(BytewiseComparator());
  MemTable mem(icmp);
  constexpr int kKeys = 20000;
  auto key_of = [](int i) { return absl::StrCat("key", i * 7919 % kKeys); };
  std::atomic<int> added{0};
  std::atomic<bool> done{false};
  std::atomic<uint64_t> lookups{0};
  std::thread reader([&] {
    Random rnd(seed + 1);
    while (!done.load(std::memory_order_acquire)) {
      const int known = added.load(std::memory_order_acquire);
      if (known == 0) continue;
      const int i = static_cast<int>(rnd.Uniform(known));
      Lookup r = Get(mem, key_of(i), kMaxSequenceNumber);
      ASSERT_TRUE(r.decided) << i;
      ASSERT_EQ(r.value, absl::StrCat("value", i));
      ASSERT_GE(mem.num_entries(), static_cast<uint64_t>(known));
      auto iter = mem.NewIterator();
      iter->Seek(
          IKey(key_of(static_cast<int>(rnd.Uniform(kKeys))), kMaxSequenceNumber, kTypeForSeek));
      std::string last;
      for (int steps = 0; iter->Valid() && steps < 20; ++steps, iter->Next()) {
        ASSERT_LT(last, iter->key());
        last = std::string(iter->key());
      }
      ++lookups;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
  int n = 0;
  for (; n < kKeys; ++n) {
    mem.Add(n + 1, ValueType::kPut, key_of(n), absl::StrCat("value", n));
    added.store(n + 1, std::memory_order_release);
    if (n % 256 == 0 && std::chrono::steady_clock::now() > deadline) break;
  }
  done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_EQ(mem.num_entries(), static_cast<uint64_t>(std::min(n + 1, kKeys)));
  EXPECT_GT(lookups.load(), 0u);
}

}  // namespace
}  // namespace kvlsm
