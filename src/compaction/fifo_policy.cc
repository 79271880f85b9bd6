// FIFO compaction (docs/compaction.md, "FIFO"): never rewrites; drops the oldest tables once
// the DB holds more than max_total_bytes or they are older than max_age_seconds.
//
// "Oldest" is read order reversed: the deepest non-empty level first (levels >= 1 exist only
// when another policy wrote them; within one, by newest sequence number, then file number),
// then level 0 from its end. The policy always drops a prefix of that order, so that no
// dropped table leaves an older version of one of its keys behind to come back.
//
// Thread safety: immutable after construction.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "compaction/policy_util.h"
#include "kvlsm/compaction_policy.h"

namespace kvlsm {

absl::Status FifoCompactionOptions::Validate() const {
  if (max_total_bytes == 0 && max_age_seconds == 0) {
    return absl::InvalidArgumentError(
        "FifoCompactionOptions::max_total_bytes and FifoCompactionOptions::max_age_seconds are "
        "both 0: at least one limit must be set");
  }
  return absl::OkStatus();
}

namespace {

using compaction::HumanBytes;

struct Located {
  int level;
  const CompactionFile* file;
};

class FifoCompactionPolicy final : public CompactionPolicy {
 public:
  explicit FifoCompactionPolicy(const FifoCompactionOptions& options)
      : options_(options), valid_(options.Validate().ok()) {}

  const char* Name() const override { return "kvlsm.FifoCompaction"; }
  absl::Status Validate() const override { return options_.Validate(); }

  // Drops, oldest first, every table that is expired or whose removal is still needed to
  // get under max_total_bytes; stops at the first table that is neither, or is being
  // compacted (a newer table must not go while an older one stays).
  std::optional<CompactionPick> Pick(const CompactionPicture& picture) const override {
    if (!valid_) return std::nullopt;
    const Plan plan = MakePlan(picture, /*stop_at_busy=*/true);
    if (plan.dropped.empty()) return std::nullopt;
    absl::flat_hash_set<const CompactionFile*> dropped;
    for (const Located& d : plan.dropped) dropped.insert(d.file);
    CompactionPick pick;
    for (int level = 0; level < static_cast<int>(picture.levels.size()); ++level) {
      CompactionPick::Input input;
      input.level = level;
      for (const CompactionFile& f : picture.levels[level]) {  // In the level's own order.
        if (dropped.contains(&f)) input.files.push_back(f.number);
      }
      if (!input.files.empty()) pick.inputs.push_back(std::move(input));
    }
    pick.drop_only = true;
    pick.output_level = -1;
    if (plan.expired > 0) {
      pick.reason =
          absl::StrFormat("%d tables older than %d s", plan.expired, options_.max_age_seconds);
    }
    if (plan.dropped.size() > plan.expired) {
      absl::StrAppendFormat(&pick.reason, "%stotal %s exceeds %s", pick.reason.empty() ? "" : "; ",
                            HumanBytes(plan.total_before), HumanBytes(options_.max_total_bytes));
    }
    return pick;
  }

  // Never rewrites.
  std::optional<uint64_t> ManualCompactionFileSize() const override { return std::nullopt; }

  // The bytes Pick would drop if no table were being compacted.
  uint64_t EstimatePendingBytes(const CompactionPicture& picture) const override {
    if (!valid_) return 0;
    return MakePlan(picture, /*stop_at_busy=*/false).dropped_bytes;
  }

 private:
  struct Plan {
    std::vector<Located> dropped;
    size_t expired = 0;  // How many of them for their age alone or also for it.
    uint64_t dropped_bytes = 0;
    uint64_t total_before = 0;
  };

  bool Expired(const CompactionFile& f, uint64_t now) const {
    return options_.max_age_seconds > 0 && now > f.creation_time &&
           now - f.creation_time > options_.max_age_seconds;
  }

  Plan MakePlan(const CompactionPicture& picture, bool stop_at_busy) const {
    std::vector<Located> oldest_first;
    for (int level = static_cast<int>(picture.levels.size()) - 1; level >= 1; --level) {
      const size_t begin = oldest_first.size();
      for (const CompactionFile& f : picture.levels[level]) oldest_first.push_back({level, &f});
      std::sort(oldest_first.begin() + begin, oldest_first.end(),
                [](const Located& a, const Located& b) {
                  if (a.file->largest_seqno != b.file->largest_seqno) {
                    return a.file->largest_seqno < b.file->largest_seqno;
                  }
                  return a.file->number < b.file->number;
                });
    }
    if (!picture.levels.empty()) {
      const auto& level0 = picture.levels[0];
      for (auto it = level0.rbegin(); it != level0.rend(); ++it) oldest_first.push_back({0, &*it});
    }
    Plan plan;
    for (const Located& l : oldest_first) plan.total_before += l.file->size;
    uint64_t remaining = plan.total_before;
    for (const Located& l : oldest_first) {
      const bool over_size = options_.max_total_bytes > 0 && remaining > options_.max_total_bytes;
      const bool expired = Expired(*l.file, picture.now);
      if (!over_size && !expired) break;
      if (stop_at_busy && l.file->being_compacted) break;
      plan.dropped.push_back(l);
      plan.expired += expired ? 1 : 0;
      plan.dropped_bytes += l.file->size;
      remaining -= l.file->size;
    }
    return plan;
  }

  const FifoCompactionOptions options_;
  const bool valid_;
};

}  // namespace

std::shared_ptr<const CompactionPolicy> NewFifoCompaction(const FifoCompactionOptions& options) {
  return std::make_shared<FifoCompactionPolicy>(options);
}

}  // namespace kvlsm
