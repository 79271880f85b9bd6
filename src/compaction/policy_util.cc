#include "compaction/policy_util.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_format.h"

namespace kvlsm::compaction {

void KeyRange::Add(const KeyOrder& order, std::string_view lo, std::string_view hi) {
  if (empty) {
    smallest.assign(lo.data(), lo.size());
    largest.assign(hi.data(), hi.size());
    empty = false;
    return;
  }
  if (order.Compare(lo, smallest) < 0) smallest.assign(lo.data(), lo.size());
  if (order.Compare(hi, largest) > 0) largest.assign(hi.data(), hi.size());
}

IndexRange ExpandToCleanCut(const KeyOrder& order, const Level& level, IndexRange range) {
  while (range.begin > 0 &&
         order.Compare(level[range.begin - 1].largest, level[range.begin].smallest) == 0) {
    --range.begin;
  }
  while (range.end < level.size() &&
         order.Compare(level[range.end - 1].largest, level[range.end].smallest) == 0) {
    ++range.end;
  }
  return range;
}

IndexRange OverlapInSortedLevel(const KeyOrder& order, const Level& level, std::string_view lo,
                                std::string_view hi) {
  // First file whose largest key is >= lo; files are sorted, so largest keys ascend.
  auto first = std::partition_point(level.begin(), level.end(), [&](const CompactionFile& f) {
    return order.Compare(f.largest, lo) < 0;
  });
  IndexRange range;
  range.begin = static_cast<size_t>(first - level.begin());
  range.end = range.begin;
  while (range.end < level.size() && order.Compare(level[range.end].smallest, hi) <= 0) {
    ++range.end;
  }
  if (range.empty()) return range;
  return ExpandToCleanCut(order, level, range);
}

std::vector<std::vector<size_t>> Level0OverlapGroups(const KeyOrder& order, const Level& level0) {
  // Sweep the files by smallest key; a file starting at or before the group's largest key
  // so far joins the group.
  std::vector<size_t> by_start(level0.size());
  std::iota(by_start.begin(), by_start.end(), size_t{0});
  std::stable_sort(by_start.begin(), by_start.end(), [&](size_t a, size_t b) {
    return order.Compare(level0[a].smallest, level0[b].smallest) < 0;
  });
  std::vector<std::vector<size_t>> groups;
  std::string_view group_largest;
  for (size_t i : by_start) {
    if (groups.empty() || order.Compare(level0[i].smallest, group_largest) > 0) {
      groups.emplace_back();
      group_largest = level0[i].largest;
    } else if (order.Compare(level0[i].largest, group_largest) > 0) {
      group_largest = level0[i].largest;
    }
    groups.back().push_back(i);
  }
  for (auto& g : groups) std::sort(g.begin(), g.end());
  // Oldest first: the group holding the highest index (the oldest file) comes first.
  std::sort(groups.begin(), groups.end(),
            [](const std::vector<size_t>& a, const std::vector<size_t>& b) {
              return a.back() > b.back();
            });
  return groups;
}

uint64_t TotalBytes(const Level& level) {
  uint64_t total = 0;
  for (const CompactionFile& f : level) total += f.size;
  return total;
}

uint64_t BytesIn(const Level& level, IndexRange range) {
  uint64_t total = 0;
  for (size_t i = range.begin; i < range.end; ++i) total += level[i].size;
  return total;
}

bool AnyBeingCompacted(const Level& level, IndexRange range) {
  for (size_t i = range.begin; i < range.end; ++i) {
    if (level[i].being_compacted) return true;
  }
  return false;
}

double TombstoneRatio(const CompactionFile& f) {
  if (f.num_entries == 0) return 0;
  return static_cast<double>(f.num_deletions) / static_cast<double>(f.num_entries);
}

bool HigherTombstoneRatio(const CompactionFile& a, const CompactionFile& b) {
  // a.del / a.n > b.del / b.n, cross-multiplied; an empty table has ratio 0.
  const unsigned __int128 a_del = a.num_entries == 0 ? 0 : a.num_deletions;
  const unsigned __int128 b_del = b.num_entries == 0 ? 0 : b.num_deletions;
  const unsigned __int128 a_n = a.num_entries == 0 ? 1 : a.num_entries;
  const unsigned __int128 b_n = b.num_entries == 0 ? 1 : b.num_entries;
  return a_del * b_n > b_del * a_n;
}

bool ConflictsWithRunning(const KeyOrder& order, const CompactionPicture& picture, int start_level,
                          int output_level, std::string_view lo, std::string_view hi) {
  for (const RunningCompaction& r : picture.running) {
    if (r.output_level < 1) continue;  // Drops and level-0 merges never collide (see header).
    const bool levels_intersect = r.start_level <= output_level && start_level <= r.output_level;
    if (levels_intersect && order.RangesOverlap(r.smallest, r.largest, lo, hi)) return true;
  }
  return false;
}

void AddInput(CompactionPick* pick, int level, const Level& files,
              const std::vector<size_t>& indexes) {
  if (indexes.empty()) return;
  CompactionPick::Input input;
  input.level = level;
  input.files.reserve(indexes.size());
  for (size_t i : indexes) input.files.push_back(files[i].number);
  pick->inputs.push_back(std::move(input));
}

void AddInput(CompactionPick* pick, int level, const Level& files, IndexRange range) {
  std::vector<size_t> indexes(range.end - range.begin);
  std::iota(indexes.begin(), indexes.end(), range.begin);
  AddInput(pick, level, files, indexes);
}

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 6) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0) return absl::StrFormat("%d B", bytes);
  return absl::StrFormat("%.1f %s", value, kUnits[unit]);
}

}  // namespace kvlsm::compaction
