// DBReadOnly: the DB that DB::OpenReadOnly returns (contract in kvlsm/db.h).
//
// It reads the tree from the MANIFEST with a VersionSet of its own (which writes nothing
// until LogAndApply, never called here) and replays the write-ahead logs into memtables
// with ReplayWals; the tables are read through a TableCache. No LOCK is taken and no file
// is created, so it may run beside the process that has the DB open. That process may
// change the DB while it is read (append to the MANIFEST, start a new one, delete the WALs
// a flush made obsolete); Load detects it by comparing CURRENT and the size of the
// MANIFEST it names before and after, and reads again, so that the state it keeps is one
// the writer had at some moment.
//
// Thread safety: after Load the state is immutable; every DB method may be called
// concurrently. mu_ guards only the snapshot list.
#ifndef KVLSM_DB_DB_READONLY_H_
#define KVLSM_DB_DB_READONLY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "base/dbformat.h"
#include "db/snapshot_list.h"
#include "cache/table_cache.h"
#include "manifest/version_set.h"
#include "db/wal_replay.h"
#include "kvlsm/db.h"
#include "util/mutex.h"

namespace kvlsm {

class MemTable;

class DBReadOnly final : public DB {
 public:
  // REQUIRES: options.Validate() is OK.
  DBReadOnly(const Options& options, const std::string& dbname);
  ~DBReadOnly() override;

  // Reads the MANIFEST and replays the WALs. Called once, by DB::OpenReadOnly.
  absl::Status Load();

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
  absl::Status Resume() override;

 private:
  // CURRENT's contents and the size of the MANIFEST it names: what changes when a writer
  // records an edit. NotFound when there is no DB.
  absl::StatusOr<std::string> ManifestMark() const;
  // One attempt of Load: the MANIFEST, then the WALs it leaves live.
  absl::Status LoadOnce();
  absl::Status RefuseWrite(std::string_view operation) const;
  SequenceNumber ReadSequence(const ReadOptions& options) const;
  std::string StatsString() const;

  // Constant after construction.
  const Options options_;  // Sanitized: env, comparator and block cache set.
  const std::string dbname_;
  const std::string index_dir_;  // Where .idx files live: options_.index_path or dbname_.
  const InternalKeyComparator internal_comparator_;
  const std::unique_ptr<TableCache> table_cache_;

  // Set by Load, constant afterwards.
  std::unique_ptr<VersionSet> versions_;
  std::shared_ptr<const Version> version_;
  std::vector<std::shared_ptr<MemTable>> memtables_;  // What the WALs held, newest first.
  SequenceNumber last_sequence_ = 0;
  size_t num_logs_ = 0;     // WAL files replayed.
  WalReplayResult replay_;  // Its counters (the memtables moved to memtables_).

  mutable Mutex mu_;
  SnapshotList snapshots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kvlsm

#endif  // KVLSM_DB_DB_READONLY_H_
