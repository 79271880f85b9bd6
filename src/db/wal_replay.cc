#include "db/wal_replay.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/filename.h"
#include "db/write_batch_internal.h"
#include "memtable/memtable.h"
#include "wal/log_reader.h"

namespace kvlsm {
namespace {

// Collects what the reader drops in one log, naming the file in every message.
class DropCollector final : public LogReader::Reporter {
 public:
  explicit DropCollector(std::string fname) : fname_(std::move(fname)) {}

  void Corruption(size_t bytes, const absl::Status& reason, uint64_t offset,
                  LogReader::DropKind kind) override {
    dropped_bytes += bytes;
    any_damage |= kind == LogReader::DropKind::kDamage;
    const absl::Status named =
        absl::DataLossError(absl::StrFormat("%s: %s", fname_, reason.message()));
    if (first_drop.ok()) first_drop = named;
    // A drop that a valid record follows is damage in the middle of the log.
    pending_drop = named;
  }

  uint64_t dropped_bytes = 0;
  absl::Status first_drop;    // OK until something is dropped.
  absl::Status pending_drop;  // The latest drop not yet followed by a valid record.
  bool any_damage = false;    // Something other than a torn tail was dropped.

 private:
  const std::string fname_;
};

}  // namespace

absl::StatusOr<WalReplayResult> ReplayWals(const WalReplayOptions& options,
                                           const std::vector<uint64_t>& log_numbers) {
  WalReplayResult result;
  std::shared_ptr<MemTable> mem;
  const WalRecoveryMode mode = options.mode;
  bool stop = false;

  for (uint64_t number : log_numbers) {
    if (stop) {
      // Point-in-time recovery stopped in an older log: newer logs come after the cut.
      ++result.skipped_logs;
      continue;
    }
    const std::string fname = LogFileName(options.dbname, number);
    auto file = options.env->NewSequentialFile(fname);
    if (!file.ok()) return file.status();
    DropCollector drops(fname);
    LogReader reader(*std::move(file), &drops, number);
    std::string scratch;
    std::string_view record;
    WriteBatch batch;
    while (reader.ReadRecord(&record, &scratch)) {
      if (!drops.pending_drop.ok()) {
        // Something was dropped and a valid record follows it.
        if (mode == WalRecoveryMode::kTolerateCorruptedTailRecords ||
            mode == WalRecoveryMode::kAbsoluteConsistency) {
          return absl::DataLossError(absl::StrCat(
              drops.pending_drop.message(), " (followed by valid records, so not a torn tail; ",
              "open with wal_recovery_mode kPointInTimeRecovery or kSkipAnyCorruptedRecords ",
              "to salvage)"));
        }
        if (mode == WalRecoveryMode::kPointInTimeRecovery) {
          stop = true;
          break;
        }
        drops.pending_drop = absl::OkStatus();  // kSkipAnyCorruptedRecords.
      }
      absl::Status s = WriteBatchInternal::SetContents(&batch, record);
      if (s.ok()) {
        // Validate every record before inserting any, so a bad batch inserts nothing.
        s = WriteBatchInternal::Validate(batch);
      }
      if (!s.ok()) {
        drops.Corruption(
            record.size(),
            absl::DataLossError(absl::StrFormat("record at byte %d holds a bad write batch: %s",
                                                reader.LastRecordOffset(), s.message())),
            reader.LastRecordOffset(), LogReader::DropKind::kDamage);
        continue;  // Judged like any other drop when the next record arrives or at the end.
      }
      if (mem == nullptr) {
        mem = std::make_shared<MemTable>(*options.comparator);
        result.memtables.push_back(mem);
      }
      WriteBatchInternal::InsertInto(batch, mem.get()).IgnoreError();  // Validated above.
      ++result.records;
      const SequenceNumber last = WriteBatchInternal::Sequence(batch) + batch.Count() - 1;
      if (batch.Count() > 0) result.max_sequence = std::max(result.max_sequence, last);
      if (mem->ApproximateMemoryUsage() >= options.write_buffer_size) mem = nullptr;
    }
    if (!reader.status().ok()) return reader.status();
    result.dropped_bytes += drops.dropped_bytes;
    if (!drops.first_drop.ok()) {
      if (mode == WalRecoveryMode::kAbsoluteConsistency) {
        return absl::DataLossError(absl::StrCat(
            drops.first_drop.message(),
            " (wal_recovery_mode kAbsoluteConsistency refuses any damaged or torn record)"));
      }
      if (mode == WalRecoveryMode::kTolerateCorruptedTailRecords && drops.any_damage) {
        // Damage, unlike a torn tail, may hide valid records (the reader skips the rest
        // of a block whose bytes it cannot trust), so it is never dropped silently.
        return absl::DataLossError(
            absl::StrCat(drops.first_drop.message(),
                         " (a damaged record, not a torn tail; open with wal_recovery_mode "
                         "kPointInTimeRecovery or kSkipAnyCorruptedRecords to salvage)"));
      }
      if (mode == WalRecoveryMode::kPointInTimeRecovery) stop = true;
      if (options.info_log != nullptr) {
        options.info_log->Log(absl::StrCat("WAL replay dropped ", drops.dropped_bytes, " bytes of ",
                                           fname, ": ", drops.first_drop.message()));
      }
    }
  }
  return result;
}

}  // namespace kvlsm
