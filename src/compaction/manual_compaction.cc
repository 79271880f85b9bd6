#include "compaction/manual_compaction.h"

#include <algorithm>
#include <vector>

#include "compaction/policy_util.h"

namespace kvlsm {

using compaction::IndexRange;
using compaction::KeyOrder;
using compaction::KeyRange;
using compaction::Level;

namespace {

int NextLevelWithFiles(const CompactionPicture& picture, int level) {
  for (int l = level + 1; l < static_cast<int>(picture.levels.size()); ++l) {
    if (!picture.levels[l].empty()) return l;
  }
  return -1;
}

std::vector<size_t> Indexes(IndexRange range) {
  std::vector<size_t> out;
  for (size_t i = range.begin; i < range.end; ++i) out.push_back(i);
  return out;
}

}  // namespace

std::optional<CompactionPick> PickManualCompactionStep(const CompactionPicture& picture,
                                                       const ManualCompactionRange& range,
                                                       int level, bool bottom_rewritten,
                                                       uint64_t target_file_size) {
  const KeyOrder order(picture.comparator);
  const Level& files = picture.levels[level];
  const int next = NextLevelWithFiles(picture, level);
  if (files.empty() || (next < 0 && bottom_rewritten)) return std::nullopt;
  const int output = next < 0 ? level : next;

  KeyRange keys;
  std::vector<size_t> inputs;
  for (size_t i = 0; i < files.size(); ++i) {
    const CompactionFile& f = files[i];
    if ((range.begin && order.Compare(f.largest, *range.begin) < 0) ||
        (range.end && order.Compare(f.smallest, *range.end) > 0)) {
      continue;
    }
    inputs.push_back(i);
    keys.Add(order, f);
  }
  if (inputs.empty()) return std::nullopt;

  // Widen both levels until they stop growing: what one level adds to the key range may
  // overlap more of the other.
  std::vector<size_t> outputs;
  for (size_t before = 0; before != inputs.size() + outputs.size();) {
    before = inputs.size() + outputs.size();
    if (level == 0 && output == 0) {
      // A level-0 merge takes a contiguous run of the newest-first list.
      const auto [lo, hi] = std::minmax_element(inputs.begin(), inputs.end());
      inputs = Indexes(IndexRange{*lo, *hi + 1});
    } else if (level == 0) {
      inputs.clear();
      for (size_t i = 0; i < files.size(); ++i) {
        if (order.FileOverlaps(files[i], keys.smallest, keys.largest)) inputs.push_back(i);
      }
    } else {
      inputs = Indexes(compaction::OverlapInSortedLevel(order, files, keys.smallest, keys.largest));
    }
    for (size_t i : inputs) keys.Add(order, files[i]);
    if (output != level) {
      const Level& out_files = picture.levels[output];
      outputs = Indexes(
          compaction::OverlapInSortedLevel(order, out_files, keys.smallest, keys.largest));
      for (size_t i : outputs) keys.Add(order, out_files[i]);
    }
  }

  CompactionPick pick;
  compaction::AddInput(&pick, level, files, inputs);
  if (output != level) compaction::AddInput(&pick, output, picture.levels[output], outputs);
  pick.output_level = output;
  pick.target_file_size = target_file_size;
  if (output >= 1 && output + 1 < static_cast<int>(picture.levels.size())) {
    const Level& gp = picture.levels[output + 1];
    for (size_t i : Indexes(compaction::OverlapInSortedLevel(order, gp, keys.smallest,
                                                             keys.largest))) {
      pick.grandparent_files.push_back(gp[i].number);
    }
  }
  pick.reason = "manual compaction (DB::CompactRange)";
  return pick;
}

}  // namespace kvlsm
