// DBImpl's write path: Put, Delete, Merge and Write, the writer queue and group commit
// (WriteImpl, BuildBatchGroup), and MakeRoomForWrite, which seals a full memtable and
// slows down or stops writers while flushes or compactions are behind.
#include <utility>

#include "absl/strings/str_cat.h"
#include "db/db_impl.h"
#include "db/write_batch_internal.h"
#include "db/write_pressure.h"
#include "memtable/memtable.h"
#include "wal/log_writer.h"

namespace kvlsm {

absl::Status DBImpl::Put(const WriteOptions& options, std::string_view key,
                         std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return WriteImpl(options, &batch);
}

absl::Status DBImpl::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return WriteImpl(options, &batch);
}

absl::Status DBImpl::Merge(const WriteOptions& options, std::string_view key,
                           std::string_view operand) {
  if (!options_.merge_operator) {
    return absl::InvalidArgumentError("DB::Merge: Options::merge_operator is not set");
  }
  WriteBatch batch;
  batch.Merge(key, operand);
  return WriteImpl(options, &batch);
}

absl::Status DBImpl::Write(const WriteOptions& options, WriteBatch* batch) {
  if (batch == nullptr) return absl::InvalidArgumentError("DB::Write: batch is null");
  if (!options_.merge_operator && WriteBatchInternal::HasMerge(*batch)) {
    return absl::InvalidArgumentError(
        "DB::Write: the batch holds a Merge but Options::merge_operator is not set");
  }
  return WriteImpl(options, batch);
}

absl::Status DBImpl::WriteImpl(const WriteOptions& options, WriteBatch* batch) {
  Writer w(batch, options.sync, &mu_);
  MutexLock l(&mu_);
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.Wait();
  if (w.done) return w.status;

  // This writer leads a group.
  absl::Status status = background_error_;
  if (status.ok()) {
    status = MakeRoomForWrite(/*force=*/batch == nullptr,
                              batch == nullptr ? 0 : WriteBatchInternal::ByteSize(*batch));
  }
  Writer* last_writer = &w;
  if (status.ok() && batch == nullptr) {
    // Flush: make everything acknowledged so far durable.
    status = log_->Sync();
    if (status.ok()) {
      ++stats_.wal_syncs;
    } else {
      SetBackgroundError(status, "WAL sync");
    }
  } else if (status.ok()) {
    bool sync = false;
    WriteBatch* group = BuildBatchGroup(&last_writer, &sync);
    const SequenceNumber first = last_sequence_ + 1;
    WriteBatchInternal::SetSequence(group, first);
    const uint32_t count = group->Count();
    LogWriter* log = log_.get();
    const std::shared_ptr<MemTable> mem = read_state_->mem;
    {
      // Only the leader touches the WAL and the active memtable, so both are safe to use
      // without mu_; new writers queue up meanwhile.
      mu_.Unlock();
      status = log->AddRecord(WriteBatchInternal::Contents(*group));
      if (status.ok() && sync) status = log->Sync();
      if (status.ok()) status = WriteBatchInternal::InsertInto(*group, mem.get());
      mu_.Lock();
    }
    if (status.ok()) {
      last_sequence_ = first + count - 1;  // Publish: readers may now see the group.
      ++stats_.write_groups;
      stats_.wal_bytes += WriteBatchInternal::ByteSize(*group);
      if (sync) ++stats_.wal_syncs;
    } else {
      SetBackgroundError(status, "WAL write");
    }
    if (group == &group_batch_) group_batch_.Clear();
  }

  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    ++stats_.writes;
    if (ready != &w) {
      ready->status = status;
      ready->done = true;
      ready->cv.Signal();
    }
    if (ready == last_writer) break;
  }
  if (!writers_.empty()) writers_.front()->cv.Signal();
  return status;
}

WriteBatch* DBImpl::BuildBatchGroup(Writer** last_writer, bool* sync) {
  Writer* first = writers_.front();
  WriteBatch* result = first->batch;
  *sync = first->sync;
  // Bound the group so a small write is not held up behind megabytes of others.
  size_t size = WriteBatchInternal::ByteSize(*first->batch);
  const size_t max_size = size <= (128 << 10) ? size + (128 << 10) : (1 << 20);
  *last_writer = first;
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    if (w->batch == nullptr) break;  // A Flush leads its own group.
    size += WriteBatchInternal::ByteSize(*w->batch);
    if (size > max_size) break;
    if (result == first->batch) {
      // Copy into the scratch batch rather than modify the caller's.
      result = &group_batch_;
      result->Clear();
      result->Append(*first->batch);
    }
    result->Append(*w->batch);
    *sync |= w->sync;
    *last_writer = w;
  }
  return result;
}

WritePressure DBImpl::CurrentWritePressure() {
  const bool compaction_can_help =
      compaction_may_have_work_ || picking_ || !running_compactions_.empty();
  return WritePressure::Compute(options_, read_state_->version->NumFiles(0),
                                pending_compaction_bytes_, compaction_can_help);
}

absl::Status DBImpl::MakeRoomForWrite(bool force, uint64_t bytes) {
  const size_t max_sealed = static_cast<size_t>(options_.max_write_buffer_number - 1);
  bool allow_delay = !force;
  bool counted_stop = false;
  while (true) {
    if (!background_error_.ok()) return background_error_;
    if (!force) {
      const WritePressure pressure = CurrentWritePressure();
      if (pressure.stopped) {
        // Compaction is too far behind: wait until it catches up.
        if (!write_stopped_) Log(absl::StrCat("writes stopped: ", pressure.cause));
        write_stopped_ = true;
        if (!counted_stop) ++stats_.stopped_writes;
        counted_stop = true;
        const uint64_t start = env_->NowMicros();
        bg_cv_.Wait();
        stats_.stall_micros += env_->NowMicros() - start;
        write_stopped_ = false;
        continue;
      }
      if (allow_delay && pressure.delayed_rate > 0) {
        const uint64_t delay = pressure.DelayMicros(bytes);
        const uint64_t start = env_->NowMicros();
        mu_.Unlock();
        env_->SleepForMicroseconds(static_cast<int64_t>(delay));
        mu_.Lock();
        allow_delay = false;
        ++stats_.delayed_writes;
        stats_.stall_micros += env_->NowMicros() - start;
        continue;
      }
    }
    const MemTable& mem = *read_state_->mem;
    const size_t used = mem.ApproximateMemoryUsage();
    const bool sealed_full = read_state_->imm.size() >= max_sealed;
    if (allow_delay && sealed_full && used >= options_.write_buffer_size / 4 * 3) {
      // The flush is behind and the active memtable is filling: slow this write group
      // down by 1 ms, once, so that the flush can catch up before writes stop altogether.
      const uint64_t start = env_->NowMicros();
      mu_.Unlock();
      env_->SleepForMicroseconds(1000);
      mu_.Lock();
      allow_delay = false;
      ++stats_.delayed_writes;
      stats_.stall_micros += env_->NowMicros() - start;
      continue;
    }
    if (force ? mem.num_entries() == 0 : used < options_.write_buffer_size) {
      return absl::OkStatus();
    }
    if (sealed_full) {
      // No room for another sealed memtable: wait for the flush.
      write_stopped_ = true;
      const uint64_t start = env_->NowMicros();
      bg_cv_.Wait();
      stats_.stall_micros += env_->NowMicros() - start;
      write_stopped_ = false;
      continue;
    }
    // Seal the memtable with its WAL. The old WAL is synced first: otherwise a synced
    // write in the new WAL could survive a power cut that loses unsynced writes before
    // it.
    absl::Status s = log_->Sync();
    if (s.ok()) s = log_->Close();
    if (s.ok()) s = OpenNewLog(versions_->NewFileNumber());
    if (!s.ok()) {
      SetBackgroundError(s, "WAL switch");
      return background_error_;
    }
    auto next = std::make_shared<ReadState>();
    next->mem = std::make_shared<MemTable>(internal_comparator_);
    next->imm.reserve(read_state_->imm.size() + 1);
    next->imm.push_back(SealedMemTable{read_state_->mem, log_number_});
    next->imm.insert(next->imm.end(), read_state_->imm.begin(), read_state_->imm.end());
    next->version = read_state_->version;
    read_state_ = std::move(next);
    ++stats_.memtable_switches;
    bg_cv_.SignalAll();  // Work for the flush thread.
    return absl::OkStatus();
  }
}

}  // namespace kvlsm
