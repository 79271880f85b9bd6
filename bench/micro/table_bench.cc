// Block and table micro-benchmarks: building a data block, seeking within one, and a point
// lookup in a table on the in-memory Env with the block cache warm (target: <= 1 us for
// 16-byte keys) or absent (every lookup reads, checksums and parses its block).
//
// Keys are 16-byte decimal strings, values 100 bytes; blocks 4 KiB, restart interval 16,
// no compression, a 10-bit Bloom filter. Every lookup finds its key.
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "base/dbformat.h"
#include "base/get_context.h"
#include "kvlsm/cache.h"
#include "kvlsm/comparator.h"
#include "kvlsm/env.h"
#include "kvlsm/filter_policy.h"
#include "table/block.h"
#include "table/block_builder.h"
#include "table/table_builder.h"
#include "table/table_reader.h"
#include "util/random.h"

namespace kvlsm {
namespace {

constexpr size_t kValueSize = 100;

std::string UserKey(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016" PRIu64, i * 7);
  return buf;
}

std::string InternalKey(uint64_t i) {
  std::string key;
  AppendInternalKey(&key, UserKey(i), 1, ValueType::kPut);
  return key;
}

void BM_BlockBuild(benchmark::State& state) {
  const std::string value(kValueSize, 'v');
  std::vector<std::string> keys;
  for (uint64_t i = 0; i < 4096 / (24 + kValueSize) + 1; ++i) keys.push_back(InternalKey(i));
  BlockBuilder builder(16);
  for (auto _ : state) {
    builder.Reset();
    for (const std::string& key : keys) builder.Add(key, value);
    benchmark::DoNotOptimize(builder.Finish().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * keys.size()));
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * keys.size() * (24 + kValueSize)));
}
BENCHMARK(BM_BlockBuild);

void BM_BlockSeek(benchmark::State& state) {
  const InternalKeyComparator comparator(BytewiseComparator());
  const std::string value(kValueSize, 'v');
  BlockBuilder builder(16);
  size_t n = 0;
  while (builder.CurrentSizeEstimate() < 4096) builder.Add(InternalKey(n++), value);
  const std::string_view bytes = builder.Finish();
  Block block(BlockContents{bytes, nullptr, 0});
  std::vector<std::string> targets;
  Random rnd(1);
  for (int i = 0; i < 1024; ++i) {
    std::string target;
    AppendInternalKey(&target, UserKey(rnd.Uniform(n)), kMaxSequenceNumber, kTypeForSeek);
    targets.push_back(std::move(target));
  }
  BlockIter iter;
  size_t i = 0;
  for (auto _ : state) {
    block.InitIterator(&comparator, &iter);
    iter.Seek(targets[i++ & 1023]);
    benchmark::DoNotOptimize(iter.value().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["entries"] = static_cast<double>(n);
}
BENCHMARK(BM_BlockSeek);

// One table on a MemEnv, opened with or without a block cache.
class TableFixture {
 public:
  TableFixture(bool cached, uint64_t entries)
      : entries_(entries),
        env_(NewMemEnv()),
        comparator_(BytewiseComparator()),
        filter_(NewBloomFilterPolicy(10)),
        cache_(cached ? NewLRUCache(size_t{256} << 20) : nullptr) {
    Build();
    Open();
  }

  TableReader* table() { return table_.get(); }
  uint64_t entries() const { return entries_; }
  std::string last_error;

 private:
  void Build() {
    auto data = env_->NewWritableFile("/000001.sst");
    auto index = env_->NewWritableFile("/000001.idx");
    if (!data.ok() || !index.ok()) return Fail("create");
    TableBuilderOptions options;
    options.comparator = &comparator_;
    options.filter_policy = filter_.get();
    TableBuilder builder(options, data->get(), index->get());
    const std::string value(kValueSize, 'v');
    for (uint64_t i = 0; i < entries_; ++i) builder.Add(InternalKey(i), value);
    if (!builder.Finish().ok()) Fail("finish");
  }

  void Open() {
    auto data = env_->NewRandomAccessFile("/000001.sst");
    auto index = env_->NewRandomAccessFile("/000001.idx");
    auto data_size = env_->GetFileSize("/000001.sst");
    auto index_size = env_->GetFileSize("/000001.idx");
    if (!data.ok() || !index.ok() || !data_size.ok() || !index_size.ok()) return Fail("open");
    TableReaderOptions options;
    options.comparator = &comparator_;
    options.filter_policy = filter_.get();
    options.block_cache = cache_.get();
    options.data_file_name = "/000001.sst";
    options.index_file_name = "/000001.idx";
    auto table =
        TableReader::Open(options, *std::move(data), *data_size, *std::move(index), *index_size);
    if (!table.ok()) return Fail(std::string(table.status().message()));
    table_ = *std::move(table);
    // Warm the cache with every block.
    auto iter = table_->NewIterator(ReadOptions());
    for (iter->SeekToFirst(); iter->Valid(); iter->Next()) {
    }
  }

  void Fail(std::string what) { last_error = std::move(what); }

  const uint64_t entries_;
  std::unique_ptr<Env> env_;
  InternalKeyComparator comparator_;
  std::shared_ptr<const FilterPolicy> filter_;
  std::shared_ptr<Cache> cache_;
  std::unique_ptr<TableReader> table_;
};

// Fixtures live for the whole run: building one takes longer than measuring it.
TableFixture& Fixture(bool cached, uint64_t entries) {
  static auto* const fixtures = new std::map<std::pair<bool, uint64_t>, TableFixture*>;
  TableFixture*& fixture = (*fixtures)[{cached, entries}];
  if (fixture == nullptr) fixture = new TableFixture(cached, entries);
  return *fixture;
}

// state.range(0): entries in the table.
void TableGet(benchmark::State& state, bool cached) {
  TableFixture& fixture = Fixture(cached, static_cast<uint64_t>(state.range(0)));
  if (fixture.table() == nullptr) {
    state.SkipWithError(fixture.last_error.c_str());
    return;
  }
  std::vector<std::string> keys;
  Random rnd(2);
  for (int i = 0; i < 4096; ++i) keys.push_back(UserKey(rnd.Uniform(fixture.entries())));
  const ReadOptions read;
  std::string value;
  size_t i = 0;
  for (auto _ : state) {
    const std::string& key = keys[i++ & 4095];
    GetContext ctx(nullptr, key, &value);
    absl::Status s = fixture.table()->Get(read, key, kMaxSequenceNumber, &ctx);
    if (s.ok()) s = ctx.Finish();
    if (!s.ok()) {
      state.SkipWithError("Get failed");
      break;
    }
    benchmark::DoNotOptimize(value.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_TableGetCached(benchmark::State& state) { TableGet(state, /*cached=*/true); }
void BM_TableGetUncached(benchmark::State& state) { TableGet(state, /*cached=*/false); }
// 20,000 entries: a 2.4 MiB table; 200,000 entries: 24 MiB, whose index and filter no
// longer stay in the CPU caches between lookups.
BENCHMARK(BM_TableGetCached)->ArgName("entries")->Arg(20000)->Arg(200000);
BENCHMARK(BM_TableGetUncached)->ArgName("entries")->Arg(20000)->Arg(200000);

}  // namespace
}  // namespace kvlsm
