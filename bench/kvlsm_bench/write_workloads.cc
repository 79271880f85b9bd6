// fillseq, fillrandom, overwrite, deleterandom.
#include <vector>

#include "absl/strings/str_format.h"
#include "permutation.h"
#include "workload.h"

namespace kvlsm::bench {
namespace {

bool NothingDeleted(uint64_t) { return false; }

// Writes every record once at kLoadGeneration: operation i writes record order->At(i)
// (order == nullptr: record i, in key order).
absl::Status Fill(const WorkloadContext& context, std::string_view name, const Permutation* order,
                  WorkloadOutcome* outcome) {
  absl::Status s = RunOps(
      context, name, context.num,
      [&](uint64_t i, ThreadScratch* scratch, ThreadStats* stats) {
        return PutOp(context, order == nullptr ? i : order->At(i), kLoadGeneration, scratch, stats);
      },
      outcome);
  if (!s.ok()) return s;
  outcome->live_records = context.num;
  return CheckSample(context, kLoadGeneration, NothingDeleted);
}

absl::Status FillSeq(const WorkloadContext& context, WorkloadOutcome* outcome) {
  return Fill(context, "fillseq", nullptr, outcome);
}

absl::Status FillRandom(const WorkloadContext& context, WorkloadOutcome* outcome) {
  const Permutation order(context.num, context.seed ^ 0xf111);
  return Fill(context, "fillrandom", &order, outcome);
}

// num updates of records drawn uniformly (with repetition), at kUpdateGeneration.
absl::Status Overwrite(const WorkloadContext& context, WorkloadOutcome* outcome) {
  absl::Status s = RunOps(
      context, "overwrite", context.num,
      [&](uint64_t, ThreadScratch* scratch, ThreadStats* stats) {
        return PutOp(context, scratch->rnd.Uniform(context.num), kUpdateGeneration, scratch, stats);
      },
      outcome);
  if (!s.ok()) return s;
  outcome->live_records = context.num;
  return CheckSample(context, kUpdateGeneration, NothingDeleted);
}

// Deletes half of the records, each once, in random order.
absl::Status DeleteRandom(const WorkloadContext& context, WorkloadOutcome* outcome) {
  const Permutation order(context.num, context.seed ^ 0xde1e7e);
  const uint64_t deletes = context.num / 2;
  std::vector<bool> deleted(context.num);
  for (uint64_t i = 0; i < deletes; ++i) deleted[order.At(i)] = true;
  absl::Status s = RunOps(
      context, "deleterandom", deletes,
      [&](uint64_t i, ThreadScratch* scratch, ThreadStats* stats) {
        context.format->Key(order.At(i), &scratch->key);
        const uint64_t start = NowNanos();
        absl::Status s = context.engine->Delete(scratch->key);
        stats->RecordOp(NowNanos() - start);
        if (!s.ok()) {
          return absl::Status(s.code(),
                              absl::StrFormat("delete %s: %s", scratch->key, s.message()));
        }
        stats->bytes += context.format->key_size();
        stats->bytes_written += context.format->key_size();
        return absl::OkStatus();
      },
      outcome);
  if (!s.ok()) return s;
  outcome->live_records = context.num - deletes;
  return CheckSample(context, kLoadGeneration, [&](uint64_t index) { return deleted[index]; });
}

}  // namespace

std::vector<Workload> WriteWorkloads() {
  return {
      {"fillseq", "writes every record once, in key order, into an empty DB", false, &FillSeq},
      {"fillrandom", "writes every record once, in random order, into an empty DB", false,
       &FillRandom},
      {"overwrite", "num updates of uniformly random records", true, &Overwrite},
      {"deleterandom", "deletes half of the records, each once, in random order", true,
       &DeleteRandom},
  };
}

}  // namespace kvlsm::bench
