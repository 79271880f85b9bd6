// Version and VersionSet: which tables make up the tree, and the MANIFEST that records it.
//
// A Version is an immutable list of tables per level. Level 0 holds tables flushed from
// memtables, which may overlap; they are kept newest first. Levels 1 and up hold tables
// with disjoint key ranges, sorted by key. Readers hold a shared_ptr to the Version they
// read, so a table stays on disk while any reader may need it.
//
// The VersionSet owns the current Version and the MANIFEST: LogAndApply appends a
// VersionEdit to the MANIFEST, syncs it, and installs the Version it produces. When no
// MANIFEST is open (at start, or after a failed write) it first starts a new one holding
// a snapshot of the whole state and points CURRENT at it.
//
// Thread safety: Version is immutable and safe to share. VersionSet is not synchronized;
// DBImpl calls it with its mutex held.
#ifndef KVLSM_MANIFEST_VERSION_SET_H_
#define KVLSM_MANIFEST_VERSION_SET_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "base/dbformat.h"
#include "manifest/version_edit.h"
#include "kvlsm/env.h"
#include "kvlsm/iterator.h"
#include "kvlsm/options.h"

namespace kvlsm {

class GetContext;
class LogWriter;
class TableCache;

using FileList = std::vector<std::shared_ptr<const FileMetaData>>;

class Version {
 public:
  Version(const InternalKeyComparator* comparator, TableCache* table_cache)
      : comparator_(comparator), table_cache_(table_cache) {}

  // Feeds ctx the entries for user_key visible at snapshot, newest first, from every
  // table that may hold it, until ctx is decided. Errors name the table.
  absl::Status Get(const ReadOptions& options, std::string_view user_key, SequenceNumber snapshot,
                   GetContext* ctx) const;

  // Appends iterators that together cover every table: one per level-0 table, one
  // concatenating iterator per deeper level.
  void AddIterators(const ReadOptions& options,
                    std::vector<std::unique_ptr<Iterator>>* iterators) const;

  const FileList& files(int level) const { return files_[level]; }
  int NumFiles(int level) const { return static_cast<int>(files_[level].size()); }
  uint64_t LevelBytes(int level) const;

 private:
  friend class VersionSet;
  friend class VersionBuilder;

  const InternalKeyComparator* const comparator_;
  TableCache* const table_cache_;
  FileList files_[kNumLevels];
};

class VersionSet {
 public:
  VersionSet(const std::string& dbname, const Options* options, TableCache* table_cache,
             const InternalKeyComparator* comparator);
  ~VersionSet();
  VersionSet(const VersionSet&) = delete;
  VersionSet& operator=(const VersionSet&) = delete;

  // Reads CURRENT and the MANIFEST it names; builds the current Version. Checks the
  // comparator and merge-operator names against the options (InvalidArgument) and, with
  // paranoid_checks, that every table's files exist with their recorded sizes (DataLoss
  // naming the file). Sets *last_sequence.
  absl::Status Recover(SequenceNumber* last_sequence);

  // Records edit (after filling in next_file_number and last_sequence) in the MANIFEST,
  // durably, then makes its result the current Version. On failure nothing changes, and
  // the next call starts a new MANIFEST.
  absl::Status LogAndApply(VersionEdit* edit, SequenceNumber last_sequence);

  std::shared_ptr<const Version> current() const { return current_; }

  uint64_t NewFileNumber() { return next_file_number_++; }
  // Ensures later NewFileNumber calls return numbers above `number`.
  void MarkFileNumberUsed(uint64_t number);
  uint64_t log_number() const { return log_number_; }

  // False for a MANIFEST that may be deleted.
  bool IsLiveManifest(uint64_t number) const;

  // Adds the numbers of every table referenced by any Version still in use.
  void AddLiveFiles(std::set<uint64_t>* live);

 private:
  // Starts a new MANIFEST holding the whole state and points CURRENT at it.
  absl::Status WriteSnapshot(SequenceNumber last_sequence);
  void EncodeSnapshot(VersionEdit* edit, SequenceNumber last_sequence) const;

  const std::string dbname_;
  const Options* const options_;
  TableCache* const table_cache_;
  const InternalKeyComparator* const comparator_;

  std::shared_ptr<const Version> current_;
  std::vector<std::weak_ptr<const Version>> versions_;  // Every Version handed out.
  uint64_t next_file_number_ = 2;
  uint64_t log_number_ = 0;
  uint64_t manifest_number_ = 0;
  std::unique_ptr<LogWriter> manifest_;  // Null until a MANIFEST is started.
  std::set<uint64_t> kept_manifests_;    // Possibly named by CURRENT after a failure.
};

}  // namespace kvlsm

#endif  // KVLSM_MANIFEST_VERSION_SET_H_
