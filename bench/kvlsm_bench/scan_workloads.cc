// readseq, readreverse, seekrandom.
#include <algorithm>
#include <memory>

#include "absl/strings/str_format.h"
#include "workload.h"

namespace kvlsm::bench {
namespace {

constexpr int kNextsPerSeek = 10;

// Every this many steps of a full scan is timed: a clock read costs about as much as a
// step, so timing each would slow every engine's scan by half.
constexpr uint64_t kTimedStepInterval = 16;

// Each client thread scans the whole DB with one cursor, forward or backward, and checks
// that it sees every record once, in order.
absl::Status Scan(const WorkloadContext& context, bool forward, WorkloadOutcome* outcome) {
  absl::Status s = RunThreads(
      context,
      [&](int, ThreadStats* stats) {
        std::unique_ptr<Cursor> cursor = context.engine->NewCursor();
        uint64_t start = NowNanos();
        forward ? cursor->SeekToFirst() : cursor->SeekToLast();
        uint64_t seen = 0;
        while (cursor->Valid()) {
          if (seen % kTimedStepInterval == 0) {
            stats->RecordOp(NowNanos() - start);
          } else {
            stats->CountOp();
          }
          const uint64_t expected = forward ? seen : context.num - 1 - seen;
          uint64_t index = 0;
          stats->status = CheckEntry(context, context.num, cursor->key(), cursor->value(),
                                     kLoadGeneration, &index);
          if (stats->status.ok() && index != expected) {
            stats->status = absl::DataLossError(
                absl::StrFormat("entry %d of the scan has key %s; expected record %d", seen,
                                std::string(cursor->key()), expected));
          }
          if (!stats->status.ok()) return;
          ++seen;
          stats->bytes += context.format->entry_size();
          if (seen % kTimedStepInterval == 0) start = NowNanos();
          forward ? cursor->Next() : cursor->Prev();
        }
        stats->status = cursor->status();
        if (stats->status.ok() && seen != context.num) {
          stats->status = absl::DataLossError(
              absl::StrFormat("the scan saw %d records; %d were written", seen, context.num));
        }
      },
      outcome);
  outcome->live_records = context.num;
  return s;
}

absl::Status ReadSeq(const WorkloadContext& context, WorkloadOutcome* outcome) {
  return Scan(context, /*forward=*/true, outcome);
}

absl::Status ReadReverse(const WorkloadContext& context, WorkloadOutcome* outcome) {
  return Scan(context, /*forward=*/false, outcome);
}

// context.ops seeks to uniformly random records, each followed by 10 Nexts; one
// operation is the seek and its Nexts. Every record is present, so the seek must land on
// its target and the Nexts on the records after it.
absl::Status SeekRandom(const WorkloadContext& context, WorkloadOutcome* outcome) {
  outcome->live_records = context.num;
  return RunOps(
      context, "seekrandom", context.ops,
      [&](uint64_t, ThreadScratch* scratch, ThreadStats* stats) {
        if (scratch->cursor == nullptr) scratch->cursor = context.engine->NewCursor();
        const uint64_t first = scratch->rnd.Uniform(context.num);
        context.format->Key(first, &scratch->key);
        uint64_t nanos = 0;
        absl::Status s = TimedSeekAndRead(scratch->cursor.get(), scratch->key, 1 + kNextsPerSeek,
                                          &scratch->entries, &nanos);
        stats->RecordOp(nanos);
        if (!s.ok()) return s;
        const uint64_t expected = std::min<uint64_t>(1 + kNextsPerSeek, context.num - first);
        if (scratch->entries.size != expected) {
          return absl::DataLossError(absl::StrFormat("seek to %s read %d entries; %d follow it",
                                                     scratch->key, scratch->entries.size,
                                                     expected));
        }
        return CheckScan(context, scratch->entries, first, context.num, /*consecutive=*/true,
                         kLoadGeneration, "seek", stats);
      },
      outcome);
}

}  // namespace

std::vector<Workload> ScanWorkloads() {
  return {
      {"readseq", "one forward scan of the whole DB per thread", true, &ReadSeq},
      {"readreverse", "one backward scan of the whole DB per thread", true, &ReadReverse},
      {"seekrandom", "seeks to random records, each followed by 10 Nexts", true, &SeekRandom},
  };
}

}  // namespace kvlsm::bench
