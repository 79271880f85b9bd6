// The format of the "kvlsm.BlockedBloom" filter (docs/format.md, "Filter block"): the
// constants its builder and reader share, the probe function, and a decoder for its
// trailer that validates a filter without trusting any of its bytes.
//
//   filter  := block[num_blocks] trailer
//   block   := 64 bytes = 512 bits; bit b is bit (b % 8) of byte (b / 8)
//   trailer := num_keys:fixed64 num_blocks:fixed32 num_probes:u8 reserved:u8[2]=0
//              version:u8=1                                            (16 bytes, LE)
//
// A key's 64-bit hash h = XXH3-64(user key, seed 0) picks block ((h >> 32) * num_blocks)
// >> 32 and, in it, num_probes bits: probe i is bit (w_g >> (9 * (i % 7))) & 511 of the
// probe word w_g = Remix^(g+1)(h), g = i / 7. Remix is the Murmur3 64-bit finalizer.
//
// Thread safety: everything here is a pure function or a constant.
#ifndef KVLSM_TABLE_BLOOM_FILTER_H_
#define KVLSM_TABLE_BLOOM_FILTER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace kvlsm {

// Persisted as the table's filter name; never change it for this format.
inline constexpr char kBlockedBloomName[] = "kvlsm.BlockedBloom";

inline constexpr size_t kBloomBlockBytes = 64;
inline constexpr uint32_t kBloomBlockBits = 512;
inline constexpr size_t kBloomTrailerBytes = 16;
// The trailer's last byte. Never reuse a retired value.
inline constexpr uint8_t kBloomFormatVersion = 1;
// Probes per key a version-1 filter may declare (readers reject 0 and more than this).
// The builder chooses at most kBloomMaxChosenProbes; the rest is headroom so that a
// retuned builder does not need a new format version.
inline constexpr int kBloomMaxProbes = 32;
// Probes taken from one 64-bit probe word (7 x 9 bits).
inline constexpr int kBloomProbesPerWord = 7;

// bits_per_key accepted by NewBloomFilterPolicy; other values are clamped into range
// (NaN becomes kBloomDefaultBitsPerKey).
inline constexpr double kBloomMinBitsPerKey = 1;
inline constexpr double kBloomMaxBitsPerKey = 100;
inline constexpr double kBloomDefaultBitsPerKey = 10;

double ClampBloomBitsPerKey(double bits_per_key);

// The number of probes the builder uses for a (clamped) bits_per_key: the k with the
// lowest false-positive rate measured for this layout (see bloom_filter.cc), which is
// below the standard Bloom filter's bits_per_key * ln 2 because the keys per block vary.
int ChooseBloomProbes(double bits_per_key);
inline constexpr int kBloomMaxChosenProbes = 24;

// The number of blocks for num_keys keys at bits_per_key (0 for no keys, otherwise at
// least 1 and at most UINT32_MAX).
uint32_t BloomBlocksFor(uint64_t num_keys, double bits_per_key);

// Murmur3's fmix64: a bijective mixer of all 64 bits.
inline uint64_t BloomRemix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

// The block of hash h among num_blocks (< num_blocks when num_blocks > 0).
inline uint32_t BloomBlockIndex(uint64_t h, uint32_t num_blocks) {
  return static_cast<uint32_t>(((h >> 32) * num_blocks) >> 32);
}

// What a filter's trailer declares, once validated against its length.
struct BloomFilterInfo {
  uint64_t num_keys = 0;    // distinct keys added (adjacent repeats counted once)
  uint32_t num_blocks = 0;  // 64-byte blocks before the trailer
  int num_probes = 0;       // bits set per key, 1..kBloomMaxProbes
};

// Decodes and checks the trailer of `filter`. DataLoss, naming the field, when the filter
// is shorter than its trailer, has another version, non-zero reserved bytes, a probe count
// outside 1..kBloomMaxProbes, a length other than 64 * num_blocks + 16, blocks without
// keys or keys without blocks, or more than 512 keys per block (under 1 bit per key).
absl::StatusOr<BloomFilterInfo> DecodeBloomFilterInfo(std::string_view filter);

}  // namespace kvlsm

#endif  // KVLSM_TABLE_BLOOM_FILTER_H_
