#include "memtable/skiplist.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "memtable/arena.h"
#include "testutil/testutil.h"
#include "util/hash.h"
#include "util/random.h"

namespace kvlsm {
namespace {

using Key = uint64_t;

struct KeyComparator {
  int operator()(const Key& a, const Key& b) const { return a < b ? -1 : (a > b ? 1 : 0); }
};
using List = SkipList<Key, KeyComparator>;

TEST(SkipListTest, EmptyList) {
  Arena arena;
  List list(KeyComparator(), &arena);
  EXPECT_FALSE(list.Contains(10));
  List::Iterator iter(&list);
  EXPECT_FALSE(iter.Valid());
  iter.SeekToFirst();
  EXPECT_FALSE(iter.Valid());
  iter.SeekToLast();
  EXPECT_FALSE(iter.Valid());
  iter.Seek(100);
  EXPECT_FALSE(iter.Valid());
  iter.SeekForPrev(100);
  EXPECT_FALSE(iter.Valid());
}

TEST(SkipListTest, MatchesStdSetInBothDirections) {
  const uint64_t seed = test::TestSeed(1);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  Arena arena;
  List list(KeyComparator(), &arena, seed);
  std::set<Key> model;
  for (int i = 0; i < 2000; ++i) {
    const Key key = rnd.Uniform(5000) * 2;  // Even keys; odd targets fall between them.
    if (model.insert(key).second) list.Insert(key);
  }
  for (Key k = 0; k < 10002; ++k) EXPECT_EQ(list.Contains(k), model.count(k) == 1) << k;

  List::Iterator iter(&list);
  iter.SeekToFirst();
  for (Key k : model) {
    ASSERT_TRUE(iter.Valid());
    EXPECT_EQ(iter.key(), k);
    iter.Next();
  }
  EXPECT_FALSE(iter.Valid());

  iter.SeekToLast();
  for (auto it = model.rbegin(); it != model.rend(); ++it) {
    ASSERT_TRUE(iter.Valid());
    EXPECT_EQ(iter.key(), *it);
    iter.Prev();
  }
  EXPECT_FALSE(iter.Valid());

  for (int i = 0; i < 2000; ++i) {
    const Key target = rnd.Uniform(10010);
    iter.Seek(target);
    auto lower = model.lower_bound(target);
    if (lower == model.end()) {
      EXPECT_FALSE(iter.Valid()) << target;
    } else {
      ASSERT_TRUE(iter.Valid()) << target;
      EXPECT_EQ(iter.key(), *lower);
    }
    iter.SeekForPrev(target);
    auto upper = model.upper_bound(target);
    if (upper == model.begin()) {
      EXPECT_FALSE(iter.Valid()) << target;
    } else {
      ASSERT_TRUE(iter.Valid()) << target;
      EXPECT_EQ(iter.key(), *std::prev(upper));
    }
  }
}

TEST(SkipListTest, SeekAtBothEnds) {
  Arena arena;
  List list(KeyComparator(), &arena);
  for (Key k : {10, 20, 30}) list.Insert(k);
  List::Iterator iter(&list);
  iter.Seek(0);
  ASSERT_TRUE(iter.Valid());
  EXPECT_EQ(iter.key(), 10u);
  iter.Prev();
  EXPECT_FALSE(iter.Valid());
  iter.Seek(31);
  EXPECT_FALSE(iter.Valid());
  iter.SeekForPrev(9);
  EXPECT_FALSE(iter.Valid());
  iter.SeekForPrev(30);
  ASSERT_TRUE(iter.Valid());
  EXPECT_EQ(iter.key(), 30u);
  iter.Next();
  EXPECT_FALSE(iter.Valid());
  iter.SeekForPrev(UINT64_MAX);
  ASSERT_TRUE(iter.Valid());
  EXPECT_EQ(iter.key(), 30u);
}

TEST(SkipListTest, SequentialInsertsInBothOrders) {
  for (bool ascending : {true, false}) {
    Arena arena;
    List list(KeyComparator(), &arena);
    const int n = 5000;
    for (int i = 0; i < n; ++i) list.Insert(ascending ? i : n - 1 - i);
    List::Iterator iter(&list);
    int expected = 0;
    for (iter.SeekToFirst(); iter.Valid(); iter.Next()) EXPECT_EQ(iter.key(), expected++);
    EXPECT_EQ(expected, n);
  }
}

// One writer inserts while two readers check, continuously, that:
// - every key they see is one the writer inserted (never a torn or garbage node);
// - iteration is strictly ordered in both directions;
// - every key whose Insert finished before the reader's operation began is visible.
// The writer publishes the keys it has inserted through `inserted` and a release store of
// `count`, so a reader that acquires `count` knows which keys must be present.
class ConcurrentSkipListTest : public testing::Test {
 protected:
  static constexpr int kMaxKeys = 1 << 17;

  // A key carries a checksum of its id so that a reader can tell a real key from garbage.
  static Key MakeKey(uint64_t id) { return (id << 16) | (Hash64(std::to_string(id)) & 0xffff); }
  static bool IsWellFormed(Key key) { return MakeKey(key >> 16) == key; }

  void Writer(uint64_t seed) {
    std::vector<uint64_t> ids(kMaxKeys);
    for (int i = 0; i < kMaxKeys; ++i) ids[i] = i;
    Random rnd(seed);
    for (int i = kMaxKeys - 1; i > 0; --i) std::swap(ids[i], ids[rnd.Uniform(i + 1)]);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
    for (int i = 0; i < kMaxKeys; ++i) {
      const Key key = MakeKey(ids[i]);
      list_.Insert(key);
      inserted_[i] = key;
      count_.store(i + 1, std::memory_order_release);
      if (i % 256 == 0 && std::chrono::steady_clock::now() > deadline) break;
    }
    done_.store(true, std::memory_order_release);
  }

  void Reader(uint64_t seed) {
    Random rnd(seed);
    List::Iterator iter(&list_);
    while (!done_.load(std::memory_order_acquire)) {
      const int known = count_.load(std::memory_order_acquire);
      ++reader_ops_;
      switch (rnd.Uniform(5)) {
        case 0: {  // A key known to be inserted is contained.
          if (known == 0) break;
          const Key key = inserted_[rnd.Uniform(known)];
          ASSERT_TRUE(list_.Contains(key)) << key;
          break;
        }
        case 1: {  // Seek: the first key >= target, and no known key is skipped.
          if (known == 0) break;
          const Key k = inserted_[rnd.Uniform(known)];
          const Key delta = rnd.Uniform(1 << 20);
          const Key target = k >= delta ? k - delta : 0;
          iter.Seek(target);
          ASSERT_TRUE(iter.Valid());
          ASSERT_GE(iter.key(), target);
          ASSERT_LE(iter.key(), k);
          ASSERT_TRUE(IsWellFormed(iter.key()));
          break;
        }
        case 2: {  // SeekForPrev: the last key <= target, and no known key is skipped.
          if (known == 0) break;
          const Key k = inserted_[rnd.Uniform(known)];
          const Key target = k + rnd.Uniform(1 << 20);
          iter.SeekForPrev(target);
          ASSERT_TRUE(iter.Valid());
          ASSERT_LE(iter.key(), target);
          ASSERT_GE(iter.key(), k);
          ASSERT_TRUE(IsWellFormed(iter.key()));
          break;
        }
        case 3: {  // Forward scan from a random point: strictly increasing, well formed.
          iter.Seek(rnd.Next() >> 1);
          Key last = 0;
          bool first = true;
          for (int steps = 0; iter.Valid() && steps < 500; ++steps, iter.Next()) {
            ASSERT_TRUE(IsWellFormed(iter.key()));
            if (!first) {
              ASSERT_GT(iter.key(), last);
            }
            last = iter.key();
            first = false;
          }
          break;
        }
        case 4: {  // Backward scan from the end: strictly decreasing, well formed.
          iter.SeekToLast();
          Key last = 0;
          bool first = true;
          for (int steps = 0; iter.Valid() && steps < 50; ++steps, iter.Prev()) {
            ASSERT_TRUE(IsWellFormed(iter.key()));
            if (!first) {
              ASSERT_LT(iter.key(), last);
            }
            last = iter.key();
            first = false;
          }
          break;
        }
      }
    }
    // After the writer is done, a full scan sees exactly the inserted keys.
    const int known = count_.load(std::memory_order_acquire);
    std::vector<Key> expected(inserted_.begin(), inserted_.begin() + known);
    std::sort(expected.begin(), expected.end());
    std::vector<Key> seen;
    for (iter.SeekToFirst(); iter.Valid(); iter.Next()) seen.push_back(iter.key());
    ASSERT_EQ(seen, expected);
  }

  Arena arena_;
  List list_{KeyComparator(), &arena_};
  std::vector<Key> inserted_ = std::vector<Key>(kMaxKeys);
  std::atomic<int> count_{0};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> reader_ops_{0};
};

TEST_F(ConcurrentSkipListTest, OneWriterTwoReaders) {
  const uint64_t seed = test::TestSeed(2024);
  SCOPED_TRACE(test::SeedTrace(seed));
  std::thread reader1([&] { Reader(seed + 1); });
  std::thread reader2([&] { Reader(seed + 2); });
  Writer(seed);
  reader1.join();
  reader2.join();
  EXPECT_GT(count_.load(), 1000);
  EXPECT_GT(reader_ops_.load(), 100u);
}

}  // namespace
}  // namespace kvlsm
