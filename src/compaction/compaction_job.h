// CompactionJob: runs one compaction that a CompactionPolicy picked and the DB checked.
//
// Merges the input tables, keeps what CompactionIterator keeps, and writes it as new
// tables of the output level: one table for level 0, otherwise a new table whenever one
// reaches the target size or would overlap too many bytes of the next level (the
// grandparents), always between two user keys so that a user key never spans tables of a
// level. Every output is synced and opened (proving it readable) before Run returns; the
// caller publishes the outputs and retires the inputs with one VersionEdit.
//
// With paranoid checks, the entries read must equal the entry counts the inputs record,
// and every output must hold the entries written to it; a difference fails the job with
// DataLoss naming the tables, before anything is published.
//
// Thread safety: Run is called without the DB mutex; the callbacks it makes (new file
// numbers) take what they need.
#ifndef KVLSM_COMPACTION_COMPACTION_JOB_H_
#define KVLSM_COMPACTION_COMPACTION_JOB_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compaction/compaction_iterator.h"
#include "compaction/table_file_writer.h"
#include "manifest/version_set.h"

namespace kvlsm {

class RateLimiter;
class TableCache;

struct CompactionJobOptions {
  BuildTableOptions build;  // Where and how outputs are written; creation_time is set here.
  TableCache* table_cache = nullptr;
  const InternalKeyComparator* comparator = nullptr;
  const MergeOperator* merge_operator = nullptr;  // May be null.
  bool paranoid_checks = true;
  RateLimiter* rate_limiter = nullptr;  // May be null: no limit.
  // When set and true, the job stops early with Cancelled (the DB is closing).
  const std::atomic<bool>* cancel = nullptr;
  // A file number for the next output, registered by the DB as a pending output.
  std::function<uint64_t()> new_file_number;
};

struct CompactionInputLevel {
  int level = 0;
  FileList files;  // In the level's order.
};

struct CompactionSpec {
  std::vector<CompactionInputLevel> inputs;  // Levels ascending.
  int output_level = 0;
  uint64_t target_file_size = 0;               // 0: no limit.
  uint64_t max_grandparent_overlap_bytes = 0;  // 0: no limit.
  FileList grandparents;                       // Sorted by key.
  std::vector<SequenceNumber> snapshots;       // Ascending.
  // Tables older than every input that are not inputs: the versions of a key that remain
  // below the output (level-0 tables after the inputs, and deeper levels).
  FileList older_level0;
  std::vector<FileList> older_levels;  // Each sorted by key, disjoint.
};

struct CompactionResult {
  std::vector<FileMetaData> outputs;
  uint64_t bytes_read = 0;  // Bytes of the input tables (.sst + .idx).
  uint64_t bytes_written = 0;
  CompactionIterator::Stats entries;
  uint64_t micros = 0;
};

// Runs the compaction. On error every output written so far is removed.
absl::StatusOr<CompactionResult> RunCompactionJob(const CompactionJobOptions& options,
                                                  const CompactionSpec& spec);

}  // namespace kvlsm

#endif  // KVLSM_COMPACTION_COMPACTION_JOB_H_
