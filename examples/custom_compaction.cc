// custom_compaction: writing your own CompactionPolicy.
//
// TwoLevelPolicy (custom_compaction_policy.h) merges all of level 0 into level 1 once level 0
// holds two tables. This program shows what it, and the built-in policies, would pick on a
// small hand-made tree, and checks each pick against the rules every pick must follow
// (CheckCompactionPick, which the DB also applies). Plug a policy into a DB with
// Options::compaction_policy.
//
//   custom_compaction
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "custom_compaction_policy.h"
#include "kvlsm/compaction_policy.h"

namespace {

kvlsm::CompactionFile Table(uint64_t number, std::string smallest, std::string largest,
                            uint64_t size, uint64_t age_seconds, uint64_t now) {
  kvlsm::CompactionFile f;
  f.number = number;
  f.smallest = std::move(smallest);
  f.largest = std::move(largest);
  f.size = size;
  f.num_entries = size / 100;
  f.creation_time = now - age_seconds;
  return f;
}

void Show(const kvlsm::CompactionPolicy& policy, const kvlsm::CompactionPicture& picture) {
  std::printf("%s:\n", policy.Name());
  const std::optional<kvlsm::CompactionPick> pick = policy.Pick(picture);
  if (!pick) {
    std::printf("  nothing to do\n");
    return;
  }
  for (const kvlsm::CompactionPick::Input& input : pick->inputs) {
    std::printf("  level %d:", input.level);
    for (uint64_t number : input.files) std::printf(" %llu", (unsigned long long)number);
    std::printf("\n");
  }
  if (pick->drop_only) {
    std::printf("  -> delete them\n");
  } else {
    std::printf("  -> level %d\n", pick->output_level);
  }
  const absl::Status valid = kvlsm::CheckCompactionPick(picture, *pick);
  std::printf("  why: %s\n  valid: %s\n", pick->reason.c_str(), valid.ToString().c_str());
}

}  // namespace

int main() {
  // Level 0 (newest first): three flushes over the whole key space. Level 1: four tables,
  // two of which share the boundary key "m" (older versions of "m" continue in table 12).
  const uint64_t now = 1700000000;
  kvlsm::CompactionPicture picture;
  picture.now = now;
  picture.levels.resize(7);
  picture.levels[0] = {Table(9, "apple", "kiwi", 4 << 20, 60, now),
                       Table(8, "banana", "lemon", 4 << 20, 600, now),
                       Table(7, "cherry", "mango", 4 << 20, 6000, now)};
  picture.levels[1] = {
      Table(10, "a", "b", 30 << 20, 86400, now), Table(11, "c", "m", 30 << 20, 86400, now),
      Table(12, "m", "p", 30 << 20, 86400, now), Table(13, "q", "z", 30 << 20, 86400, now)};

  example::TwoLevelPolicy two_level(/*trigger=*/2);
  if (!two_level.Validate().ok()) return 1;
  Show(two_level, picture);

  kvlsm::LeveledCompactionOptions leveled;
  leveled.level0_file_trigger = 3;
  leveled.dynamic_level_bytes = false;  // Level 1's target is then base_level_bytes.
  Show(*kvlsm::NewLeveledCompaction(leveled), picture);
  kvlsm::SizeTieredCompactionOptions tiered;
  tiered.min_threshold = 3;
  Show(*kvlsm::NewSizeTieredCompaction(tiered), picture);
  kvlsm::FifoCompactionOptions fifo;
  fifo.max_total_bytes = 100 << 20;
  Show(*kvlsm::NewFifoCompaction(fifo), picture);
  return 0;
}
