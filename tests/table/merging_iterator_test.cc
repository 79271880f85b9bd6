// MergingIterator over many children (memtables standing in for tables): random seeks and
// moves in both directions, checked against the sorted union of the children's entries.
#include "table/merging_iterator.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "memtable/memtable.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

TEST(MergingIteratorTest, RandomMovesMatchTheSortedUnion) {
  const uint64_t seed = test::TestSeed(11);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  const InternalKeyComparator icmp(BytewiseComparator());
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const int num_children = 1 + static_cast<int>(rnd.Uniform(24));
    std::vector<std::unique_ptr<MemTable>> mems;
    std::vector<std::string> all;  // Internal keys of every child.
    SequenceNumber seq = 1;
    for (int c = 0; c < num_children; ++c) {
      mems.push_back(std::make_unique<MemTable>(icmp));
      const int n = static_cast<int>(rnd.Uniform(40));  // Some children are empty.
      for (int i = 0; i < n; ++i) {
        const std::string user_key = "k" + std::to_string(rnd.Uniform(60));
        mems.back()->Add(seq, ValueType::kPut, user_key, std::to_string(c));
        std::string ikey;
        AppendInternalKey(&ikey, user_key, seq++, ValueType::kPut);
        all.push_back(ikey);
      }
    }
    std::sort(all.begin(), all.end(),
              [&](const std::string& a, const std::string& b) { return icmp.Compare(a, b) < 0; });
    std::vector<std::unique_ptr<Iterator>> children;
    for (auto& m : mems) children.push_back(m->NewIterator());
    std::unique_ptr<Iterator> it = NewMergingIterator(&icmp, std::move(children));

    size_t pos = all.size();  // all.size() means "not valid".
    for (int step = 0; step < 300; ++step) {
      std::string target;
      AppendInternalKey(&target, "k" + std::to_string(rnd.Uniform(70)), rnd.Uniform(seq + 1),
                        ValueType::kPut);
      const auto lower = [&] {
        return static_cast<size_t>(
            std::partition_point(all.begin(), all.end(),
                                 [&](const std::string& k) { return icmp.Compare(k, target) < 0; }) -
            all.begin());
      };
      switch (rnd.Uniform(6)) {
        case 0:
          it->SeekToFirst();
          pos = 0;
          break;
        case 1:
          it->SeekToLast();
          pos = all.empty() ? all.size() : all.size() - 1;
          break;
        case 2:
          it->Seek(target);
          pos = lower();
          break;
        case 3: {
          it->SeekForPrev(target);
          // The last entry <= target.
          const size_t upper = static_cast<size_t>(
              std::partition_point(all.begin(), all.end(),
                                   [&](const std::string& k) { return icmp.Compare(k, target) <= 0; }) -
              all.begin());
          pos = upper == 0 ? all.size() : upper - 1;
          break;
        }
        case 4:
          if (pos == all.size()) continue;
          it->Next();
          ++pos;
          break;
        default:
          if (pos == all.size()) continue;
          it->Prev();
          pos = pos == 0 ? all.size() : pos - 1;
          break;
      }
      ASSERT_OK(it->status());
      ASSERT_EQ(it->Valid(), pos < all.size()) << "step " << step;
      if (pos < all.size()) {
        ASSERT_EQ(it->key(), all[pos]) << "step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace kvlsm
