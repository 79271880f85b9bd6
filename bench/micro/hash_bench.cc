// Hashing micro-benchmarks: Hash64 on key-sized inputs (filters hash every key added and
// every key looked up) and Checksum32 on record- and block-sized inputs (every WAL record
// and every block read or written is checksummed). state.range(0): input bytes.
#include <string>

#include <benchmark/benchmark.h>

#include "util/hash.h"
#include "util/random.h"

namespace kvlsm {
namespace {

std::string RandomBytes(size_t n) {
  Random rnd(3);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rnd.Next());
  return bytes;
}

void BM_Hash64(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  // Many inputs, so that each call starts from a different address, as keys do.
  const std::string bytes = RandomBytes(n * 256);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Hash64(std::string_view(bytes).substr((i++ & 255) * n, n)));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Hash64)->ArgName("bytes")->Arg(16)->Arg(24)->Arg(128);

void BM_Checksum32(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::string bytes = RandomBytes(n);
  for (auto _ : state) {
    // The trailer's type byte is the second part, as in a block checksum.
    benchmark::DoNotOptimize(Checksum32(bytes, std::string_view("\0", 1)));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Checksum32)->ArgName("bytes")->Arg(128)->Arg(4096)->Arg(65536);

}  // namespace
}  // namespace kvlsm
