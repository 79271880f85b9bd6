// CheckCompactionPick: the rules every pick must follow (kvlsm/compaction_policy.h), checked
// against the picture the pick was made from. The DB runs it on every pick, so that a
// policy's mistake is a refused compaction rather than a tree that returns wrong values.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "compaction/policy_util.h"
#include "kvlsm/compaction_policy.h"

namespace kvlsm {

namespace {

using compaction::KeyOrder;
using compaction::KeyRange;
using compaction::Level;

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError("compaction pick: " + message);
}

// Which tables of each level the pick names.
struct Chosen {
  std::vector<std::vector<bool>> in_level;  // [level][index]
  KeyRange range;                           // Of every input.

  bool Has(int level, size_t index) const { return in_level[level][index]; }
};

absl::Status LocateInputs(const CompactionPicture& picture, const KeyOrder& order,
                          const CompactionPick& pick, Chosen* chosen) {
  const int num_levels = static_cast<int>(picture.levels.size());
  chosen->in_level.resize(num_levels);
  for (int l = 0; l < num_levels; ++l) chosen->in_level[l].assign(picture.levels[l].size(), false);
  if (pick.inputs.empty()) return Invalid("no inputs");
  int previous_level = -1;
  for (const CompactionPick::Input& input : pick.inputs) {
    if (input.level < 0 || input.level >= num_levels) {
      return Invalid(absl::StrFormat("input level %d is outside [0, %d)", input.level, num_levels));
    }
    if (input.level <= previous_level) {
      return Invalid(
          absl::StrFormat("input level %d does not follow level %d (levels must be "
                          "distinct and ascending)",
                          input.level, previous_level));
    }
    previous_level = input.level;
    if (input.files.empty()) {
      return Invalid(absl::StrFormat("the input of level %d lists no files", input.level));
    }
    const Level& level = picture.levels[input.level];
    absl::flat_hash_map<uint64_t, size_t> index_of;
    for (size_t i = 0; i < level.size(); ++i) index_of[level[i].number] = i;
    for (uint64_t number : input.files) {
      auto it = index_of.find(number);
      if (it == index_of.end()) {
        return Invalid(absl::StrFormat("file %d is not in level %d", number, input.level));
      }
      if (chosen->in_level[input.level][it->second]) {
        return Invalid(absl::StrFormat("file %d is listed twice", number));
      }
      if (level[it->second].being_compacted) {
        return Invalid(
            absl::StrFormat("file %d of level %d is being compacted", number, input.level));
      }
      chosen->in_level[input.level][it->second] = true;
      chosen->range.Add(order, level[it->second]);
    }
  }
  return absl::OkStatus();
}

// Every table older than a dropped one (later in level 0, or in a deeper level) and
// overlapping it must be dropped too.
absl::Status CheckDrop(const CompactionPicture& picture, const KeyOrder& order,
                       const CompactionPick& pick, const Chosen& chosen) {
  if (pick.output_level != -1) {
    return Invalid(
        absl::StrFormat("drop_only with output_level %d (must be -1)", pick.output_level));
  }
  const int num_levels = static_cast<int>(picture.levels.size());
  for (int l = 0; l < num_levels; ++l) {
    const Level& level = picture.levels[l];
    for (size_t i = 0; i < level.size(); ++i) {
      if (!chosen.Has(l, i)) continue;
      const CompactionFile& dropped = level[i];
      for (int m = l; m < num_levels; ++m) {
        const size_t first = (m == l) ? (l == 0 ? i + 1 : level.size()) : 0;
        const Level& older = picture.levels[m];
        for (size_t j = first; j < older.size(); ++j) {
          if (!chosen.Has(m, j) &&
              order.FileOverlaps(older[j], dropped.smallest, dropped.largest)) {
            return Invalid(absl::StrFormat(
                "drops file %d but keeps the older, overlapping file %d of level %d",
                dropped.number, older[j].number, m));
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckLevel0Merge(const CompactionPicture& picture, const Chosen& chosen) {
  const Level& level0 = picture.levels[0];
  size_t first = level0.size(), last = 0;
  for (size_t i = 0; i < level0.size(); ++i) {
    if (!chosen.Has(0, i)) continue;
    first = std::min(first, i);
    last = i;
  }
  for (size_t i = first; i <= last; ++i) {
    if (!chosen.Has(0, i)) {
      return Invalid(absl::StrFormat(
          "level-0 merge skips file %d between its inputs (runs must be adjacent in age)",
          level0[i].number));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckMerge(const CompactionPicture& picture, const KeyOrder& order,
                        const CompactionPick& pick, const Chosen& chosen) {
  const int num_levels = static_cast<int>(picture.levels.size());
  const int out = pick.output_level;
  if (out < 0 || out >= num_levels) {
    return Invalid(absl::StrFormat("output level %d is outside [0, %d)", out, num_levels));
  }
  const int start = pick.inputs.front().level;
  if (pick.inputs.size() > 2) return Invalid("inputs span more than two levels");
  if (pick.inputs.size() == 2 && pick.inputs[1].level != out) {
    return Invalid(absl::StrFormat("second input level %d is not the output level %d",
                                   pick.inputs[1].level, out));
  }
  if (start > out) {
    return Invalid(absl::StrFormat("input level %d is below the output level %d", start, out));
  }
  if (out == 0) return CheckLevel0Merge(picture, chosen);

  const std::string& lo = chosen.range.smallest;
  const std::string& hi = chosen.range.largest;
  if (start == 0) {
    const Level& level0 = picture.levels[0];
    for (size_t i = 0; i < level0.size(); ++i) {
      if (!chosen.Has(0, i)) continue;
      for (size_t j = i + 1; j < level0.size(); ++j) {
        if (!chosen.Has(0, j) &&
            order.FileOverlaps(level0[j], level0[i].smallest, level0[i].largest)) {
          return Invalid(absl::StrFormat(
              "level-0 file %d is older than input %d and overlaps it but is not an input",
              level0[j].number, level0[i].number));
        }
      }
    }
  } else if (start < out) {
    const Level& level = picture.levels[start];
    for (size_t i = 0; i < level.size(); ++i) {
      if (!chosen.Has(start, i)) continue;
      const bool left_shares = i > 0 && !chosen.Has(start, i - 1) &&
                               order.Compare(level[i - 1].largest, level[i].smallest) == 0;
      const bool right_shares = i + 1 < level.size() && !chosen.Has(start, i + 1) &&
                                order.Compare(level[i].largest, level[i + 1].smallest) == 0;
      if (left_shares || right_shares) {
        return Invalid(absl::StrFormat(
            "input %d of level %d shares a boundary key with file %d, which is not an input "
            "(not a clean cut)",
            level[i].number, start, level[left_shares ? i - 1 : i + 1].number));
      }
    }
  }
  for (int l = start + 1; l < out; ++l) {
    for (const CompactionFile& f : picture.levels[l]) {
      if (order.FileOverlaps(f, lo, hi)) {
        return Invalid(absl::StrFormat(
            "file %d of level %d, between input level %d and output level %d, overlaps the "
            "pick's key range",
            f.number, l, start, out));
      }
    }
  }
  const Level& output = picture.levels[out];
  for (size_t i = 0; i < output.size(); ++i) {
    if (!chosen.Has(out, i) && order.FileOverlaps(output[i], lo, hi)) {
      return Invalid(absl::StrFormat(
          "file %d of output level %d overlaps the pick's key range but is not an input",
          output[i].number, out));
    }
  }
  if (compaction::ConflictsWithRunning(order, picture, start, out, lo, hi)) {
    return Invalid(absl::StrFormat(
        "a running compaction works on levels intersecting [%d, %d] in an overlapping key range",
        start, out));
  }
  return absl::OkStatus();
}

absl::Status CheckGrandparents(const CompactionPicture& picture, const CompactionPick& pick) {
  if (pick.grandparent_files.empty()) return absl::OkStatus();
  if (pick.drop_only) return Invalid("grandparent_files given for a drop");
  const int level = pick.output_level + 1;
  if (level >= static_cast<int>(picture.levels.size())) {
    return Invalid(absl::StrFormat("grandparent_files given but level %d does not exist", level));
  }
  for (uint64_t number : pick.grandparent_files) {
    bool found = false;
    for (const CompactionFile& f : picture.levels[level]) found = found || f.number == number;
    if (!found) {
      return Invalid(absl::StrFormat("grandparent file %d is not in level %d", number, level));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckCompactionPick(const CompactionPicture& picture, const CompactionPick& pick) {
  const KeyOrder order(picture.comparator);
  Chosen chosen;
  absl::Status s = LocateInputs(picture, order, pick, &chosen);
  if (!s.ok()) return s;
  s = pick.drop_only ? CheckDrop(picture, order, pick, chosen)
                     : CheckMerge(picture, order, pick, chosen);
  if (!s.ok()) return s;
  return CheckGrandparents(picture, pick);
}

}  // namespace kvlsm
