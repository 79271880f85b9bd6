// DBImpl: the engine behind kvlsm::DB.
//
// Locking. One mutex, mu_, guards the DB's mutable state: the memtable list, the WAL
// writer, the writer queue, snapshots, counters and the background error. The active
// memtable is written by one thread at a time (the write-group leader, which holds the
// leader role but not mu_ while it writes) and read lock-free by everyone else. Readers
// copy the memtable pointers and the last sequence under mu_ (a ReadView, db/read_view.h)
// and then work unlocked.
//
// Write path (group commit): a writer enqueues itself; the writer at the head of the
// queue becomes the leader, takes the batches of the writers queued behind it, appends
// them as one WAL record with one write (one fdatasync when any of them asked for sync),
// inserts them into the memtable, publishes the new last sequence and wakes the group.
//
// Flush: a full memtable is sealed (with its WAL) and a background thread writes it as a
// level-0 table pair; a VersionEdit in the MANIFEST publishes the table and retires the
// WALs it covered. Writers slow down, then stop, when sealed memtables pile up.
//
// Compaction: after every change of the tree a background thread asks the compaction
// policy for a pick (on a CompactionPicture, without mu_), checks it, marks its inputs
// being compacted and runs the job without mu_; one VersionEdit publishes the outputs and
// retires the inputs. Options::max_background_jobs threads share flushes and compactions;
// flushes go first and, with two or more threads, one thread never compacts. Writers slow
// down, then stop, while compaction is behind (WritePressure).
#ifndef KVLSM_DB_DB_IMPL_H_
#define KVLSM_DB_DB_IMPL_H_

#include <cstdint>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "compaction/compaction_stats.h"
#include "base/dbformat.h"
#include "db/read_view.h"
#include "db/snapshot_list.h"
#include "compaction/table_file_writer.h"
#include "cache/table_cache.h"
#include "manifest/version_set.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "util/mutex.h"

namespace kvlsm {

class LogWriter;
class MemTable;
class RateLimiter;
struct WritePressure;

class DBImpl final : public DB {
 public:
  DBImpl(const Options& options, const std::string& dbname);
  ~DBImpl() override;

  // Open and recovery (db_impl_open.cc).
  // Locks the directory, creates or recovers the DB. Called once, by DB::Open.
  absl::Status OpenDB();
  absl::Status Resume() override;

  // The write path (db_impl_write.cc).
  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override;
  absl::Status Delete(const WriteOptions& options, std::string_view key) override;
  absl::Status Merge(const WriteOptions& options, std::string_view key,
                     std::string_view operand) override;
  absl::Status Write(const WriteOptions& options, WriteBatch* batch) override;

  // The read path (db_impl_read.cc).
  absl::Status Get(const ReadOptions& options, std::string_view key, std::string* value) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  std::optional<std::string> GetProperty(std::string_view name) override;

  // Flush and compaction (db_impl_background.cc).
  absl::Status Flush() override;
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override;

  // For tests: returns once no flush or compaction is running or due (or the DB is
  // read-only), so that the tree and the files on disk stay as they are until the next
  // write. Returns the background error.
  absl::Status TEST_WaitForBackgroundWork();

 private:
  // A caller of WriteImpl (or Resume) waiting in writers_ for its turn.
  struct Writer {
    Writer(WriteBatch* b, bool s, Mutex* mu) : batch(b), sync(s), cv(mu) {}
    WriteBatch* const batch;  // Null: seal the memtable (Flush).
    const bool sync;
    bool done = false;
    absl::Status status;
    CondVar cv;
  };

  // Prefixes a status's message with context, keeping its code.
  static absl::Status Annotate(const absl::Status& s, std::string_view context);

  // Creates the files of a new, empty DB.
  absl::Status NewDB();
  // Recovers the tree from the MANIFEST and the WALs, writing what the WALs held as
  // level-0 tables, and starts a new WAL and MANIFEST.
  absl::Status Recover() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Creates WAL `number` and makes its directory entry durable.
  absl::Status OpenNewLog(uint64_t number) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The write path; a null batch seals the active memtable (DB::Flush).
  absl::Status WriteImpl(const WriteOptions& options, WriteBatch* batch);
  // Seals the active memtable when it is full or `force` (and a new WAL with it); slows
  // down or stops a writer of `bytes` while sealed memtables wait for a flush or while
  // compaction is behind.
  absl::Status MakeRoomForWrite(bool force, uint64_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  WritePressure CurrentWritePressure() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Gathers the batches of the writers queued behind the leader into one batch; sets
  // *sync when any of them asked for sync.
  WriteBatch* BuildBatchGroup(Writer** last_writer, bool* sync) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records a failed WAL, flush or MANIFEST write: the DB turns read-only.
  void SetBackgroundError(const absl::Status& status, std::string_view what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  BuildTableOptions TableBuildOptions() const;
  // Writes `mem` as a level-0 table pair (releasing mu_ meanwhile); fills *meta. An
  // empty memtable writes nothing (meta->data_size stays 0).
  absl::Status WriteLevel0Table(const MemTable& mem, FileMetaData* meta)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Flushes the oldest sealed memtable and publishes the result.
  absl::Status FlushOldestMemTable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes versions_->current() the Version readers see; compaction may have work now.
  void InstallVersion() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A background thread: flushes sealed memtables and runs compactions until shutdown.
  void BackgroundLoop();
  bool CompactionSlotFree() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  CompactionPicture MakePicture(const Version& version) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Asks the policy for a compaction (releasing mu_ meanwhile) and runs it.
  void PickAndRunCompaction() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs a checked pick made on `version`, which must still be current: drops, moves or
  // rewrites the inputs (releasing mu_ while a job runs) and publishes the result. The
  // caller deletes the obsolete files once it holds no reference to `version`.
  absl::Status RunCompaction(const std::shared_ptr<const Version>& version,
                             const CompactionPick& pick) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records edit in the MANIFEST and installs the new Version. On failure the tables the
  // edit adds join unrecorded_tables_.
  absl::Status ApplyEdit(VersionEdit* edit, std::string_view what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Resume's work: every memtable to tables, a new WAL and MANIFEST.
  absl::Status RecoverFromBackgroundError() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes files no Version, pending output or live WAL needs.
  void DeleteObsoleteFiles() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What a read sees now: read_state_ at last_sequence_.
  ReadView View() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return ReadView(read_context_, read_state_, last_sequence_);
  }
  // kvlsm.stats, given the policy's view of the current Version.
  std::string StatsString(uint64_t pending_compaction_bytes, const std::vector<double>& scores)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Log(std::string_view message);

  // Constant after construction.
  const Options options_;  // Sanitized: env, comparator, block cache and info log set.
  const std::string dbname_;
  const std::string index_dir_;  // Where .idx files live: options_.index_path or dbname_.
  Env* const env_;
  const InternalKeyComparator internal_comparator_;
  std::unique_ptr<TableCache> table_cache_;
  const ReadContext read_context_;

  // Set during OpenDB, constant afterwards.
  std::unique_ptr<FileLock> db_lock_;
  std::shared_ptr<Logger> info_log_;

  mutable Mutex mu_;
  CondVar bg_cv_{&mu_};  // Signalled when background work is queued or completes.
  std::unique_ptr<VersionSet> versions_ ABSL_GUARDED_BY(mu_);
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
  WriteBatch group_batch_ ABSL_GUARDED_BY(mu_);  // Scratch for BuildBatchGroup.
  // What a reader needs (db/read_view.h), replaced as a whole (copy-on-write) when a
  // memtable is sealed or flushed, so that a read copies one pointer under mu_. Replaced
  // only under mu_, by the write-group leader or the flush.
  std::shared_ptr<const ReadState> read_state_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<LogWriter> log_ ABSL_GUARDED_BY(mu_);
  uint64_t log_number_ ABSL_GUARDED_BY(mu_) = 0;  // Of the active WAL.
  SequenceNumber last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  SnapshotList snapshots_ ABSL_GUARDED_BY(mu_);
  // Tables being written, not yet in a Version: never delete them.
  std::set<uint64_t> pending_outputs_ ABSL_GUARDED_BY(mu_);
  // Tables of a flush or compaction whose MANIFEST write failed: the edit naming them may
  // still be in the MANIFEST, so they stay until a later MANIFEST write succeeds (it
  // starts a new MANIFEST, which settles whether they are live).
  std::set<uint64_t> unrecorded_tables_ ABSL_GUARDED_BY(mu_);
  // Non-OK after a failed WAL, flush or MANIFEST write: the DB then refuses writes.
  absl::Status background_error_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> shutting_down_ = false;  // Written under mu_; jobs poll it.
  bool write_stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> background_threads_;

  // Background work in progress.
  bool flush_running_ ABSL_GUARDED_BY(mu_) = false;
  bool picking_ ABSL_GUARDED_BY(mu_) = false;  // A thread is asking the policy.
  // False once the policy found nothing to do in the current Version.
  bool compaction_may_have_work_ ABSL_GUARDED_BY(mu_) = true;
  // An iterator released a Version that is no longer current: sweep obsolete files.
  bool obsolete_files_pending_ ABSL_GUARDED_BY(mu_) = false;
  std::set<uint64_t> being_compacted_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, RunningCompaction> running_compactions_ ABSL_GUARDED_BY(mu_);
  uint64_t next_compaction_id_ ABSL_GUARDED_BY(mu_) = 1;
  // The policy's estimate at its latest pick.
  uint64_t pending_compaction_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<RateLimiter> rate_limiter_;  // Null: no compaction rate limit.
  CompactionStats compaction_stats_ ABSL_GUARDED_BY(mu_);

  // Counters for kvlsm.stats.
  struct Stats {
    uint64_t writes = 0;        // Write calls completed.
    uint64_t write_groups = 0;  // WAL records written (one per group).
    uint64_t wal_bytes = 0;
    uint64_t wal_syncs = 0;
    uint64_t memtable_switches = 0;
    uint64_t recovered_records = 0;
    uint64_t recovery_dropped_bytes = 0;
    uint64_t flushes = 0;
    uint64_t flush_bytes = 0;     // Bytes of tables written by flushes.
    uint64_t delayed_writes = 0;  // Write groups slowed down.
    uint64_t stopped_writes = 0;  // Write groups that waited for background work.
    uint64_t stall_micros = 0;    // Time writers spent delayed or stopped.
  };
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kvlsm

#endif  // KVLSM_DB_DB_IMPL_H_
