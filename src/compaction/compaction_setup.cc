#include "compaction/compaction_setup.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace kvlsm {
namespace {

absl::StatusOr<FileList> FindFiles(const Version& version, int level,
                                   const std::vector<uint64_t>& numbers) {
  if (level < 0 || level >= kNumLevels) {
    return absl::InvalidArgumentError(absl::StrFormat("pick names level %d", level));
  }
  FileList out;
  for (uint64_t number : numbers) {
    const FileList& files = version.files(level);
    auto it = std::find_if(files.begin(), files.end(),
                           [number](const auto& f) { return f->number == number; });
    if (it == files.end()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("pick names table %06d, which level %d does not hold", number, level));
    }
    out.push_back(*it);
  }
  return out;
}

}  // namespace

CompactionPicture MakeCompactionPicture(const Version& version, const Comparator* comparator,
                                        const std::set<uint64_t>& being_compacted,
                                        std::vector<RunningCompaction> running, uint64_t now) {
  CompactionPicture picture;
  picture.comparator = comparator;
  picture.levels.resize(kNumLevels);
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : version.files(level)) {
      CompactionFile c;
      c.number = f->number;
      c.size = f->total_size();
      c.smallest.assign(ExtractUserKey(f->smallest));
      c.largest.assign(ExtractUserKey(f->largest));
      c.smallest_seqno = f->smallest_seqno;
      c.largest_seqno = f->largest_seqno;
      c.num_entries = f->num_entries;
      c.num_deletions = f->num_deletions;
      c.creation_time = f->creation_time;
      c.being_compacted = being_compacted.contains(f->number);
      picture.levels[level].push_back(std::move(c));
    }
  }
  picture.running = std::move(running);
  picture.now = now;
  return picture;
}

absl::StatusOr<CompactionSpec> MakeCompactionSpec(const Version& version,
                                                  const CompactionPick& pick,
                                                  std::vector<SequenceNumber> snapshots) {
  CompactionSpec spec;
  for (const auto& input : pick.inputs) {
    auto files = FindFiles(version, input.level, input.files);
    if (!files.ok()) return files.status();
    spec.inputs.push_back(CompactionInputLevel{input.level, *std::move(files)});
  }
  spec.output_level = pick.output_level;
  spec.target_file_size = pick.target_file_size;
  spec.max_grandparent_overlap_bytes = pick.max_grandparent_overlap_bytes;
  if (pick.output_level >= 0 && pick.output_level + 1 < kNumLevels) {
    auto gp = FindFiles(version, pick.output_level + 1, pick.grandparent_files);
    if (!gp.ok()) return gp.status();
    spec.grandparents = *std::move(gp);
  }
  spec.snapshots = std::move(snapshots);

  // Older than the inputs: for a level-0 merge, the level-0 tables after its (contiguous)
  // inputs and every deeper level; otherwise the levels below the output. (Older level-0
  // tables that overlap a level-0 input are inputs themselves; levels between the start
  // and the output hold nothing in the pick's range.)
  int first_older_level = pick.output_level + 1;
  if (pick.output_level == 0) {
    const FileList& l0 = version.files(0);
    const uint64_t oldest_input = spec.inputs.front().files.back()->number;
    auto it = std::find_if(l0.begin(), l0.end(),
                           [oldest_input](const auto& f) { return f->number == oldest_input; });
    if (it != l0.end()) spec.older_level0.assign(it + 1, l0.end());
    first_older_level = 1;
  }
  for (int level = std::max(first_older_level, 1); level < kNumLevels; ++level) {
    if (!version.files(level).empty()) spec.older_levels.push_back(version.files(level));
  }
  return spec;
}

RunningCompaction DescribeRunning(const CompactionSpec& spec, const Comparator* comparator) {
  RunningCompaction running;
  running.start_level = spec.inputs.front().level;
  running.output_level = spec.output_level;
  bool first = true;
  for (const auto& input : spec.inputs) {
    for (const auto& f : input.files) {
      const std::string_view lo = ExtractUserKey(f->smallest);
      const std::string_view hi = ExtractUserKey(f->largest);
      if (first || comparator->Compare(lo, running.smallest) < 0) running.smallest.assign(lo);
      if (first || comparator->Compare(hi, running.largest) > 0) running.largest.assign(hi);
      first = false;
    }
  }
  return running;
}

}  // namespace kvlsm
