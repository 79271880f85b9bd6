// The small DB of the corruption sweeps, and how its bytes are damaged. Shared by
// corruption_sweep_test.cc (opens and reads every damaged copy) and
// inspect_verify_sweep.cc (runs `kvlsm-inspect verify` on them).
//
// The DB: kSweepFlushedWrites workload writes in two tables (flushed halfway and at the
// end), then kSweepWalWrites more that only the WAL holds; a MANIFEST with the edits of
// both flushes; CURRENT. Small blocks, so that each table has several.
#ifndef KVLSM_TESTS_RELIABILITY_SWEEP_DB_H_
#define KVLSM_TESTS_RELIABILITY_SWEEP_DB_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "reliability/workload.h"
#include "testutil/test_plugins.h"

namespace kvlsm::test {

inline constexpr int kSweepFlushedWrites = 60;
inline constexpr int kSweepWalWrites = 15;

inline WorkloadOptions SweepWorkload() {
  return WorkloadOptions{.seed = 31, .num_keys = 50, .max_value_size = 300};
}

inline Options SweepOptions(Env* env) {
  Options options;
  options.env = env;
  options.block_size = 256;
  options.merge_operator = std::make_shared<PlusAppendOperator>();
  return options;
}

// Creates the DB in `dir` of `env`, recording its writes (all acknowledged) in *history,
// which must be new and use SweepWorkload().
inline absl::Status BuildSweepDb(Env* env, const std::string& dir, History* history) {
  Options options = SweepOptions(env);
  options.create_if_missing = true;
  auto db = DB::Open(options, dir);
  if (!db.ok()) return db.status();
  for (int id = 1; id <= kSweepFlushedWrites + kSweepWalWrites; ++id) {
    const WorkloadWrite write = MakeWrite(history->options(), id);
    WriteBatch batch = write.ToBatch();
    absl::Status s = (*db)->Write(WriteOptions(), &batch);
    if (!s.ok()) return s;
    history->Record(write, /*acknowledged=*/true);
    if (id == kSweepFlushedWrites / 2 || id == kSweepFlushedWrites) {
      if (s = (*db)->Flush(); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

// Files up to this size get every byte damaged; larger ones, a dense sample: every byte
// of the first and last KiB and every `stride`-th byte between.
inline constexpr size_t kFlipEveryByteUpTo = 16 << 10;

inline std::vector<size_t> PositionsToFlip(size_t size, size_t stride = 13) {
  std::vector<size_t> positions;
  for (size_t p = 0; p < size; ++p) {
    const bool edge = p < 1024 || p + 1024 >= size;
    if (size <= kFlipEveryByteUpTo || edge || p % stride == 0) positions.push_back(p);
  }
  return positions;
}

// Flips one bit of the byte at `pos` (which bit depends on the position).
inline std::string Flip(std::string contents, size_t pos) {
  contents[pos] ^= static_cast<char>(1 << (pos % 8));
  return contents;
}

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_RELIABILITY_SWEEP_DB_H_
