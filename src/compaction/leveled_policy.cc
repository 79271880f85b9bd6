#include "compaction/leveled_policy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "compaction/policy_util.h"

namespace kvlsm {

absl::Status LeveledCompactionOptions::Validate() const {
  if (level0_file_trigger < 1 || level0_file_trigger > 1000) {
    return absl::InvalidArgumentError(
        absl::StrFormat("LeveledCompactionOptions::level0_file_trigger = %d is outside [1, 1000]",
                        level0_file_trigger));
  }
  if (!(level_size_multiplier > 1 && level_size_multiplier <= 1000)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("LeveledCompactionOptions::level_size_multiplier = %g is outside (1, 1000]",
                        level_size_multiplier));
  }
  if (base_level_bytes == 0) {
    return absl::InvalidArgumentError("LeveledCompactionOptions::base_level_bytes must be > 0");
  }
  if (target_file_size == 0) {
    return absl::InvalidArgumentError("LeveledCompactionOptions::target_file_size must be > 0");
  }
  if (!(tombstone_ratio_trigger > 0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("LeveledCompactionOptions::tombstone_ratio_trigger = %g must be > 0",
                        tombstone_ratio_trigger));
  }
  return absl::OkStatus();
}

std::shared_ptr<const CompactionPolicy> NewLeveledCompaction(
    const LeveledCompactionOptions& options) {
  return std::make_shared<compaction::LeveledCompactionPolicy>(options);
}

namespace compaction {

namespace {

uint64_t ClampToU64(double bytes) {
  if (!(bytes < 18446744073709551615.0)) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(bytes);
}

uint64_t BytesNotBeingCompacted(const Level& level) {
  uint64_t total = 0;
  for (const CompactionFile& f : level) {
    if (!f.being_compacted) total += f.size;
  }
  return total;
}

// Everything a pick under construction needs.
struct PickContext {
  const CompactionPicture& picture;
  const LeveledCompactionOptions& options;
  const KeyOrder order;
  const LevelTargets targets;
};

bool OldEnough(const CompactionFile& f, uint64_t now, uint64_t min_age) {
  return now >= f.creation_time && now - f.creation_time >= min_age;
}

// Fills in what every leveled pick carries once its inputs are known.
CompactionPick Finish(const PickContext& ctx, CompactionPick pick, const KeyRange& range,
                      bool rewrite_wanted) {
  pick.target_file_size = ctx.options.target_file_size;
  pick.max_grandparent_overlap_bytes = ctx.options.max_grandparent_overlap_bytes;
  const int grandparent = pick.output_level + 1;
  uint64_t grandparent_bytes = 0;
  if (grandparent < static_cast<int>(ctx.picture.levels.size())) {
    for (const CompactionFile& f : ctx.picture.levels[grandparent]) {
      if (ctx.order.FileOverlaps(f, range.smallest, range.largest)) {
        pick.grandparent_files.push_back(f.number);
        grandparent_bytes += f.size;
      }
    }
  }
  const bool one_file = pick.inputs.size() == 1 && pick.inputs[0].files.size() == 1;
  pick.allow_trivial_move = !rewrite_wanted && one_file &&
                            pick.inputs[0].level < pick.output_level &&
                            (ctx.options.max_grandparent_overlap_bytes == 0 ||
                             grandparent_bytes <= ctx.options.max_grandparent_overlap_bytes);
  return pick;
}

// Moves one level-0 overlap group (all of level 0 that a key range touches) into the base
// level: the oldest group that is free, or, when `must_contain` is set, the group holding
// that file.
std::optional<CompactionPick> PickLevel0(const PickContext& ctx, std::optional<size_t> must_contain,
                                         bool rewrite_wanted, const std::string& reason) {
  const Level& level0 = ctx.picture.levels[0];
  const int base = ctx.targets.base_level;
  const Level& base_files = ctx.picture.levels[base];
  for (const std::vector<size_t>& group : Level0OverlapGroups(ctx.order, level0)) {
    if (must_contain && !std::binary_search(group.begin(), group.end(), *must_contain)) continue;
    KeyRange range;
    bool busy = false;
    for (size_t i : group) {
      busy = busy || level0[i].being_compacted;
      range.Add(ctx.order, level0[i]);
    }
    if (busy) continue;
    const IndexRange out =
        OverlapInSortedLevel(ctx.order, base_files, range.smallest, range.largest);
    if (AnyBeingCompacted(base_files, out)) continue;
    for (size_t i = out.begin; i < out.end; ++i) range.Add(ctx.order, base_files[i]);
    if (ConflictsWithRunning(ctx.order, ctx.picture, 0, base, range.smallest, range.largest)) {
      continue;
    }
    CompactionPick pick;
    AddInput(&pick, 0, level0, group);
    AddInput(&pick, base, base_files, out);
    pick.output_level = base;
    pick.reason = reason;
    return Finish(ctx, std::move(pick), range, rewrite_wanted);
  }
  return std::nullopt;
}

// The pick that compacts the clean-cut block around `block` of `level` into `output`
// (== level at the last level: a rewrite in place), or nothing when a table involved is
// being compacted or a running compaction collides.
std::optional<CompactionPick> PickBlock(const PickContext& ctx, int level, IndexRange block,
                                        int output, bool rewrite_wanted,
                                        const std::string& reason) {
  const Level& files = ctx.picture.levels[level];
  block = ExpandToCleanCut(ctx.order, files, block);
  if (AnyBeingCompacted(files, block)) return std::nullopt;
  KeyRange range;
  for (size_t i = block.begin; i < block.end; ++i) range.Add(ctx.order, files[i]);
  CompactionPick pick;
  AddInput(&pick, level, files, block);
  if (output != level) {
    const Level& out_files = ctx.picture.levels[output];
    const IndexRange out =
        OverlapInSortedLevel(ctx.order, out_files, range.smallest, range.largest);
    if (AnyBeingCompacted(out_files, out)) return std::nullopt;
    for (size_t i = out.begin; i < out.end; ++i) range.Add(ctx.order, out_files[i]);
    AddInput(&pick, output, out_files, out);
  }
  if (ConflictsWithRunning(ctx.order, ctx.picture, level, output, range.smallest, range.largest)) {
    return std::nullopt;
  }
  pick.output_level = output;
  pick.reason = reason;
  return Finish(ctx, std::move(pick), range, rewrite_wanted);
}

// A due level >= 1: tables with tombstone ratio >= the trigger first (highest ratio first),
// then the table whose clean-cut block overlaps the fewest next-level bytes per byte of its
// own, then key order.
std::optional<CompactionPick> PickFromSortedLevel(const PickContext& ctx, int level, double score) {
  const Level& files = ctx.picture.levels[level];
  const Level& next = ctx.picture.levels[level + 1];
  struct Candidate {
    size_t index;
    bool tombstones;
    uint64_t own_bytes;
    uint64_t overlap_bytes;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].being_compacted) continue;
    const IndexRange block = ExpandToCleanCut(ctx.order, files, {i, i + 1});
    const uint64_t own = std::max<uint64_t>(BytesIn(files, block), 1);
    const IndexRange out = OverlapInSortedLevel(ctx.order, next, files[block.begin].smallest,
                                                files[block.end - 1].largest);
    candidates.push_back({i, TombstoneRatio(files[i]) >= ctx.options.tombstone_ratio_trigger, own,
                          BytesIn(next, out)});
  }
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.tombstones != b.tombstones) return a.tombstones;
    if (a.tombstones) {
      if (HigherTombstoneRatio(files[a.index], files[b.index])) return true;
      if (HigherTombstoneRatio(files[b.index], files[a.index])) return false;
    }
    // a.overlap / a.own < b.overlap / b.own, exactly.
    const unsigned __int128 lhs = static_cast<unsigned __int128>(a.overlap_bytes) * b.own_bytes;
    const unsigned __int128 rhs = static_cast<unsigned __int128>(b.overlap_bytes) * a.own_bytes;
    if (lhs != rhs) return lhs < rhs;
    return a.index < b.index;
  });
  const uint64_t level_bytes = TotalBytes(files);
  for (const Candidate& c : candidates) {
    std::string reason =
        absl::StrFormat("L%d score %.2f: %s, target %s", level, score, HumanBytes(level_bytes),
                        HumanBytes(ctx.targets.bytes[level]));
    if (c.tombstones) {
      absl::StrAppendFormat(&reason, "; file %d is %.0f%% tombstones", files[c.index].number,
                            100 * TombstoneRatio(files[c.index]));
    }
    auto pick = PickBlock(ctx, level, {c.index, c.index + 1}, level + 1,
                          /*rewrite_wanted=*/c.tombstones, reason);
    if (pick) return pick;
  }
  return std::nullopt;
}

// No level is due: rewrite a table that is mostly tombstones and old enough, pushing it one
// level down (into the base level from level 0), or in place at the last level where the
// job can drop them.
std::optional<CompactionPick> PickTombstoneCleanup(const PickContext& ctx) {
  const int last = static_cast<int>(ctx.picture.levels.size()) - 1;
  struct Candidate {
    int level;
    size_t index;
  };
  std::vector<Candidate> candidates;
  for (int l = 0; l <= last; ++l) {
    const Level& files = ctx.picture.levels[l];
    for (size_t i = 0; i < files.size(); ++i) {
      const CompactionFile& f = files[i];
      if (!f.being_compacted && f.num_entries > 0 &&
          TombstoneRatio(f) >= ctx.options.tombstone_ratio_trigger &&
          OldEnough(f, ctx.picture.now, ctx.options.tombstone_min_age_seconds)) {
        candidates.push_back({l, i});
      }
    }
  }
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    const CompactionFile& fa = ctx.picture.levels[a.level][a.index];
    const CompactionFile& fb = ctx.picture.levels[b.level][b.index];
    if (HigherTombstoneRatio(fa, fb)) return true;
    if (HigherTombstoneRatio(fb, fa)) return false;
    return std::pair(a.level, a.index) < std::pair(b.level, b.index);
  });
  for (const Candidate& c : candidates) {
    const CompactionFile& f = ctx.picture.levels[c.level][c.index];
    const std::string reason =
        absl::StrFormat("tombstones: file %d of L%d is %.0f%% deletions, %d s old", f.number,
                        c.level, 100 * TombstoneRatio(f), ctx.picture.now - f.creation_time);
    std::optional<CompactionPick> pick;
    if (c.level == 0) {
      pick = PickLevel0(ctx, c.index, /*rewrite_wanted=*/true, reason);
    } else {
      const int output = c.level < last ? c.level + 1 : last;
      pick =
          PickBlock(ctx, c.level, {c.index, c.index + 1}, output, /*rewrite_wanted=*/true, reason);
    }
    if (pick) return pick;
  }
  return std::nullopt;
}

}  // namespace

LevelTargets ComputeLevelTargets(const CompactionPicture& picture,
                                 const LeveledCompactionOptions& options) {
  const int num_levels = static_cast<int>(picture.levels.size());
  const int last = num_levels - 1;
  const double m = options.level_size_multiplier;
  const double base_bytes = static_cast<double>(options.base_level_bytes);
  LevelTargets targets;
  targets.bytes.assign(num_levels, 0);
  if (!options.dynamic_level_bytes) {
    targets.base_level = 1;
    double t = base_bytes;
    for (int l = 1; l <= last; ++l, t *= m) targets.bytes[l] = ClampToU64(t);
    return targets;
  }
  uint64_t bottom = 0;
  int first_non_empty = -1;
  for (int l = 1; l <= last; ++l) {
    bottom = std::max(bottom, TotalBytes(picture.levels[l]));
    if (first_non_empty < 0 && !picture.levels[l].empty()) first_non_empty = l;
  }
  targets.base_level = last;
  if (first_non_empty < 0) {
    targets.bytes[last] = options.base_level_bytes;
    return targets;
  }
  targets.bytes[last] = bottom;
  double t = static_cast<double>(bottom);
  for (int l = last - 1; l >= 1; --l) {
    t /= m;
    if (t < base_bytes / m) break;
    targets.bytes[l] = ClampToU64(t);
    targets.base_level = l;
  }
  while (targets.base_level > first_non_empty) {
    const int l = --targets.base_level;
    targets.bytes[l] =
        ClampToU64(std::max(static_cast<double>(targets.bytes[l + 1]) / m, base_bytes / m));
  }
  return targets;
}

LeveledCompactionPolicy::LeveledCompactionPolicy(const LeveledCompactionOptions& options)
    : options_(options), valid_(options.Validate().ok()) {}

std::vector<double> LeveledCompactionPolicy::LevelScores(const CompactionPicture& picture) const {
  const int num_levels = static_cast<int>(picture.levels.size());
  if (!valid_ || num_levels < 2) return {};
  const LevelTargets targets = ComputeLevelTargets(picture, options_);
  std::vector<double> scores(num_levels, 0);
  int level0_files = 0;
  for (const CompactionFile& f : picture.levels[0]) level0_files += f.being_compacted ? 0 : 1;
  scores[0] = static_cast<double>(level0_files) / options_.level0_file_trigger;
  for (int l = 1; l < num_levels - 1; ++l) {
    if (targets.bytes[l] == 0) continue;
    scores[l] = static_cast<double>(BytesNotBeingCompacted(picture.levels[l])) /
                static_cast<double>(targets.bytes[l]);
  }
  return scores;
}

std::optional<CompactionPick> LeveledCompactionPolicy::Pick(
    const CompactionPicture& picture) const {
  const int num_levels = static_cast<int>(picture.levels.size());
  if (!valid_ || num_levels < 2) return std::nullopt;
  const PickContext ctx{picture, options_, KeyOrder(picture.comparator),
                        ComputeLevelTargets(picture, options_)};
  const std::vector<double> scores = LevelScores(picture);
  std::vector<int> due;
  for (int l = 0; l < num_levels - 1; ++l) {
    if (scores[l] >= 1) due.push_back(l);
  }
  std::stable_sort(due.begin(), due.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  for (int level : due) {
    std::optional<CompactionPick> pick;
    if (level == 0) {
      const std::string reason =
          absl::StrFormat("L0 score %.2f: %d files, trigger %d", scores[0],
                          picture.levels[0].size(), options_.level0_file_trigger);
      pick = PickLevel0(ctx, std::nullopt, /*rewrite_wanted=*/false, reason);
    } else {
      pick = PickFromSortedLevel(ctx, level, scores[level]);
    }
    if (pick) return pick;
  }
  if (options_.tombstone_ratio_trigger > 1) return std::nullopt;
  return PickTombstoneCleanup(ctx);
}

uint64_t LeveledCompactionPolicy::EstimatePendingBytes(const CompactionPicture& picture) const {
  const int num_levels = static_cast<int>(picture.levels.size());
  if (!valid_ || num_levels < 2) return 0;
  const LevelTargets targets = ComputeLevelTargets(picture, options_);
  double pending = 0;
  uint64_t carried = 0;  // Bytes the level above pushes into the current one.
  const bool level0_due =
      static_cast<int>(picture.levels[0].size()) >= options_.level0_file_trigger;
  if (level0_due) {
    carried = TotalBytes(picture.levels[0]);
    pending += static_cast<double>(carried);
  }
  for (int l = targets.base_level; l < num_levels - 1; ++l) {
    uint64_t level_bytes = TotalBytes(picture.levels[l]);
    if (l == targets.base_level && level0_due) pending += static_cast<double>(level_bytes);
    level_bytes += carried;
    carried = 0;
    if (level_bytes > targets.bytes[l]) {
      carried = level_bytes - targets.bytes[l];
      const uint64_t next_bytes = TotalBytes(picture.levels[l + 1]);
      if (next_bytes > 0) {
        pending += static_cast<double>(carried) *
                   (static_cast<double>(next_bytes) / static_cast<double>(level_bytes) + 1);
      }
    }
  }
  return ClampToU64(pending);
}

}  // namespace compaction
}  // namespace kvlsm
