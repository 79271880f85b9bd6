// The workloads of kvlsm-bench, and what each one measures.
//
// A workload runs on an opened engine: fresh and empty for the fills, otherwise loaded
// beforehand (not measured) with records 0..num-1 at generation 0, written once each in
// random order. It runs its client threads together, times every operation (full scans:
// one step in 16) into a histogram, and checks every value it reads (KeyValueFormat::CheckValue): a
// wrong, missing or unexpected value stops the run with DataLoss naming the key. Workloads that
// write read a sample of what they wrote back afterwards, untimed.
//
// Writes that update a record write generation 1; readers accept 0 or 1.
#ifndef KVLSM_BENCH_KVLSM_BENCH_WORKLOAD_H_
#define KVLSM_BENCH_KVLSM_BENCH_WORKLOAD_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine.h"
#include "histogram.h"
#include "key_value_format.h"
#include "util/random.h"

namespace kvlsm::bench {

inline constexpr uint32_t kLoadGeneration = 0;
inline constexpr uint32_t kUpdateGeneration = 1;

// What one client thread measured.
struct ThreadStats {
  Histogram latency;  // nanoseconds per operation (the engine call only)
  uint64_t ops = 0;
  uint64_t bytes = 0;          // user bytes moved: key + value per entry, key per miss or delete
  uint64_t bytes_written = 0;  // user bytes handed to the engine to write
  absl::Status status;         // the first error; the thread stops there

  // One operation that spent `nanos` in the engine.
  void RecordOp(uint64_t nanos) {
    latency.Add(nanos);
    ++ops;
  }
  // One operation that was not timed (scans time a sample of their steps).
  void CountOp() { ++ops; }
  void Merge(const ThreadStats& other);
};

struct WorkloadContext {
  Engine* engine = nullptr;
  const KeyValueFormat* format = nullptr;
  uint64_t num = 0;  // records: loaded before the run, or written by a fill
  uint64_t ops = 0;  // operations of read and mixed workloads (all threads together)
  int threads = 1;
  uint64_t seed = 0;
};

struct WorkloadOutcome {
  ThreadStats stats;                 // the measured threads, merged
  double seconds = 0;                // wall time of the measured threads
  uint64_t live_records = 0;         // records present when the workload ends
  uint64_t extra_bytes_written = 0;  // user bytes written by unmeasured threads
  std::string note;                  // anything the table should say about the run
};

struct Workload {
  std::string_view name;
  std::string_view description;
  bool needs_load;  // false: runs on an empty DB
  absl::Status (*run)(const WorkloadContext& context, WorkloadOutcome* outcome);
};

// Every workload, in the order kvlsm-bench runs them by default.
const std::vector<Workload>& AllWorkloads();
// The workload named `name`, or nullptr.
const Workload* FindWorkload(std::string_view name);

// The groups AllWorkloads() is made of (write_workloads.cc, read_workloads.cc,
// scan_workloads.cc, ycsb_workloads.cc).
std::vector<Workload> WriteWorkloads();
std::vector<Workload> ReadWorkloads();
std::vector<Workload> ScanWorkloads();
std::vector<Workload> YcsbWorkloads();

// --- Helpers shared by the workloads ---

inline uint64_t NowNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// A generator for one thread of one workload, derived from the run's seed.
Random ThreadRandom(const WorkloadContext& context, std::string_view workload, int thread);

// Runs body(thread, &stats) on context.threads threads released together, then fills
// outcome->stats (merged) and outcome->seconds (from the release to the last finish).
// Returns the first error a thread recorded.
absl::Status RunThreads(const WorkloadContext& context,
                        const std::function<void(int thread, ThreadStats* stats)>& body,
                        WorkloadOutcome* outcome);

// The operations of thread `thread` when `total` are split over context.threads: the
// half-open range [*begin, *end).
void ThreadShare(const WorkloadContext& context, uint64_t total, int thread, uint64_t* begin,
                 uint64_t* end);

// Entries copied out of a cursor, so that a timed scan is not slowed by the checks.
struct EntryBuffer {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  size_t size = 0;
};

// What one client thread's operations reuse: its generator and buffers.
struct ThreadScratch {
  explicit ThreadScratch(Random random) : rnd(random) {}
  Random rnd;
  std::string key;
  std::string value;
  EntryBuffer entries;
  std::unique_ptr<Cursor> cursor;  // for workloads that keep one cursor per thread
};

// Runs operations 0..total-1 split over the client threads (RunThreads, ThreadShare):
// op(i, &scratch, stats) for each i of a thread's share, until it returns an error, which
// stops that thread. `name` seeds the threads' generators.
// Op: absl::Status(uint64_t i, ThreadScratch* scratch, ThreadStats* stats).
template <typename Op>
absl::Status RunOps(const WorkloadContext& context, std::string_view name, uint64_t total,
                    const Op& op, WorkloadOutcome* outcome) {
  return RunThreads(
      context,
      [&](int thread, ThreadStats* stats) {
        uint64_t begin, end;
        ThreadShare(context, total, thread, &begin, &end);
        ThreadScratch scratch(ThreadRandom(context, name, thread));
        for (uint64_t i = begin; i < end && stats->status.ok(); ++i) {
          stats->status = op(i, &scratch, stats);
        }
      },
      outcome);
}

// The steps operations are made of. Each adds the time its engine call took to *nanos and
// the bytes it moved to *stats; the caller records the operation (ThreadStats::RecordOp).
// key and value are scratch buffers.
//
// Put of record `index` at `generation`.
absl::Status TimedPut(const WorkloadContext& context, uint64_t index, uint32_t generation,
                      std::string* key, std::string* value, ThreadStats* stats, uint64_t* nanos);
// Get of record `index`, which must be present with a generation <= max_generation.
absl::Status TimedGetPresent(const WorkloadContext& context, uint64_t index,
                             uint32_t max_generation, std::string* key, std::string* value,
                             ThreadStats* stats, uint64_t* nanos);

// Operations made of one step: the step, recorded as one operation.
absl::Status PutOp(const WorkloadContext& context, uint64_t index, uint32_t generation,
                   ThreadScratch* scratch, ThreadStats* stats);
absl::Status GetPresentOp(const WorkloadContext& context, uint64_t index, uint32_t max_generation,
                          ThreadScratch* scratch, ThreadStats* stats);

// Seeks `cursor` to `target` and copies up to `count` entries from there (moving with
// Next) into *entries, adding the time the cursor calls took to *nanos. The cursor's
// error, if any, is returned.
absl::Status TimedSeekAndRead(Cursor* cursor, std::string_view target, size_t count,
                              EntryBuffer* entries, uint64_t* nanos);

// Checks the entries a seek to record `first` read: records below `records` with
// generations up to max_generation, the first being `first` and the rest following it
// (consecutively when `consecutive`, else in increasing order). `what` names the scan in
// errors. Adds their bytes to *stats.
absl::Status CheckScan(const WorkloadContext& context, const EntryBuffer& entries, uint64_t first,
                       uint64_t records, bool consecutive, uint32_t max_generation,
                       std::string_view what, ThreadStats* stats);

// Checks an entry a cursor returned: the key of a record below `records` and one of its
// values. Sets *index to the record.
absl::Status CheckEntry(const WorkloadContext& context, uint64_t records, std::string_view key,
                        std::string_view value, uint32_t max_generation, uint64_t* index);

// Writes records 0..context.num-1 at kLoadGeneration, each once, in random order, on one
// thread. Not measured.
absl::Status LoadRecords(const WorkloadContext& context);

// Reads back up to `samples` records spread over [0, context.num), untimed: each must be
// present with a generation <= max_generation, unless deleted(index) says it was deleted,
// in which case it must be absent.
absl::Status CheckSample(const WorkloadContext& context, uint32_t max_generation,
                         const std::function<bool(uint64_t index)>& deleted,
                         uint64_t samples = 1000);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_WORKLOAD_H_
