// A latency histogram with bounded relative error, for kvlsm-bench.
//
// Values (nanoseconds) below 64 get a bucket each; above, every power of two is split into
// 64 equal buckets, so a reported percentile is within 1/64 (1.6%) of the true value, and
// the whole histogram is a fixed array: Add is a few instructions and never allocates.
//
// Thread safety: none. Each thread records into its own Histogram; Merge them afterwards.
#ifndef KVLSM_BENCH_KVLSM_BENCH_HISTOGRAM_H_
#define KVLSM_BENCH_KVLSM_BENCH_HISTOGRAM_H_

#include <array>
#include <cstddef>
#include <cstdint>

namespace kvlsm::bench {

class Histogram {
 public:
  void Add(uint64_t value);
  void Merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double Mean() const;

  // The value below which a fraction `p` (in [0, 1]) of the recorded values lie: the
  // middle of the bucket holding that rank, clamped to [min(), max()]. 0 when empty.
  double Percentile(double p) const;

 private:
  static constexpr int kSubBucketBits = 6;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;
  // Exact buckets for [0, 64), then 64 per power of two from 2^6 up to 2^63.
  static constexpr size_t kBuckets = kSubBuckets + (64 - kSubBucketBits) * kSubBuckets;

  static size_t BucketOf(uint64_t value);
  static uint64_t BucketLow(size_t bucket);
  static uint64_t BucketWidth(size_t bucket);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_HISTOGRAM_H_
