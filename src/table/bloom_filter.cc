// The "kvlsm.BlockedBloom" filter policy: a cache-local Bloom filter in which all of a key's
// probes fall in one 64-byte block, so a query touches one cache line. Layout, hashing and
// validation are specified in bloom_filter.h and docs/format.md.
//
// Choosing k. A blocked filter's keys per block follow a Poisson distribution, so some
// blocks are fuller than average, and its best k is lower than a standard filter's
// bits_per_key * ln 2. kProbeThresholds comes from measuring this implementation (random
// 64-bit hashes, every k near the optimum): bits_per_key 1 to 20 in steps of 0.25 with
// 1M keys, 4M absent queries and 4 key sets each; 21 to 32 in steps of 1 with 1M keys,
// 32M queries and 2 key sets. Each threshold is where the next k starts to win. Near a
// threshold the two k measure the same; at 10 bits/key k = 6 and 7 both give 0.965% and
// 6 is cheaper to probe. Above about 30 bits/key the rate (under 1e-5) is too low to
// measure well, and the thresholds follow the analytic model (Poisson keys per block,
// independent probes), which matches the measurements within 0.5 bits/key below 30.
#include "table/bloom_filter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "kvlsm/filter_policy.h"
#include "util/coding.h"
#include "util/hash.h"

namespace kvlsm {

double ClampBloomBitsPerKey(double bits_per_key) {
  if (std::isnan(bits_per_key)) return kBloomDefaultBitsPerKey;
  return std::clamp(bits_per_key, kBloomMinBitsPerKey, kBloomMaxBitsPerKey);
}

int ChooseBloomProbes(double bits_per_key) {
  // kProbeThresholds[i]: the largest bits_per_key for which k = i + 1 is chosen.
  static constexpr double kProbeThresholds[] = {
      2.00,  3.50,  5.00,  6.50,  8.25,  10.00, 11.75, 14.00, 16.25, 19.00, 21.50, 25.00,
      27.50, 30.50, 34.50, 39.00, 44.00, 50.00, 56.75, 64.25, 73.25, 83.25, 95.00};
  static_assert(std::size(kProbeThresholds) == kBloomMaxChosenProbes - 1);
  const double bits = ClampBloomBitsPerKey(bits_per_key);
  int k = 1;
  for (double threshold : kProbeThresholds) {
    if (bits <= threshold) break;
    ++k;
  }
  return k;
}

uint32_t BloomBlocksFor(uint64_t num_keys, double bits_per_key) {
  if (num_keys == 0) return 0;
  const double blocks = std::ceil(static_cast<double>(num_keys) *
                                  ClampBloomBitsPerKey(bits_per_key) / kBloomBlockBits);
  if (blocks >= static_cast<double>(std::numeric_limits<uint32_t>::max())) {
    return std::numeric_limits<uint32_t>::max();
  }
  return std::max<uint32_t>(1, static_cast<uint32_t>(blocks));
}

absl::StatusOr<BloomFilterInfo> DecodeBloomFilterInfo(std::string_view filter) {
  if (filter.size() < kBloomTrailerBytes) {
    return absl::DataLossError(
        absl::StrFormat("bloom filter is %d bytes, shorter than its %d-byte trailer", filter.size(),
                        kBloomTrailerBytes));
  }
  const char* trailer = filter.data() + filter.size() - kBloomTrailerBytes;
  const auto* bytes = reinterpret_cast<const unsigned char*>(trailer);
  const int version = bytes[15];
  if (version != kBloomFormatVersion) {
    return absl::DataLossError(
        absl::StrFormat("bloom filter has format version %d; this build reads version %d", version,
                        kBloomFormatVersion));
  }
  if (bytes[13] != 0 || bytes[14] != 0) {
    return absl::DataLossError(absl::StrFormat(
        "bloom filter trailer has non-zero reserved bytes 0x%02x 0x%02x", bytes[13], bytes[14]));
  }
  BloomFilterInfo info;
  info.num_keys = DecodeFixed64(trailer);
  info.num_blocks = DecodeFixed32(trailer + 8);
  info.num_probes = bytes[12];
  if (info.num_probes < 1 || info.num_probes > kBloomMaxProbes) {
    return absl::DataLossError(
        absl::StrFormat("bloom filter declares %d probes per key; valid are 1..%d", info.num_probes,
                        kBloomMaxProbes));
  }
  const uint64_t block_bytes = uint64_t{info.num_blocks} * kBloomBlockBytes;
  if (filter.size() - kBloomTrailerBytes != block_bytes) {
    return absl::DataLossError(absl::StrFormat(
        "bloom filter is %d bytes; its trailer declares %d blocks, which need %d bytes",
        filter.size(), info.num_blocks, block_bytes + kBloomTrailerBytes));
  }
  if ((info.num_blocks == 0) != (info.num_keys == 0)) {
    return absl::DataLossError(absl::StrFormat("bloom filter declares %d keys in %d blocks",
                                               info.num_keys, info.num_blocks));
  }
  if (info.num_keys > uint64_t{info.num_blocks} * kBloomBlockBits) {
    return absl::DataLossError(
        absl::StrFormat("bloom filter declares %d keys in %d blocks, fewer than 1 bit per key",
                        info.num_keys, info.num_blocks));
  }
  return info;
}

namespace {

// Walks the probe words of hash h: calls probe(word, n) for each, where the word's low n
// 9-bit fields (n <= 7) are the next n of the key's num_probes bit positions. Stops and
// returns false as soon as probe returns false; otherwise returns true.
template <typename Probe>
inline bool ForEachProbe(uint64_t h, int num_probes, Probe&& probe) {
  uint64_t word = h;
  for (int left = num_probes; left > 0; left -= kBloomProbesPerWord) {
    word = BloomRemix(word);
    const int n = std::min(left, kBloomProbesPerWord);
    if (!probe(word, n)) return false;
  }
  return true;
}

class BlockedBloomBuilder final : public FilterBuilder {
 public:
  explicit BlockedBloomBuilder(double bits_per_key)
      : bits_per_key_(bits_per_key), num_probes_(ChooseBloomProbes(bits_per_key)) {}

  void AddKey(std::string_view key) override {
    const uint64_t h = Hash64(key);
    // Keys arrive in table order, so a repeated key repeats its predecessor.
    if (!hashes_.empty() && hashes_.back() == h) return;
    hashes_.push_back(h);
  }

  void Finish(std::string* dst) override {
    const uint32_t num_blocks = BloomBlocksFor(hashes_.size(), bits_per_key_);
    const size_t start = dst->size();
    dst->resize(start + size_t{num_blocks} * kBloomBlockBytes, '\0');
    auto* blocks = reinterpret_cast<unsigned char*>(dst->data() + start);
    for (uint64_t h : hashes_) {
      unsigned char* block = blocks + size_t{BloomBlockIndex(h, num_blocks)} * kBloomBlockBytes;
      ForEachProbe(h, num_probes_, [block](uint64_t word, int n) {
        for (int i = 0; i < n; ++i) {
          const uint32_t bit = (word >> (9 * i)) & (kBloomBlockBits - 1);
          block[bit >> 3] |= static_cast<unsigned char>(1u << (bit & 7));
        }
        return true;
      });
    }
    char trailer[kBloomTrailerBytes];
    EncodeFixed64(trailer, hashes_.size());
    EncodeFixed32(trailer + 8, num_blocks);
    trailer[12] = static_cast<char>(num_probes_);
    trailer[13] = 0;
    trailer[14] = 0;
    trailer[15] = static_cast<char>(kBloomFormatVersion);
    dst->append(trailer, sizeof(trailer));
  }

 private:
  const double bits_per_key_;
  const int num_probes_;
  std::vector<uint64_t> hashes_;  // one per distinct run of keys, in arrival order
};

// Points into the filter bytes (which the caller keeps alive); immutable, so safe for
// concurrent use.
class BlockedBloomReader final : public FilterReader {
 public:
  BlockedBloomReader(const char* blocks, const BloomFilterInfo& info)
      : blocks_(reinterpret_cast<const unsigned char*>(blocks)),
        num_blocks_(info.num_blocks),
        num_probes_(info.num_probes) {}

  bool KeyMayMatch(std::string_view key) const override {
    if (num_blocks_ == 0) return false;
    const uint64_t h = Hash64(key);
    const unsigned char* block =
        blocks_ + size_t{BloomBlockIndex(h, num_blocks_)} * kBloomBlockBytes;
    return ForEachProbe(h, num_probes_, [block](uint64_t word, int n) {
      // Branch-free within a word: a miss exits at an unpredictable probe, and the
      // loads all hit the same cache line.
      unsigned all = 1;
      for (int i = 0; i < n; ++i) {
        const uint32_t bit = (word >> (9 * i)) & (kBloomBlockBits - 1);
        all &= block[bit >> 3] >> (bit & 7);
      }
      return (all & 1) != 0;
    });
  }

  size_t ApproximateMemoryUsage() const override { return sizeof(*this); }

 private:
  const unsigned char* const blocks_;
  const uint32_t num_blocks_;
  const int num_probes_;
};

class BlockedBloomPolicy final : public FilterPolicy {
 public:
  explicit BlockedBloomPolicy(double bits_per_key)
      : bits_per_key_(ClampBloomBitsPerKey(bits_per_key)) {}

  const char* Name() const override { return kBlockedBloomName; }

  std::unique_ptr<FilterBuilder> NewBuilder() const override {
    return std::make_unique<BlockedBloomBuilder>(bits_per_key_);
  }

  // The filter's own trailer gives its shape, so filters built at any bits_per_key read
  // back with any policy instance.
  absl::StatusOr<std::unique_ptr<FilterReader>> NewReader(std::string_view filter) const override {
    absl::StatusOr<BloomFilterInfo> info = DecodeBloomFilterInfo(filter);
    if (!info.ok()) return info.status();
    return std::unique_ptr<FilterReader>(new BlockedBloomReader(filter.data(), *info));
  }

 private:
  const double bits_per_key_;  // clamped into [kBloomMinBitsPerKey, kBloomMaxBitsPerKey]
};

}  // namespace

std::shared_ptr<const FilterPolicy> NewBloomFilterPolicy(double bits_per_key) {
  return std::make_shared<BlockedBloomPolicy>(bits_per_key);
}

}  // namespace kvlsm
