// kvlsm/compaction_policy.h: which compaction to run next.
//
// A CompactionPolicy chooses; a compaction job inside the DB runs. The DB describes the tree
// in a CompactionPicture and asks the policy for a CompactionPick: the input tables, the level
// the output goes to, the size of output tables. Built in: leveled (LevelDB/RocksDB style,
// with dynamic level sizes), size-tiered (Cassandra STCS / RocksDB universal) and FIFO (drops
// the oldest tables; for caches and time series). docs/compaction.md explains each policy and
// how to write one.
//
// Thread safety: Pick, EstimatePendingBytes and LevelScores are called from background threads
// with no DB lock held, and may run concurrently with one another on different pictures. They
// must be deterministic functions of the picture and the policy's own settings: no state
// carried from call to call. One policy object may serve many DBs.
//
// The tree. A picture has one entry per level (kvlsm has 7; read levels.size()). Reads
// consult level 0 first, then level 1, and so on, so for any key the versions in a shallower
// level are newer. Level 0 holds tables that may overlap, newest first: a read tries them in
// that order and stops at the first hit. Levels 1 and up hold tables sorted by key with
// disjoint ranges, except that neighbours may share a boundary user key (the older versions
// of a key continue in the next table).
//
// The rules of a pick. CheckCompactionPick (below) states them and the DB applies it to every
// pick, so a policy bug costs a refused compaction, never a wrong read.
//   - Every input is a table of the picture at the stated level, not being_compacted.
//   - Inputs come from at most two levels: a start level s and the output level o >= s.
//   - o == 0 (merging level-0 runs): the inputs are a contiguous range of the newest-first
//     level-0 list; the job writes one table, which takes their place.
//   - s == 0 < o: every level-0 table older than an input and overlapping it is an input.
//   - 1 <= s < o: "clean cut": a neighbour sharing a boundary user key with an input is one.
//   - s < o: no table of a level strictly between s and o overlaps the pick's key range.
//   - o >= 1: every table of level o overlapping the pick's key range is an input.
//   - o >= 1: no running compaction into level 1 or deeper has a key range overlapping the
//     pick's while its levels [start, output] intersect [s, o].
//   - drop_only: output_level is -1 and, for every dropped table, every older table
//     overlapping it (later in level 0, or in a deeper level) is dropped too, so that no
//     older version of a key comes back.
#ifndef KVLSM_COMPACTION_POLICY_H_
#define KVLSM_COMPACTION_POLICY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kvlsm/export.h"

namespace kvlsm {

class Comparator;

// One table (a .sst/.idx pair) as a policy sees it.
struct CompactionFile {
  uint64_t number = 0;           // Unique in the DB; names the table in a pick.
  uint64_t size = 0;             // Bytes on disk, .sst plus .idx.
  std::string smallest;          // Smallest user key in the table.
  std::string largest;           // Largest user key in the table (inclusive).
  uint64_t smallest_seqno = 0;   // Sequence number of the oldest entry.
  uint64_t largest_seqno = 0;    // Sequence number of the newest entry.
  uint64_t num_entries = 0;      // Entries, tombstones included.
  uint64_t num_deletions = 0;    // Tombstones among them.
  uint64_t creation_time = 0;    // When the table was written, seconds since the Unix epoch.
  bool being_compacted = false;  // An input of a running compaction: must not be picked.
};

// A compaction the DB is running (its inputs are being_compacted), for the running-compaction
// rule above.
struct RunningCompaction {
  int start_level = 0;   // Shallowest level of its inputs.
  int output_level = 0;  // -1 for a drop.
  std::string smallest;  // User-key range of all its inputs, inclusive.
  std::string largest;
};

// A read-only picture of the tree, built by the DB for one Pick call.
struct CompactionPicture {
  // The order of user keys. nullptr means BytewiseComparator(). Not owned.
  const Comparator* comparator = nullptr;
  // levels[0] newest first; levels[l >= 1] sorted by key.
  std::vector<std::vector<CompactionFile>> levels;
  std::vector<RunningCompaction> running;
  uint64_t now = 0;  // Seconds since the Unix epoch, from the DB's Env.
};

// A compaction to run.
struct CompactionPick {
  struct Input {
    int level = 0;
    std::vector<uint64_t> files;  // File numbers, in the level's order.
  };
  // One entry per level contributing tables, levels ascending. Never empty.
  std::vector<Input> inputs;
  // Where the merged output goes; -1 when drop_only.
  int output_level = -1;
  // The job starts a new output table once one reaches this many bytes. 0: no limit. Ignored
  // when output_level is 0 (a level-0 merge always writes one table).
  uint64_t target_file_size = 0;
  // The job also starts a new output table before the tables of grandparent_files that the
  // current one overlaps would pass this many bytes, so that a later compaction of that table
  // into level output_level + 1 stays small. 0: no limit.
  uint64_t max_grandparent_overlap_bytes = 0;
  // The tables of level output_level + 1 overlapping the pick's key range, in key order.
  std::vector<uint64_t> grandparent_files;
  // When the pick is one table and nothing at the output level, the job may move it there
  // by editing the MANIFEST instead of rewriting it. False asks for a rewrite (for example
  // to drop tombstones).
  bool allow_trivial_move = false;
  // Delete the inputs; write nothing.
  bool drop_only = false;
  // Why, for the info log and kvlsm.stats; not meant to be parsed.
  std::string reason;
};

class KVLSM_EXPORT CompactionPolicy {
 public:
  virtual ~CompactionPolicy() = default;

  // A stable name, e.g. "kvlsm.LeveledCompaction", for logs and stats. Not persisted: a DB
  // may be reopened with another policy (see docs/compaction.md for what switching means).
  virtual const char* Name() const = 0;

  // OK, or InvalidArgument naming the bad setting. DB::Open refuses a policy that fails it.
  virtual absl::Status Validate() const { return absl::OkStatus(); }

  // The compaction to run next, or std::nullopt when none is needed now. The pick must
  // follow the rules at the top of this file.
  virtual std::optional<CompactionPick> Pick(const CompactionPicture& picture) const = 0;

  // Bytes that compactions would have to rewrite (or, for drops, delete) to bring the tree
  // within this policy's targets. Feeds the property kvlsm.estimate-pending-compaction-bytes
  // and write backpressure.
  virtual uint64_t EstimatePendingBytes(const CompactionPicture& picture) const = 0;

  // Per-level urgency for kvlsm.stats, where >= 1 means "due". Default: empty (none).
  virtual std::vector<double> LevelScores(const CompactionPicture& picture) const;

  // DB::CompactRange rewrites the requested key range itself, level by level down to the
  // deepest level holding data (docs/compaction.md), splitting its output into tables of
  // this many bytes (0: one table per step). std::nullopt: this policy never rewrites
  // tables, and CompactRange only flushes. Default: 64 MiB.
  virtual std::optional<uint64_t> ManualCompactionFileSize() const;
};

// OK when `pick` follows every rule at the top of this file for `picture`, else
// InvalidArgument naming the rule and the table.
KVLSM_EXPORT absl::Status CheckCompactionPick(const CompactionPicture& picture,
                                              const CompactionPick& pick);

// Leveled compaction: level l+1 holds about level_size_multiplier times level l, so a read
// touches one table per level and space amplification stays near 1.1x; each byte is rewritten
// about multiplier times per level it descends.
struct KVLSM_EXPORT LeveledCompactionOptions {
  // Level-0 tables (not being compacted) that make level 0 due. Default 4; range
  // [1, 1000]. Higher: fewer, larger level-0 compactions and more tables per read.
  int level0_file_trigger = 4;
  // Size ratio between neighbouring levels. Default 10; range (1, 1000]. Higher: fewer
  // levels and less space overhead, more bytes rewritten per compaction.
  double level_size_multiplier = 10;
  // Static sizing: level 1's target. Dynamic sizing: the size at which the base level (the
  // one level 0 compacts into) hands that role to a new level above it, so the base
  // level's target stays below this unless the base is level 1. Default 256 MiB; must be
  // > 0. Larger: fewer levels, larger level-0 compactions.
  uint64_t base_level_bytes = uint64_t{256} << 20;
  // Derive level targets from the largest level (see docs/compaction.md) so that space
  // amplification stays near 1 + 1/(multiplier - 1) whatever the DB's size. Default true.
  // false: targets grow from level 1 up (base_level_bytes * multiplier^(l - 1)).
  bool dynamic_level_bytes = true;
  // Bytes per output table. Default 64 MiB; must be > 0. Larger: fewer tables and open
  // files; smaller: finer-grained compactions.
  uint64_t target_file_size = uint64_t{64} << 20;
  // See CompactionPick::max_grandparent_overlap_bytes. Default 640 MiB (10 target files);
  // 0: no limit. A moved table overlapping more than this is rewritten instead.
  uint64_t max_grandparent_overlap_bytes = uint64_t{640} << 20;
  // A table whose num_deletions / num_entries reaches this is compacted first within a due
  // level, and on its own (after tombstone_min_age_seconds) when no level is due, so that
  // space is reclaimed after deletes. Default 0.5; must be > 0; above 1 disables both.
  double tombstone_ratio_trigger = 0.5;
  // A table must be this old (seconds since creation_time) before tombstones alone make it
  // due. Default 3600. Bounds the rework when snapshots keep tombstones alive.
  uint64_t tombstone_min_age_seconds = 3600;

  // OK, or InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// Size-tiered compaction: every table is a sorted run in level 0, and runs of similar size
// that are adjacent in age merge into one. Writes are cheap (a byte is rewritten about
// log_min_threshold(data / flush size) times); reads may consult many runs and space may
// temporarily double.
struct KVLSM_EXPORT SizeTieredCompactionOptions {
  // Fewest runs merged by size. Default 4; range [2, 1000]. Lower: fewer runs per read,
  // more rewriting.
  int min_threshold = 4;
  // Most runs merged by size at once. Default 32; range [min_threshold, 1000].
  int max_threshold = 32;
  // A run joins a bucket when its size is within [bucket_low, bucket_high] times the
  // bucket's average. Defaults 0.5 and 1.5; bucket_low in (0, 1], bucket_high in [1, 100].
  double bucket_low = 0.5;
  double bucket_high = 1.5;
  // Merge every run into one when total bytes / bytes of the oldest run exceeds this.
  // Default 2.0 (newer runs hold more bytes than the oldest); must be > 1; infinity disables.
  // Lower: less disk, more rewriting.
  double max_space_amplification = 2.0;
  // Rewrite one run alone when num_deletions / num_entries reaches this, it is at least
  // tombstone_min_age_seconds old and no older run overlaps its keys (so its tombstones can
  // be dropped). Default 0.5; must be > 0; above 1 disables.
  double tombstone_ratio_trigger = 0.5;
  // A run must be this old (seconds since creation_time) before tombstones alone make it
  // due. Default 86400 (one day). Bounds the rework when snapshots keep tombstones alive.
  uint64_t tombstone_min_age_seconds = 86400;

  // OK, or InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// FIFO compaction: never rewrites; drops the oldest tables once the DB holds too many bytes
// or they are too old. Deleted data is gone: use it for caches and time series.
struct KVLSM_EXPORT FifoCompactionOptions {
  // Drop the oldest tables while the total exceeds this. Default 1 GiB; 0: no size limit.
  uint64_t max_total_bytes = uint64_t{1} << 30;
  // Drop tables older than this many seconds (by creation_time). Default 0: no age limit.
  // At least one of the two limits must be set.
  uint64_t max_age_seconds = 0;

  // OK, or InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// Factories. They accept any options; the policy's Validate() (called by DB::Open) reports
// invalid ones, and Pick on an invalid policy returns std::nullopt.
KVLSM_EXPORT std::shared_ptr<const CompactionPolicy> NewLeveledCompaction(
    const LeveledCompactionOptions& options = {});
KVLSM_EXPORT std::shared_ptr<const CompactionPolicy> NewSizeTieredCompaction(
    const SizeTieredCompactionOptions& options = {});
KVLSM_EXPORT std::shared_ptr<const CompactionPolicy> NewFifoCompaction(
    const FifoCompactionOptions& options = {});

}  // namespace kvlsm

#endif  // KVLSM_COMPACTION_POLICY_H_
