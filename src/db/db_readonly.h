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
// Reads go through a ReadView (db/read_view.h) of that state, the same code DBImpl reads
// through.
//
// Thread safety: after Load the state is immutable; every DB method may be called
// concurrently. Nothing is locked: a snapshot is a SnapshotImpl at the one last sequence,
// and only their number (an atomic) is kept.
#ifndef KVLSM_DB_DB_READONLY_H_
#define KVLSM_DB_DB_READONLY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/dbformat.h"
#include "cache/table_cache.h"
#include "db/read_view.h"
#include "db/snapshot_list.h"
#include "db/wal_replay.h"
#include "manifest/version_set.h"
#include "kvlsm/db.h"

namespace kvlsm {

class DBReadOnly final : public DB {
 public:
  // REQUIRES: options.Validate() is OK.
  DBReadOnly(const Options& options, const std::string& dbname);
  ~DBReadOnly() override;

  // Reads the MANIFEST and replays the WALs. Called once, by DB::OpenReadOnly.
  absl::Status Load();

  // Reads, through a ReadView of the state Load made.
  absl::Status Get(const ReadOptions& options, std::string_view key, std::string* value) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  std::optional<std::string> GetProperty(std::string_view name) override;

  // Refused with FailedPrecondition: nothing changes a read-only DB.
  absl::Status Put(const WriteOptions&, std::string_view, std::string_view) override;
  absl::Status Delete(const WriteOptions&, std::string_view) override;
  absl::Status Merge(const WriteOptions&, std::string_view, std::string_view) override;
  absl::Status Write(const WriteOptions&, WriteBatch*) override;
  absl::Status Flush() override;
  absl::Status CompactRange(std::optional<std::string_view>,
                            std::optional<std::string_view>) override;
  absl::Status Resume() override;

 private:
  // The MANIFEST that CURRENT names and its size: what changes when a writer records an
  // edit. ReadCurrentFile's errors (NotFound when there is no DB).
  absl::StatusOr<std::string> ManifestMark() const;
  // One attempt of Load: the MANIFEST, then the WALs it leaves live.
  absl::Status LoadOnce();
  absl::Status RefuseWrite(std::string_view operation) const;
  ReadView View() const { return ReadView(read_context_, state_, last_sequence_); }
  std::string StatsString() const;

  // Constant after construction.
  const Options options_;  // Sanitized: env, comparator and block cache set.
  const std::string dbname_;
  const std::string index_dir_;  // Where .idx files live: options_.index_path or dbname_.
  const InternalKeyComparator internal_comparator_;
  const std::unique_ptr<TableCache> table_cache_;
  const ReadContext read_context_;

  // Set by Load, constant afterwards.
  std::unique_ptr<VersionSet> versions_;
  // What the WALs held: the newest memtable stands for the active one (null when they
  // held nothing), the others for sealed ones.
  std::shared_ptr<const ReadState> state_;
  SequenceNumber last_sequence_ = 0;
  size_t num_logs_ = 0;     // WAL files replayed.
  WalReplayResult replay_;  // Its counters (the memtables moved to state_).

  std::atomic<size_t> num_snapshots_ = 0;  // Live snapshots, for kvlsm.num-snapshots.
};

}  // namespace kvlsm

#endif  // KVLSM_DB_DB_READONLY_H_
