// Helpers shared by the built-in compaction policies and CheckCompactionPick: key ranges of
// tables, overlap within a level, level-0 overlap groups, and pick assembly.
//
// Thread safety: stateless functions of their arguments.
#ifndef KVLSM_COMPACTION_POLICY_UTIL_H_
#define KVLSM_COMPACTION_POLICY_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kvlsm/compaction_policy.h"
#include "kvlsm/comparator.h"

namespace kvlsm::compaction {

using Level = std::vector<CompactionFile>;

// The user-key order of a picture (BytewiseComparator() when the picture names none).
class KeyOrder {
 public:
  explicit KeyOrder(const Comparator* comparator)
      : comparator_(comparator != nullptr ? comparator : BytewiseComparator()) {}

  int Compare(std::string_view a, std::string_view b) const { return comparator_->Compare(a, b); }
  // True when [a_lo, a_hi] and [b_lo, b_hi] (inclusive) share a key.
  bool RangesOverlap(std::string_view a_lo, std::string_view a_hi, std::string_view b_lo,
                     std::string_view b_hi) const {
    return Compare(a_lo, b_hi) <= 0 && Compare(b_lo, a_hi) <= 0;
  }
  bool FileOverlaps(const CompactionFile& f, std::string_view lo, std::string_view hi) const {
    return RangesOverlap(f.smallest, f.largest, lo, hi);
  }

 private:
  const Comparator* const comparator_;
};

// An inclusive user-key range; empty until the first Add.
struct KeyRange {
  bool empty = true;
  std::string smallest;
  std::string largest;

  void Add(const KeyOrder& order, std::string_view lo, std::string_view hi);
  void Add(const KeyOrder& order, const CompactionFile& f) { Add(order, f.smallest, f.largest); }
};

// Half-open index range [begin, end) into a level.
struct IndexRange {
  size_t begin = 0;
  size_t end = 0;
  bool empty() const { return begin == end; }
};

// The files of a sorted level (>= 1) overlapping [lo, hi], widened to a clean cut: no file
// outside shares a boundary user key with a file inside.
IndexRange OverlapInSortedLevel(const KeyOrder& order, const Level& level, std::string_view lo,
                                std::string_view hi);

// Widens `range` (non-empty) of a sorted level to a clean cut.
IndexRange ExpandToCleanCut(const KeyOrder& order, const Level& level, IndexRange range);

// Level-0 overlap groups: the classes of "overlaps, directly or through other level-0 files".
// Each group lists indexes ascending (newest first); groups are ordered oldest first (by
// their oldest member). Moving a whole group down leaves no older version of its keys above.
std::vector<std::vector<size_t>> Level0OverlapGroups(const KeyOrder& order, const Level& level0);

uint64_t TotalBytes(const Level& level);
uint64_t BytesIn(const Level& level, IndexRange range);
bool AnyBeingCompacted(const Level& level, IndexRange range);

// num_deletions / num_entries; 0 for an empty table.
double TombstoneRatio(const CompactionFile& f);
// Orders a before b when a's tombstone ratio is higher (exact, without rounding).
bool HigherTombstoneRatio(const CompactionFile& a, const CompactionFile& b);

// True when a running compaction into level 1 or deeper overlaps [lo, hi] while its levels
// [start_level, output_level] intersect [start_level, output_level] of the candidate.
bool ConflictsWithRunning(const KeyOrder& order, const CompactionPicture& picture, int start_level,
                          int output_level, std::string_view lo, std::string_view hi);

// Appends an input entry for `level` (skipped when `indexes` is empty).
void AddInput(CompactionPick* pick, int level, const Level& files,
              const std::vector<size_t>& indexes);
void AddInput(CompactionPick* pick, int level, const Level& files, IndexRange range);

// Bytes in a human-readable unit, for reasons ("1.5 MiB").
std::string HumanBytes(uint64_t bytes);

}  // namespace kvlsm::compaction

#endif  // KVLSM_COMPACTION_POLICY_UTIL_H_
