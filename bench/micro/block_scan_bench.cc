// Data block micro-benchmarks beyond build and seek (table_bench.cc): stepping through a
// 4 KiB block with Next (scans), and the block path of a cache miss: checksum and, for
// zstd blocks, decompression (DecodeBlock), and compressing a block as a table builder
// does. Entries are 16-byte user keys and 100-byte values whose second half repeats the
// first (about 50% compressible, as kvlsm-bench writes them).
#include <cinttypes>
#include <cstdio>
#include <string>

#include <benchmark/benchmark.h>

#include "base/dbformat.h"
#include "kvlsm/comparator.h"
#include "table/block.h"
#include "table/block_builder.h"
#include "table/format.h"
#include "util/random.h"

namespace kvlsm {
namespace {

// A ~4 KiB block of internal keys, and the number of entries in it.
std::string BuildBlock(size_t* entries) {
  Random rnd(9);
  BlockBuilder builder(16);
  size_t n = 0;
  while (builder.CurrentSizeEstimate() < 4096) {
    char key[32];
    std::snprintf(key, sizeof(key), "%016" PRIu64, n * 2);
    std::string internal_key;
    AppendInternalKey(&internal_key, key, n + 1, ValueType::kPut);
    std::string value(100, '\0');
    for (size_t i = 0; i < 50; ++i) value[i] = value[i + 50] = static_cast<char>(rnd.Next());
    builder.Add(internal_key, value);
    ++n;
  }
  *entries = n;
  return std::string(builder.Finish());
}

void BM_BlockScan(benchmark::State& state) {
  const InternalKeyComparator comparator(BytewiseComparator());
  size_t entries = 0;
  const std::string bytes = BuildBlock(&entries);
  Block block(BlockContents{bytes, nullptr, 0});
  BlockIter iter;
  for (auto _ : state) {
    block.InitIterator(&comparator, &iter);
    for (iter.SeekToFirst(); iter.Valid(); iter.Next()) benchmark::DoNotOptimize(iter.value());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * entries));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_BlockScan);

// state.range(0): 0 stores the block raw, 1 compresses it with zstd level 3.
void BM_BlockDecode(benchmark::State& state) {
  size_t entries = 0;
  const std::string raw = BuildBlock(&entries);
  BlockCompressor compressor(state.range(0) == 0 ? CompressionType::kNone : CompressionType::kZstd,
                             3);
  CompressionType type = CompressionType::kNone;
  std::string file(compressor.Compress(raw, &type));
  const BlockHandle handle{0, file.size()};
  file.resize(file.size() + kBlockTrailerSize);
  EncodeBlockTrailer(std::string_view(file).substr(0, handle.size), type,
                     file.data() + handle.size);
  for (auto _ : state) {
    absl::StatusOr<BlockContents> contents =
        DecodeBlock(file, handle, /*verify_checksum=*/true, "bench");
    if (!contents.ok() || contents->data.size() != raw.size()) {
      state.SkipWithError("DecodeBlock failed");
      break;
    }
    benchmark::DoNotOptimize(contents->data.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
  state.counters["stored_bytes"] = static_cast<double>(handle.size);
}
BENCHMARK(BM_BlockDecode)->ArgName("zstd")->Arg(0)->Arg(1);

void BM_BlockCompressZstd(benchmark::State& state) {
  size_t entries = 0;
  const std::string raw = BuildBlock(&entries);
  BlockCompressor compressor(CompressionType::kZstd, 3);
  CompressionType type = CompressionType::kNone;
  size_t stored = 0;
  for (auto _ : state) {
    stored = compressor.Compress(raw, &type).size();
    benchmark::DoNotOptimize(stored);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
  state.counters["stored_bytes"] = static_cast<double>(stored);
}
BENCHMARK(BM_BlockCompressZstd);

}  // namespace
}  // namespace kvlsm
