// ReadView: one consistent view of a DB for a read — the memtables (active and sealed),
// the Version and the last sequence number — and the reads that DBImpl and DBReadOnly both
// serve through it: Get, NewIterator (with its bound check), the sequence a ReadOptions'
// snapshot names, and the properties that the view and the caches answer alone.
//
// The owner keeps its memtables and Version in a ReadState, replaced as a whole
// (copy-on-write) when they change, and makes a view per read by copying the state pointer
// and its last sequence (DBImpl under its mutex; DBReadOnly's never change after Load).
//
// Thread safety: a ReadView and the ReadState it shares are immutable; any number of
// threads may read through views concurrently, without the owner's lock. The active
// memtable may meanwhile grow (DBImpl's write-group leader inserts into it), which
// MemTable allows; entries above the view's sequence stay invisible.
#ifndef KVLSM_DB_READ_VIEW_H_
#define KVLSM_DB_READ_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/dbformat.h"
#include "cache/table_cache.h"
#include "kvlsm/db.h"
#include "kvlsm/iterator.h"
#include "kvlsm/options.h"
#include "manifest/version_set.h"

namespace kvlsm {

class MemTable;

// What every read of one DB uses; the pointees outlive the DB's views.
struct ReadContext {
  const Options* options = nullptr;  // Sanitized: comparator and block cache set.
  const InternalKeyComparator* internal_comparator = nullptr;
  TableCache* table_cache = nullptr;
};

// A sealed memtable and the WAL that starts after it: once it is flushed, WALs
// numbered below next_log_number hold nothing live (DBImpl; 0 in a read-only DB).
struct SealedMemTable {
  std::shared_ptr<MemTable> mem;
  uint64_t next_log_number = 0;
};

// The memtables and Version a reader sees, replaced as a whole (copy-on-write).
struct ReadState {
  // The active memtable. Null only in a read-only DB whose WALs held nothing.
  std::shared_ptr<MemTable> mem;
  std::vector<SealedMemTable> imm;  // Sealed memtables, newest first.
  std::shared_ptr<const Version> version;
};

// Sums over the memtables of a ReadState.
struct MemTableTotals {
  size_t count = 0;  // Memtables, the active one included.
  size_t bytes = 0;  // ApproximateMemoryUsage.
  uint64_t entries = 0;
  uint64_t deletes = 0;
};

class ReadView {
 public:
  // REQUIRES: state and state->version are not null.
  ReadView(const ReadContext& context, std::shared_ptr<const ReadState> state,
           SequenceNumber last_sequence);

  const ReadState& state() const { return *state_; }
  SequenceNumber last_sequence() const { return last_sequence_; }

  // The sequence number to read at: that of options.snapshot when set (a Snapshot of
  // this DB), else the last sequence.
  SequenceNumber ReadSequence(const ReadOptions& options) const;

  // DB::Get: the memtables newest first, then the Version.
  absl::Status Get(const ReadOptions& options, std::string_view key, std::string* value) const;

  // DB::NewIterator. The iterator keeps `pin` alive, which must own the state (DBImpl
  // adds a release hook); null: the iterator keeps the state itself alive.
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        std::shared_ptr<const void> pin = nullptr) const;

  MemTableTotals MemTables() const;

  // The properties of kvlsm/db.h that the view and the caches answer:
  // cur-size-all-mem-tables, num-immutable-mem-table, num-entries-active-mem-table,
  // last-sequence, index-and-filter-memory, block-cache-*, total-table-bytes and
  // num-files-at-level<N>. nullopt for any other name.
  std::optional<std::string> GetProperty(std::string_view name) const;

 private:
  const ReadContext context_;
  const std::shared_ptr<const ReadState> state_;
  const SequenceNumber last_sequence_;
};

}  // namespace kvlsm

#endif  // KVLSM_DB_READ_VIEW_H_
