// CompactionStats: what flushes and compactions did, per level, for kvlsm.stats.
//
// Per level: tables and bytes now, the policy's score, bytes read and written by the
// compactions into that level, and write amplification (bytes written into the level per
// byte that entered it from above; for level 0, per byte flushed).
//
// Thread safety: not synchronized; DBImpl guards it with its mutex.
#ifndef KVLSM_COMPACTION_COMPACTION_STATS_H_
#define KVLSM_COMPACTION_COMPACTION_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "compaction/compaction_job.h"
#include "manifest/version_set.h"

namespace kvlsm {

class CompactionStats {
 public:
  void AddFlush(uint64_t bytes, uint64_t micros);
  void AddCompaction(const CompactionSpec& spec, const CompactionResult& result);
  void AddMove(int to_level, uint64_t bytes);
  void AddDrop(uint64_t bytes);
  void AddFailure() { ++failures_; }

  uint64_t bytes_flushed() const { return levels_[0].bytes_in; }
  // Compactions completed: rewrites, moves and drops.
  uint64_t compactions() const;
  // Bytes of tables written by flushes and compactions together.
  uint64_t table_bytes_written() const;

  // The per-level table of kvlsm.stats. scores may be shorter than kNumLevels.
  std::string Format(const Version& version, const std::vector<double>& scores) const;

 private:
  struct Level {
    uint64_t compactions = 0;
    uint64_t micros = 0;
    uint64_t bytes_in = 0;     // From the level above (flushed bytes for level 0).
    uint64_t bytes_read = 0;   // Inputs of this level and above.
    uint64_t bytes_written = 0;
    uint64_t bytes_moved = 0;  // Tables moved here without a rewrite.
  };
  Level levels_[kNumLevels];
  uint64_t drops_ = 0;
  uint64_t dropped_bytes_ = 0;
  uint64_t failures_ = 0;
};

}  // namespace kvlsm

#endif  // KVLSM_COMPACTION_COMPACTION_STATS_H_
