// kvlsm/options.h: the knobs of a DB, as flat structs with in-class defaults.
//
// Every field states its unit, default and trade-off. Options::Validate() checks them all
// and DB::Open refuses invalid options with InvalidArgument naming the field.
//
// Thread safety: these are plain values; copy them freely. Objects they point to (env,
// comparator, merge_operator, info_log) must be thread-safe and outlive every DB using them.
#ifndef KVLSM_OPTIONS_H_
#define KVLSM_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "kvlsm/cache.h"
#include "kvlsm/compaction_policy.h"
#include "kvlsm/compression.h"
#include "kvlsm/export.h"
#include "kvlsm/filter_policy.h"

namespace kvlsm {

class Comparator;
class Env;
class Logger;
class MergeOperator;
class Snapshot;

// What Open does with damaged write-ahead log records. Values are stable; never renumber.
enum class WalRecoveryMode : int {
  // An incomplete record at the end of a log file (what a crash during an append leaves:
  // the file ends inside a record, or its rest is zero-filled) is dropped silently. A
  // damaged record (checksum mismatch, impossible length or type) is DataLoss naming the
  // file and offset, because it may hide valid records after it.
  kTolerateCorruptedTailRecords = 0,
  // Any damage, including a torn tail, makes Open fail with DataLoss.
  kAbsoluteConsistency = 1,
  // Recovery stops at the first damaged record: every write before it is kept, every write
  // after it (in that log and in newer logs) is dropped. The result is a consistent
  // prefix of history. Open succeeds.
  kPointInTimeRecovery = 2,
  // Damaged records are skipped and recovery continues after them. May leave holes in
  // history (a batch lost between two kept ones); for salvage only.
  kSkipAnyCorruptedRecords = 3,
};

struct KVLSM_EXPORT Options {
  // Create the DB when `path` holds none. Default false: Open of a missing DB is NotFound.
  bool create_if_missing = false;

  // Fail with AlreadyExists when the DB exists. Default false.
  bool error_if_exists = false;

  // Verify more aggressively (e.g. checksums of everything read during recovery) and turn
  // any damage found into an error instead of working around it. Default true: a storage
  // engine should not hide damage; turn off only to salvage a damaged DB.
  bool paranoid_checks = true;

  // File system and clock. Default: Env::Default() (POSIX). Not owned.
  Env* env = nullptr;  // nullptr means Env::Default().

  // The order of keys. Default: BytewiseComparator(). Not owned; its Name() is persisted
  // and must match on every open.
  const Comparator* comparator = nullptr;  // nullptr means BytewiseComparator().

  // Required to use DB::Merge; its Name() is persisted once a merge is written.
  // Default: none (Merge returns InvalidArgument).
  std::shared_ptr<const MergeOperator> merge_operator;

  // Bytes of updates collected in the active memtable before it is sealed and a new one
  // (with a new WAL) starts. Default 64 MiB. Larger: fewer, larger tables and longer
  // recovery; smaller: less memory. Range [64 KiB, 64 GiB].
  size_t write_buffer_size = 64ull << 20;

  // How many memtables (active plus sealed, waiting for their flush) may exist. When
  // every sealed slot is taken, writes slow down (1 ms per write group) once the active
  // memtable is 3/4 full, and stop when it is full, until a flush completes. Default 2;
  // range [2, 64]. More: absorbs write bursts, costs write_buffer_size bytes each.
  int max_write_buffer_number = 2;

  // See WalRecoveryMode. Default kTolerateCorruptedTailRecords.
  WalRecoveryMode wal_recovery_mode = WalRecoveryMode::kTolerateCorruptedTailRecords;

  // Where diagnostics go. Default nullptr: a file named LOG in the DB directory.
  std::shared_ptr<Logger> info_log;

  // --- Tables ---

  // Directory for the .idx half of every table (index, filter, properties: a few percent
  // of the data, read once per table and pinned in memory), e.g. on a faster device.
  // Default empty: beside the .sst files in the DB directory. Must be the same on every
  // open.
  std::string index_path;

  // The filter consulted before a table is searched for a key. Default: a blocked Bloom
  // filter at 10 bits per key (about 1% false positives); nullptr disables filters
  // (saves memory, costs a block read per table for every absent key). Its Name() is
  // recorded in each table.
  std::shared_ptr<const FilterPolicy> filter_policy = NewBloomFilterPolicy(10);

  // Cache for data blocks, shareable between DBs. Default nullptr: the DB makes its own
  // 32 MiB LRU cache.
  std::shared_ptr<Cache> block_cache;

  // Target uncompressed size of a data block, in bytes. Default 4096; larger blocks
  // compress better and scan faster, smaller ones make point reads cheaper. Range
  // [256, 4 MiB].
  size_t block_size = 4096;

  // Keys between restart points in a block (prefix compression restarts there).
  // Default 16; range [1, 1024]. Smaller: faster seeks, larger blocks.
  int block_restart_interval = 16;

  // Block compression. Default kNone: fastest reads. kZstd usually halves the disk
  // footprint of text-like values at a few µs per block; a block that does not shrink by
  // at least 12.5% is stored raw either way.
  CompressionType compression = CompressionType::kNone;

  // zstd level when compression is kZstd. Default 3; range [1, 19]: higher compresses
  // better and writes slower (reads are unaffected).
  int zstd_level = 3;

  // Tables kept open (each pins its index and filter in memory). Default 1000; range
  // [16, 1000000].
  int max_open_files = 1000;

  // --- Compaction and background work (docs/compaction.md) ---

  // Chooses which tables to merge. Default: leveled compaction with its default options.
  // Others: NewSizeTieredCompaction(), NewFifoCompaction(), or a policy of your own. Not
  // recorded in the DB: a DB may be reopened with another policy. Must not be null.
  std::shared_ptr<const CompactionPolicy> compaction_policy = NewLeveledCompaction();

  // Background threads for flushes and compactions. A flush always goes first; with two
  // or more threads, one is kept free of compactions so that a flush never waits behind
  // one. Default 2; range [1, 64].
  int max_background_jobs = 2;

  // Bytes per second that compactions may write, together. Default 0: no limit. A limit
  // keeps compaction from starving foreground I/O, at the cost of more pending work (and,
  // through the triggers below, slower writes when compaction falls behind).
  uint64_t compaction_rate_limit = 0;

  // Write backpressure. When compaction falls behind, writes slow down gradually and
  // finally stop until it catches up. Two measures, whichever is worse counts:
  //   - level-0 tables (each read consults every one of them): slowdown from
  //     level0_slowdown_writes_trigger, stop at level0_stop_writes_trigger;
  //   - bytes the policy still has to compact (kvlsm.estimate-pending-compaction-bytes):
  //     slowdown from soft_pending_compaction_bytes, stop at hard_pending_compaction_bytes.
  // Between the two thresholds each write group waits for its bytes at a rate falling from
  // delayed_write_rate to 1/16 of it. Writes only wait while compaction has work that
  // would relieve them. kvlsm.stats shows the time spent. Defaults 20 and 36 tables, 64 GiB
  // and 256 GiB, 16 MiB/s (at least 1 KiB/s). slowdown < stop is required; a pending-bytes
  // threshold of 0 disables it (soft: no slowdown from pending bytes; hard: no stop).
  int level0_slowdown_writes_trigger = 20;
  int level0_stop_writes_trigger = 36;
  uint64_t soft_pending_compaction_bytes = uint64_t{64} << 30;
  uint64_t hard_pending_compaction_bytes = uint64_t{256} << 30;
  uint64_t delayed_write_rate = uint64_t{16} << 20;

  // Returns OK, or InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

struct KVLSM_EXPORT ReadOptions {
  // Read as of this snapshot (from DB::GetSnapshot). Default nullptr: the latest state as
  // of the start of the call (for an iterator: as of its creation).
  const Snapshot* snapshot = nullptr;

  // Iterators only: keys below lower_bound (inclusive) and at or above upper_bound
  // (exclusive) are invisible. Default: unbounded.
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;

  // Whether blocks read for this call are added to the block cache. Default true; false
  // for one-off scans that would evict the working set.
  bool fill_cache = true;

  // Verify checksums of everything read. Default true; the cost is a hash per block.
  bool verify_checksums = true;
};

struct KVLSM_EXPORT WriteOptions {
  // fdatasync the WAL before acknowledging. Default false: a write survives a process
  // crash as soon as it returns, but a power cut may lose the last writes (never leaving
  // a hole: what survives is a prefix of history). true: the write survives a power cut.
  // Concurrent sync writers share one fdatasync (group commit).
  bool sync = false;
};

}  // namespace kvlsm

#endif  // KVLSM_OPTIONS_H_
