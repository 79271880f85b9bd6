// Merging iterator micro-benchmarks: a full scan (Next) and random seeks over the union of
// `children` sorted sources, which is what every DB iterator and every compaction runs on.
// The sources are memtables holding 100,000 entries (16-byte keys, 100-byte values) in
// all, dealt round-robin, so consecutive keys come from different children: the worst case
// for the merge, and what level-0 tables written from random keys look like.
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "base/dbformat.h"
#include "kvlsm/comparator.h"
#include "memtable/memtable.h"
#include "table/merging_iterator.h"
#include "util/random.h"

namespace kvlsm {
namespace {

constexpr uint64_t kEntries = 100'000;

std::string UserKey(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016" PRIu64, i);
  return buf;
}

class Sources {
 public:
  explicit Sources(int children) : comparator_(BytewiseComparator()) {
    for (int c = 0; c < children; ++c) tables_.push_back(std::make_unique<MemTable>(comparator_));
    const std::string value(100, 'v');
    for (uint64_t i = 0; i < kEntries; ++i) {
      tables_[i % tables_.size()]->Add(i + 1, ValueType::kPut, UserKey(i), value);
    }
  }

  std::unique_ptr<Iterator> NewIterator() const {
    std::vector<std::unique_ptr<Iterator>> children;
    for (const auto& table : tables_) children.push_back(table->NewIterator());
    return NewMergingIterator(&comparator_, std::move(children));
  }

 private:
  const InternalKeyComparator comparator_;
  std::vector<std::unique_ptr<MemTable>> tables_;
};

void BM_MergingIteratorScan(benchmark::State& state) {
  const Sources sources(static_cast<int>(state.range(0)));
  std::unique_ptr<Iterator> iter = sources.NewIterator();
  iter->SeekToFirst();
  for (auto _ : state) {
    if (!iter->Valid()) iter->SeekToFirst();
    benchmark::DoNotOptimize(iter->key().data());
    iter->Next();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_MergingIteratorScan)->ArgName("children")->Arg(1)->Arg(4)->Arg(16);

void BM_MergingIteratorSeek(benchmark::State& state) {
  const Sources sources(static_cast<int>(state.range(0)));
  std::unique_ptr<Iterator> iter = sources.NewIterator();
  std::vector<std::string> targets;
  Random rnd(5);
  for (int i = 0; i < 4096; ++i) {
    std::string target;
    AppendInternalKey(&target, UserKey(rnd.Uniform(kEntries)), kMaxSequenceNumber, kTypeForSeek);
    targets.push_back(std::move(target));
  }
  size_t i = 0;
  for (auto _ : state) {
    iter->Seek(targets[i++ & 4095]);
    benchmark::DoNotOptimize(iter->value().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_MergingIteratorSeek)->ArgName("children")->Arg(1)->Arg(4)->Arg(16);

}  // namespace
}  // namespace kvlsm
