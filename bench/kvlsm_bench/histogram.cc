#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace kvlsm::bench {

size_t Histogram::BucketOf(uint64_t value) {
  if (value < kSubBuckets) return static_cast<size_t>(value);
  const int exponent = std::bit_width(value) - 1;  // >= kSubBucketBits
  const uint64_t sub = (value >> (exponent - kSubBucketBits)) & (kSubBuckets - 1);
  return static_cast<size_t>(kSubBuckets + (exponent - kSubBucketBits) * kSubBuckets + sub);
}

uint64_t Histogram::BucketLow(size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const int exponent = static_cast<int>((bucket - kSubBuckets) / kSubBuckets) + kSubBucketBits;
  const uint64_t sub = (bucket - kSubBuckets) % kSubBuckets;
  return (uint64_t{1} << exponent) + sub * (uint64_t{1} << (exponent - kSubBucketBits));
}

uint64_t Histogram::BucketWidth(size_t bucket) {
  if (bucket < kSubBuckets) return 1;
  const int exponent = static_cast<int>((bucket - kSubBuckets) / kSubBuckets) + kSubBucketBits;
  return uint64_t{1} << (exponent - kSubBucketBits);
}

void Histogram::Add(uint64_t value) {
  ++buckets_[BucketOf(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<double>(value);
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double Histogram::Mean() const { return count_ == 0 ? 0 : sum_ / static_cast<double>(count_); }

double Histogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 1.0);
  // The rank (1-based) of the value asked for.
  const auto rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(p * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const double middle =
          static_cast<double>(BucketLow(i)) + static_cast<double>(BucketWidth(i) - 1) / 2;
      return std::clamp(middle, static_cast<double>(min()), static_cast<double>(max_));
    }
  }
  return static_cast<double>(max_);
}

}  // namespace kvlsm::bench
