// YCSB core workloads A, B, C, E and F (Cooper et al., "Benchmarking Cloud Serving
// Systems with YCSB", SoCC 2010), with zipfian record choice (theta 0.99, hot records
// scattered over the key space). One operation of F's read-modify-write is the read and
// the write together; one operation of E's scans is the seek and its Nexts. E's inserts
// add records after the loaded ones; its record choice stays over the loaded ones.
#include <atomic>
#include <memory>

#include "absl/strings/str_format.h"
#include "workload.h"
#include "zipfian.h"

namespace kvlsm::bench {
namespace {

constexpr uint64_t kMaxScanLength = 100;  // YCSB's default; lengths are uniform in [1, 100]

// Percentages of each kind of operation; they add up to 100.
struct Mix {
  int read = 0;
  int update = 0;
  int scan = 0;
  int insert = 0;
  int read_modify_write = 0;
};

// A short scan, as a YCSB client makes one: a new cursor (which sees recent inserts), a
// seek to record `first`, then up to `length` entries in key order.
absl::Status TimedScan(const WorkloadContext& context, uint64_t first, uint64_t length,
                       uint64_t records, ThreadScratch* scratch, ThreadStats* stats,
                       uint64_t* nanos) {
  context.format->Key(first, &scratch->key);
  const uint64_t start = NowNanos();
  std::unique_ptr<Cursor> cursor = context.engine->NewCursor();
  *nanos += NowNanos() - start;
  absl::Status s = TimedSeekAndRead(cursor.get(), scratch->key, length, &scratch->entries, nanos);
  if (!s.ok()) return s;
  return CheckScan(context, scratch->entries, first, records, /*consecutive=*/false,
                   kUpdateGeneration, "scan", stats);
}

absl::Status RunMix(const WorkloadContext& context, std::string_view name, const Mix& mix,
                    WorkloadOutcome* outcome) {
  const Zipfian zipfian(context.num, context.seed ^ 0x21bf);
  std::atomic<uint64_t> next_insert{context.num};
  const uint64_t max_records = context.num + context.ops;
  absl::Status s = RunOps(
      context, name, context.ops,
      [&](uint64_t, ThreadScratch* scratch, ThreadStats* stats) {
        const int dice = static_cast<int>(scratch->rnd.Uniform(100));
        const uint64_t index = zipfian.Next(&scratch->rnd);
        if (dice < mix.read) return GetPresentOp(context, index, kUpdateGeneration, scratch, stats);
        if (dice < mix.read + mix.update) {
          return PutOp(context, index, kUpdateGeneration, scratch, stats);
        }
        if (dice < mix.read + mix.update + mix.insert) {
          return PutOp(context, next_insert.fetch_add(1), kLoadGeneration, scratch, stats);
        }
        uint64_t nanos = 0;
        absl::Status s;
        if (dice < mix.read + mix.update + mix.insert + mix.scan) {
          s = TimedScan(context, index, 1 + scratch->rnd.Uniform(kMaxScanLength), max_records,
                        scratch, stats, &nanos);
        } else {  // read-modify-write: one operation
          s = TimedGetPresent(context, index, kUpdateGeneration, &scratch->key, &scratch->value,
                              stats, &nanos);
          if (s.ok()) {
            s = TimedPut(context, index, kUpdateGeneration, &scratch->key, &scratch->value, stats,
                         &nanos);
          }
        }
        stats->RecordOp(nanos);
        return s;
      },
      outcome);
  if (!s.ok()) return s;
  outcome->live_records = next_insert.load();
  return CheckSample(context, kUpdateGeneration, [](uint64_t) { return false; });
}

absl::Status YcsbA(const WorkloadContext& context, WorkloadOutcome* outcome) {
  return RunMix(context, "ycsba", {.read = 50, .update = 50}, outcome);
}
absl::Status YcsbB(const WorkloadContext& context, WorkloadOutcome* outcome) {
  return RunMix(context, "ycsbb", {.read = 95, .update = 5}, outcome);
}
absl::Status YcsbC(const WorkloadContext& context, WorkloadOutcome* outcome) {
  return RunMix(context, "ycsbc", {.read = 100}, outcome);
}
absl::Status YcsbE(const WorkloadContext& context, WorkloadOutcome* outcome) {
  return RunMix(context, "ycsbe", {.scan = 95, .insert = 5}, outcome);
}
absl::Status YcsbF(const WorkloadContext& context, WorkloadOutcome* outcome) {
  return RunMix(context, "ycsbf", {.read = 50, .read_modify_write = 50}, outcome);
}

}  // namespace

std::vector<Workload> YcsbWorkloads() {
  return {
      {"ycsba", "YCSB A: 50% reads, 50% updates, zipfian", true, &YcsbA},
      {"ycsbb", "YCSB B: 95% reads, 5% updates, zipfian", true, &YcsbB},
      {"ycsbc", "YCSB C: reads only, zipfian", true, &YcsbC},
      {"ycsbe", "YCSB E: 95% scans of 1-100 entries, 5% inserts, zipfian", true, &YcsbE},
      {"ycsbf", "YCSB F: 50% reads, 50% read-modify-writes, zipfian", true, &YcsbF},
  };
}

}  // namespace kvlsm::bench
