// Helpers for the compaction policy tests: tree shapes written as tables, and picks printed
// as short strings that golden cases compare against.
#ifndef KVLSM_TESTS_COMPACTION_COMPACTION_TEST_UTIL_H_
#define KVLSM_TESTS_COMPACTION_COMPACTION_TEST_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kvlsm/compaction_policy.h"

namespace kvlsm::test {

inline constexpr int kTestLevels = 7;
// The picture's clock; FileSpec::age is counted back from it.
inline constexpr uint64_t kNow = 1'000'000'000;

// One table of a golden tree shape. Every table has 100 entries.
struct FileSpec {
  uint64_t number;
  std::string smallest;
  std::string largest;
  uint64_t size;
  uint64_t deletions = 0;  // Of the 100 entries.
  uint64_t age = 0;        // Seconds before kNow.
  bool busy = false;       // being_compacted.
};

// A picture of kTestLevels levels (missing ones empty). Sequence numbers follow read order:
// deeper levels are older, and level 0 is newest first.
inline CompactionPicture MakePicture(const std::vector<std::vector<FileSpec>>& levels,
                                     std::vector<RunningCompaction> running = {}) {
  CompactionPicture picture;
  picture.now = kNow;
  picture.running = std::move(running);
  picture.levels.resize(kTestLevels);
  uint64_t seqno = 1;
  for (int l = kTestLevels - 1; l >= 0; --l) {
    if (l >= static_cast<int>(levels.size())) continue;
    std::vector<CompactionFile>& out = picture.levels[l];
    out.resize(levels[l].size());
    // Level 0 is newest first, so its last table gets the oldest sequence numbers.
    for (size_t k = 0; k < levels[l].size(); ++k) {
      const size_t i = (l == 0) ? levels[l].size() - 1 - k : k;
      const FileSpec& spec = levels[l][i];
      CompactionFile& f = out[i];
      f.number = spec.number;
      f.smallest = spec.smallest;
      f.largest = spec.largest;
      f.size = spec.size;
      f.num_entries = 100;
      f.num_deletions = spec.deletions;
      f.smallest_seqno = seqno;
      f.largest_seqno = seqno + 99;
      seqno += 100;
      f.creation_time = kNow - spec.age;
      f.being_compacted = spec.busy;
    }
  }
  return picture;
}

// "L0:4,3 L1:10 -> L1 gp:20,21 move", "drop L0:2,1", or "none". The target file size and
// grandparent limit are not printed; tests that care check them directly.
inline std::string DescribePick(const std::optional<CompactionPick>& pick) {
  if (!pick) return "none";
  std::vector<std::string> parts;
  if (pick->drop_only) parts.push_back("drop");
  for (const CompactionPick::Input& input : pick->inputs) {
    parts.push_back(absl::StrCat("L", input.level, ":", absl::StrJoin(input.files, ",")));
  }
  if (!pick->drop_only) parts.push_back(absl::StrCat("-> L", pick->output_level));
  if (!pick->grandparent_files.empty()) {
    parts.push_back(absl::StrCat("gp:", absl::StrJoin(pick->grandparent_files, ",")));
  }
  if (pick->allow_trivial_move) parts.push_back("move");
  return absl::StrJoin(parts, " ");
}

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_COMPACTION_COMPACTION_TEST_UTIL_H_
