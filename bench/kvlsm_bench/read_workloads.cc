// readrandom, readmissing, readwhilewriting.
#include <atomic>
#include <thread>

#include "absl/strings/str_format.h"
#include "workload.h"

namespace kvlsm::bench {
namespace {

// context.ops reads of uniformly random records, each present with a generation at or
// below max_generation.
absl::Status ReadPresent(const WorkloadContext& context, std::string_view name,
                         uint32_t max_generation, WorkloadOutcome* outcome) {
  outcome->live_records = context.num;
  return RunOps(
      context, name, context.ops,
      [&](uint64_t, ThreadScratch* scratch, ThreadStats* stats) {
        return GetPresentOp(context, scratch->rnd.Uniform(context.num), max_generation, scratch,
                            stats);
      },
      outcome);
}

absl::Status ReadRandom(const WorkloadContext& context, WorkloadOutcome* outcome) {
  return ReadPresent(context, "readrandom", kLoadGeneration, outcome);
}

// Reads of keys that fall between two written keys: every one must be NotFound.
absl::Status ReadMissing(const WorkloadContext& context, WorkloadOutcome* outcome) {
  outcome->live_records = context.num;
  return RunOps(
      context, "readmissing", context.ops,
      [&](uint64_t, ThreadScratch* scratch, ThreadStats* stats) {
        context.format->MissingKey(scratch->rnd.Uniform(context.num), &scratch->key);
        const uint64_t start = NowNanos();
        absl::Status s = context.engine->Get(scratch->key, &scratch->value);
        stats->RecordOp(NowNanos() - start);
        stats->bytes += context.format->key_size();
        if (s.ok()) {
          return absl::DataLossError(
              absl::StrFormat("key %s was never written but is found", scratch->key));
        }
        return absl::IsNotFound(s) ? absl::OkStatus() : s;
      },
      outcome);
}

// One writer updates uniformly random records as fast as it can while the client threads
// do context.ops reads; the reads are what is measured.
absl::Status ReadWhileWriting(const WorkloadContext& context, WorkloadOutcome* outcome) {
  std::atomic<bool> stop{false};
  ThreadStats writer;
  const uint64_t writer_start = NowNanos();
  uint64_t writer_end = writer_start;
  std::thread writer_thread([&] {
    ThreadScratch scratch(ThreadRandom(context, "readwhilewriting-writer", 0));
    while (!stop.load(std::memory_order_relaxed) && writer.status.ok()) {
      writer.status =
          PutOp(context, scratch.rnd.Uniform(context.num), kUpdateGeneration, &scratch, &writer);
    }
    writer_end = NowNanos();
  });
  absl::Status s = ReadPresent(context, "readwhilewriting", kUpdateGeneration, outcome);
  stop.store(true);
  writer_thread.join();
  if (!s.ok()) return s;
  if (!writer.status.ok()) return writer.status;
  outcome->extra_bytes_written = writer.bytes_written;
  const double writer_seconds = static_cast<double>(writer_end - writer_start) * 1e-9;
  outcome->note = absl::StrFormat("writer: %.0f updates/s, p99 %.1f us",
                                  static_cast<double>(writer.ops) / writer_seconds,
                                  writer.latency.Percentile(0.99) / 1000);
  return absl::OkStatus();
}

}  // namespace

std::vector<Workload> ReadWorkloads() {
  return {
      {"readrandom", "reads of uniformly random records (all present)", true, &ReadRandom},
      {"readmissing", "reads of keys never written, between written ones (filter path)", true,
       &ReadMissing},
      {"readwhilewriting", "readrandom while one more thread updates random records", true,
       &ReadWhileWriting},
  };
}

}  // namespace kvlsm::bench
