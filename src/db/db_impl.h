// DBImpl: the engine behind kvlsm::DB.
//
// Locking. One mutex, mu_, guards the DB's mutable state: the memtable list, the WAL
// writer, the writer queue, snapshots, counters and the background error. The active
// memtable is written by one thread at a time (the write-group leader, which holds the
// leader role but not mu_ while it writes) and read lock-free by everyone else. Readers
// copy the memtable pointers and the last sequence under mu_ and then work unlocked.
//
// Write path (group commit): a writer enqueues itself; the writer at the head of the
// queue becomes the leader, takes the batches of the writers queued behind it, appends
// them as one WAL record with one write (one fdatasync when any of them asked for sync),
// inserts them into the memtable, publishes the new last sequence and wakes the group.
#ifndef KVLSM_DB_DB_IMPL_H_
#define KVLSM_DB_DB_IMPL_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "db/dbformat.h"
#include "db/snapshot_list.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "util/mutex.h"

namespace kvlsm {

class LogWriter;
class MemTable;
class GetContext;

class DBImpl final : public DB {
 public:
  DBImpl(const Options& options, const std::string& dbname);
  ~DBImpl() override;

  // Locks the directory, creates or recovers the DB. Called once, by DB::Open.
  absl::Status OpenDB();

  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override;
  absl::Status Delete(const WriteOptions& options, std::string_view key) override;
  absl::Status Merge(const WriteOptions& options, std::string_view key,
                     std::string_view operand) override;
  absl::Status Write(const WriteOptions& options, WriteBatch* batch) override;
  absl::Status Get(const ReadOptions& options, std::string_view key, std::string* value) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  absl::Status Flush() override;
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override;
  std::optional<std::string> GetProperty(std::string_view name) override;

 private:
  struct Writer;

  // Creates the files of a new, empty DB.
  absl::Status NewDB();
  // Replays the WAL files named in the directory into memtables.
  absl::Status Recover() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts a fresh MANIFEST recording the current state and points CURRENT at it.
  absl::Status WriteManifestSnapshot() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Creates WAL `number` and makes its directory entry durable.
  absl::Status OpenNewLog(uint64_t number) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Rewrites every recovered memtable entry into the active WAL, so that older WALs,
  // which no longer describe the recovered state, can be deleted.
  absl::Status RelogMemtables() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The write path; a null batch seals the active memtable (DB::Flush).
  absl::Status WriteImpl(const WriteOptions& options, WriteBatch* batch);
  // Seals the active memtable when it is full or `force` (and a new WAL with it).
  absl::Status MakeRoomForWrite(bool force) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Gathers the batches of the writers queued behind the leader into one batch; sets
  // *sync when any of them asked for sync.
  WriteBatch* BuildBatchGroup(Writer** last_writer, bool* sync) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records a failed WAL or MANIFEST write: the DB turns read-only.
  void SetBackgroundError(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes obsolete files (old logs and MANIFESTs, temporary files).
  void DeleteObsoleteFiles() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string StatsString() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Log(std::string_view message);

  // Constant after construction.
  const Options options_;  // With env, comparator and info_log filled in.
  const std::string dbname_;
  Env* const env_;
  const InternalKeyComparator internal_comparator_;

  // Set during OpenDB, constant afterwards.
  std::unique_ptr<FileLock> db_lock_;

  // What a reader needs, replaced as a whole (copy-on-write) when a memtable is sealed,
  // so that a read copies one pointer under mu_.
  struct ReadState {
    std::shared_ptr<MemTable> mem;               // The active memtable.
    std::vector<std::shared_ptr<MemTable>> imm;  // Sealed memtables, newest first.
  };

  mutable Mutex mu_;
  std::shared_ptr<Logger> info_log_;  // Set in OpenDB, then constant.
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
  WriteBatch group_batch_ ABSL_GUARDED_BY(mu_);  // Scratch for BuildBatchGroup.
  // Replaced only by the write-group leader, under mu_.
  std::shared_ptr<const ReadState> read_state_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<LogWriter> log_ ABSL_GUARDED_BY(mu_);
  uint64_t log_number_ ABSL_GUARDED_BY(mu_) = 0;      // Of the active WAL.
  uint64_t min_log_number_ ABSL_GUARDED_BY(mu_) = 0;  // Oldest WAL still needed.
  uint64_t next_file_number_ ABSL_GUARDED_BY(mu_) = 2;
  uint64_t manifest_number_ ABSL_GUARDED_BY(mu_) = 0;
  SequenceNumber last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  SnapshotList snapshots_ ABSL_GUARDED_BY(mu_);
  // Non-OK after a failed WAL write or sync: the DB then refuses writes.
  absl::Status background_error_ ABSL_GUARDED_BY(mu_);

  // Counters for kvlsm.stats.
  struct Stats {
    uint64_t writes = 0;        // Write calls completed.
    uint64_t write_groups = 0;  // WAL records written (one per group).
    uint64_t wal_bytes = 0;
    uint64_t wal_syncs = 0;
    uint64_t memtable_switches = 0;
    uint64_t recovered_records = 0;
    uint64_t recovery_dropped_bytes = 0;
  };
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kvlsm

#endif  // KVLSM_DB_DB_IMPL_H_
