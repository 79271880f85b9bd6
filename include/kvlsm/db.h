// kvlsm/db.h: the key-value store.
//
// A DB is a persistent, ordered map from byte-string keys to byte-string values, in one
// directory, used by one process at a time (a LOCK file enforces it).
//
// Thread safety: every method of DB may be called concurrently from any number of threads
// without external synchronization. Writes are atomic and totally ordered; a read sees
// every write acknowledged before it started.
//
// Errors: NotFound for a missing key; DataLoss for damaged files, naming the file and
// offset; InvalidArgument for bad options or arguments; I/O failures carry the errno text
// and the file. After a failed WAL write, flush, compaction or MANIFEST write the DB turns
// read-only: later writes return the original error, reads go on working, and Resume()
// leaves read-only mode once the cause is gone.
#ifndef KVLSM_DB_H_
#define KVLSM_DB_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/export.h"
#include "kvlsm/iterator.h"
#include "kvlsm/options.h"
#include "kvlsm/write_batch.h"

namespace kvlsm {

// An immutable view of the DB at one point of history. Obtain with DB::GetSnapshot, give
// back with DB::ReleaseSnapshot.
class KVLSM_EXPORT Snapshot {
 protected:
  virtual ~Snapshot() = default;
};

class KVLSM_EXPORT DB {
 public:
  // Opens (and, with create_if_missing, creates) the DB in directory `path`, replaying its
  // write-ahead logs. Fails with InvalidArgument for invalid options or a comparator or
  // merge operator whose name differs from the recorded one, NotFound when there is no DB
  // and !create_if_missing, AlreadyExists with error_if_exists, FailedPrecondition when
  // another DB object or process holds the DB, DataLoss per Options::wal_recovery_mode.
  static absl::StatusOr<std::unique_ptr<DB>> Open(const Options& options, const std::string& path);

  // Opens the DB in `path` for reading only, e.g. beside the process that has it open, or
  // on a damaged copy. It takes no LOCK and writes nothing (no file is created, changed or
  // deleted; Options::info_log is used when set, no LOG file is made): the tree is read
  // from the MANIFEST and the write-ahead logs are replayed into memory only. The result
  // is the state at the moment of the call; a concurrent writer's later changes are not
  // seen (reopen to see them), and reads fail with DataLoss or NotFound once that writer
  // deletes a table they need. Put, Delete, Merge, Write, Flush and CompactRange return
  // FailedPrecondition. Fails with NotFound when there is no DB (create_if_missing and
  // error_if_exists are ignored), and like Open for options, plugin names and damage
  // (Options::paranoid_checks and wal_recovery_mode apply).
  static absl::StatusOr<std::unique_ptr<DB>> OpenReadOnly(const Options& options,
                                                          const std::string& path);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Waits for background work, then closes every file. Snapshots and iterators must be
  // released first.
  virtual ~DB() = default;

  virtual absl::Status Put(const WriteOptions& options, std::string_view key,
                           std::string_view value) = 0;
  // Deleting a missing key is not an error.
  virtual absl::Status Delete(const WriteOptions& options, std::string_view key) = 0;
  // Records `operand` for key, folded by Options::merge_operator on read.
  // InvalidArgument when no merge operator is configured.
  virtual absl::Status Merge(const WriteOptions& options, std::string_view key,
                             std::string_view operand) = 0;
  // Applies every update in *batch atomically. batch may be reused after the call.
  // REQUIRES: batch != nullptr.
  virtual absl::Status Write(const WriteOptions& options, WriteBatch* batch) = 0;

  // Stores the value of key in *value and returns OK; NotFound (leaving *value unchanged)
  // when there is none. REQUIRES: value != nullptr.
  virtual absl::Status Get(const ReadOptions& options, std::string_view key,
                           std::string* value) = 0;

  // An iterator over the DB as of options.snapshot or now. Initially !Valid(): seek first.
  // The iterator must be destroyed before the DB.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;

  // A handle on the current state; reads through it see nothing written later.
  // Give it back with ReleaseSnapshot.
  virtual const Snapshot* GetSnapshot() = 0;
  // REQUIRES: snapshot came from this DB's GetSnapshot and was not released yet.
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // Writes every memtable holding data to level-0 tables and returns once they are
  // recorded in the MANIFEST: every write acknowledged before the call is then durable.
  // Returns the error that stopped it (the DB is then read-only; see above).
  virtual absl::Status Flush() = 0;

  // Compacts the data in [begin, end] (std::nullopt: unbounded on that side) and returns
  // when done: flushes the memtables, then rewrites every table overlapping the range,
  // level by level, into the deepest level holding data, dropping shadowed versions and
  // tombstones no snapshot needs (docs/compaction.md). Waits for background compactions
  // of the same tables. InvalidArgument when begin > end. With a policy that never
  // rewrites (FIFO) it only flushes.
  virtual absl::Status CompactRange(std::optional<std::string_view> begin,
                                    std::optional<std::string_view> end) = 0;

  // The value of a named property, or std::nullopt for an unknown name. Names:
  //   "kvlsm.stats"                       a human-readable summary, with a per-level table of
  //                                       compactions (files, bytes, score, bytes read and
  //                                       written, write amplification) and stall time
  //   "kvlsm.cur-size-all-mem-tables"     bytes held by all memtables
  //   "kvlsm.num-immutable-mem-table"     sealed memtables waiting for their flush
  //   "kvlsm.num-entries-active-mem-table"
  //   "kvlsm.num-files-at-level<N>"       tables in level N (0..6)
  //   "kvlsm.total-table-bytes"           bytes of all live tables (.sst + .idx)
  //   "kvlsm.index-and-filter-memory"     bytes pinned by the open tables' index and filter
  //   "kvlsm.block-cache-capacity", "kvlsm.block-cache-usage",
  //   "kvlsm.block-cache-hits", "kvlsm.block-cache-misses"
  //   "kvlsm.estimate-pending-compaction-bytes"  bytes the policy still has to compact
  //   "kvlsm.estimate-num-keys"           entries minus deletions in memtables and tables
  //                                       (overwritten versions not yet compacted count)
  //   "kvlsm.num-running-compactions"
  //   "kvlsm.num-compactions"             compactions completed since Open (rewrites, moves
  //                                       and drops)
  //   "kvlsm.is-write-stopped"            "1" while writers wait for a flush or a
  //                                       compaction, else "0"
  //   "kvlsm.num-delayed-writes"          write groups slowed down so far (full memtables or
  //                                       compaction behind)
  //   "kvlsm.stall-micros"                time writers spent slowed down or stopped
  //   "kvlsm.num-snapshots"
  //   "kvlsm.last-sequence"               sequence number of the latest write
  //   "kvlsm.background-error"            "OK" or the error that made the DB read-only
  virtual std::optional<std::string> GetProperty(std::string_view name) = 0;

  // Leaves read-only mode after the error that caused it is gone (a full disk emptied, a
  // device back): writes every memtable to tables and starts a new WAL and MANIFEST, so
  // that nothing depends on a file whose last write or sync failed (a failed sync is never
  // retried). OK when the DB was not read-only. On failure the DB stays read-only and the
  // error is returned; Resume may be called again.
  virtual absl::Status Resume() = 0;
};

// Deletes the DB in `path` (its files and, when then empty, the directory). OK when there
// is nothing there. FailedPrecondition when the DB is open.
KVLSM_EXPORT absl::Status DestroyDB(const std::string& path, const Options& options);

}  // namespace kvlsm

#endif  // KVLSM_DB_H_
