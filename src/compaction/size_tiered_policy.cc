// Size-tiered compaction (docs/compaction.md, "Size-tiered"): every table is a sorted run in
// level 0, newest first. Reads stop at the first run holding a key, so only runs adjacent in
// age may merge: the merged run then sits where its inputs were, and no run between them is
// left reading as newer or older than it really is.
//
// Thread safety: immutable after construction.
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "compaction/policy_util.h"
#include "kvlsm/compaction_policy.h"

namespace kvlsm {

absl::Status SizeTieredCompactionOptions::Validate() const {
  if (min_threshold < 2 || min_threshold > 1000) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "SizeTieredCompactionOptions::min_threshold = %d is outside [2, 1000]", min_threshold));
  }
  if (max_threshold < min_threshold || max_threshold > 1000) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "SizeTieredCompactionOptions::max_threshold = %d is outside [min_threshold = %d, 1000]",
        max_threshold, min_threshold));
  }
  if (!(bucket_low > 0 && bucket_low <= 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "SizeTieredCompactionOptions::bucket_low = %g is outside (0, 1]", bucket_low));
  }
  if (!(bucket_high >= 1 && bucket_high <= 100)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "SizeTieredCompactionOptions::bucket_high = %g is outside [1, 100]", bucket_high));
  }
  if (!(max_space_amplification > 1)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("SizeTieredCompactionOptions::max_space_amplification = %g must be > 1",
                        max_space_amplification));
  }
  if (!(tombstone_ratio_trigger > 0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("SizeTieredCompactionOptions::tombstone_ratio_trigger = %g must be > 0",
                        tombstone_ratio_trigger));
  }
  return absl::OkStatus();
}

namespace {

using compaction::HumanBytes;
using compaction::KeyOrder;
using compaction::Level;

class SizeTieredCompactionPolicy final : public CompactionPolicy {
 public:
  explicit SizeTieredCompactionPolicy(const SizeTieredCompactionOptions& options)
      : options_(options), valid_(options.Validate().ok()) {}

  const char* Name() const override { return "kvlsm.SizeTieredCompaction"; }
  absl::Status Validate() const override { return options_.Validate(); }

  // In order: the space-amplification merge of every run; the bucket of adjacent,
  // similar-sized runs with the smallest average size (ties: more runs, then newer); a
  // tombstone-heavy run alone. Tables at levels >= 1 (left by another policy) are ignored.
  std::optional<CompactionPick> Pick(const CompactionPicture& picture) const override {
    if (!valid_ || picture.levels.empty()) return std::nullopt;
    const Level& runs = picture.levels[0];
    if (auto pick = PickSpaceAmplification(runs)) return pick;
    if (auto pick = PickBucket(runs)) return pick;
    return PickTombstoneRun(picture);
  }

  // Every run is one table.
  std::optional<uint64_t> ManualCompactionFileSize() const override { return 0; }

  // Every run's bytes when the space-amplification merge is due; otherwise the bytes of
  // the buckets (formed newest first, each as in Pick) of at least min_threshold runs.
  // Runs being compacted count: their work is not done yet.
  uint64_t EstimatePendingBytes(const CompactionPicture& picture) const override {
    if (!valid_ || picture.levels.empty()) return 0;
    const Level& runs = picture.levels[0];
    if (SpaceAmplificationDue(runs)) return compaction::TotalBytes(runs);
    uint64_t pending = 0;
    for (size_t i = 0; i < runs.size();) {
      const Bucket b = GrowBucket(runs, i, /*stop_at_busy=*/false);
      if (b.count >= static_cast<size_t>(options_.min_threshold)) pending += b.bytes;
      i += b.count;
    }
    return pending;
  }

 private:
  // Runs [first, first + count) of level 0.
  struct Bucket {
    size_t first = 0;
    size_t count = 0;
    uint64_t bytes = 0;
  };

  bool SpaceAmplificationDue(const Level& runs) const {
    if (runs.size() < 2) return false;
    const uint64_t total = compaction::TotalBytes(runs);
    const uint64_t oldest = runs.back().size;
    if (oldest == 0) return total > 0;
    return static_cast<double>(total) / static_cast<double>(oldest) >
           options_.max_space_amplification;
  }

  // The bucket starting at run `first`: following runs join while each is within
  // [bucket_low, bucket_high] times the bucket's average so far, up to max_threshold runs.
  Bucket GrowBucket(const Level& runs, size_t first, bool stop_at_busy) const {
    Bucket b{first, 1, runs[first].size};
    while (first + b.count < runs.size() && b.count < static_cast<size_t>(options_.max_threshold)) {
      const CompactionFile& next = runs[first + b.count];
      if (stop_at_busy && next.being_compacted) break;
      const double average = static_cast<double>(b.bytes) / static_cast<double>(b.count);
      const double size = static_cast<double>(next.size);
      if (size < average * options_.bucket_low || size > average * options_.bucket_high) break;
      b.bytes += next.size;
      ++b.count;
    }
    return b;
  }

  static CompactionPick LevelZeroMerge(const Level& runs, size_t first, size_t count,
                                       std::string reason) {
    CompactionPick pick;
    CompactionPick::Input input;
    input.level = 0;
    for (size_t i = first; i < first + count; ++i) input.files.push_back(runs[i].number);
    pick.inputs.push_back(std::move(input));
    pick.output_level = 0;
    pick.reason = std::move(reason);
    return pick;
  }

  std::optional<CompactionPick> PickSpaceAmplification(const Level& runs) const {
    if (!SpaceAmplificationDue(runs)) return std::nullopt;
    for (const CompactionFile& f : runs) {
      if (f.being_compacted) return std::nullopt;
    }
    const uint64_t total = compaction::TotalBytes(runs);
    return LevelZeroMerge(
        runs, 0, runs.size(),
        absl::StrFormat("space amplification: %d runs hold %s, the oldest %s (limit %.2fx)",
                        runs.size(), HumanBytes(total), HumanBytes(runs.back().size),
                        options_.max_space_amplification));
  }

  std::optional<CompactionPick> PickBucket(const Level& runs) const {
    std::optional<Bucket> best;
    for (size_t i = 0; i < runs.size(); ++i) {
      if (runs[i].being_compacted) continue;
      const Bucket b = GrowBucket(runs, i, /*stop_at_busy=*/true);
      if (b.count < static_cast<size_t>(options_.min_threshold)) continue;
      if (!best) {
        best = b;
        continue;
      }
      // Smaller average first: b.bytes / b.count < best.bytes / best.count, exactly.
      const unsigned __int128 lhs = static_cast<unsigned __int128>(b.bytes) * best->count;
      const unsigned __int128 rhs = static_cast<unsigned __int128>(best->bytes) * b.count;
      if (lhs < rhs || (lhs == rhs && b.count > best->count)) best = b;
    }
    if (!best) return std::nullopt;
    return LevelZeroMerge(runs, best->first, best->count,
                          absl::StrFormat("size tier: %d similar runs averaging %s", best->count,
                                          HumanBytes(best->bytes / best->count)));
  }

  // A run whose tombstones the job can drop (no older run overlaps it), mostly tombstones
  // and old enough; the highest ratio first, then the oldest.
  std::optional<CompactionPick> PickTombstoneRun(const CompactionPicture& picture) const {
    if (options_.tombstone_ratio_trigger > 1) return std::nullopt;
    const Level& runs = picture.levels[0];
    const KeyOrder order(picture.comparator);
    std::optional<size_t> best;
    for (size_t i = runs.size(); i-- > 0;) {
      const CompactionFile& f = runs[i];
      if (f.being_compacted || f.num_entries == 0 ||
          compaction::TombstoneRatio(f) < options_.tombstone_ratio_trigger ||
          picture.now < f.creation_time ||
          picture.now - f.creation_time < options_.tombstone_min_age_seconds) {
        continue;
      }
      bool overlaps_older = false;
      for (size_t j = i + 1; j < runs.size() && !overlaps_older; ++j) {
        overlaps_older = order.FileOverlaps(runs[j], f.smallest, f.largest);
      }
      if (overlaps_older) continue;
      if (!best || compaction::HigherTombstoneRatio(f, runs[*best])) best = i;
    }
    if (!best) return std::nullopt;
    const CompactionFile& f = runs[*best];
    return LevelZeroMerge(
        runs, *best, 1,
        absl::StrFormat("tombstones: run %d is %.0f%% deletions, %d s old", f.number,
                        100 * compaction::TombstoneRatio(f), picture.now - f.creation_time));
  }

  const SizeTieredCompactionOptions options_;
  const bool valid_;
};

}  // namespace

std::shared_ptr<const CompactionPolicy> NewSizeTieredCompaction(
    const SizeTieredCompactionOptions& options) {
  return std::make_shared<SizeTieredCompactionPolicy>(options);
}

}  // namespace kvlsm
