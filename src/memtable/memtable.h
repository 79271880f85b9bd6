// MemTable: the in-memory, sorted, multi-version buffer of recent writes.
//
// Every Add is kept (nothing is overwritten): the table holds all versions of every key,
// ordered by InternalKeyComparator (user key ascending, then sequence descending), and is
// frozen, then flushed to a table file, as a whole.
//
// Thread safety: Add requires external synchronization (one Add at a time; the DB's write
// leader). Get, NewIterator and the iterators, ApproximateMemoryUsage, num_entries and
// num_deletes may be called from any number of threads concurrently with each other and
// with an Add; a reader sees every Add that finished before it started (as ordered by the
// writer's synchronization) and may or may not see one in progress.
//
// Lifetime: the DB holds each MemTable by std::shared_ptr; iterators must not outlive it.
//
// Memory layout: each entry is one arena allocation holding the skiplist node followed by
//   entry := varint32(internal_key.size()) internal_key varint32(value.size()) value
// so that a search touches one cache line per node visited, not two.
#ifndef KVLSM_MEMTABLE_MEMTABLE_H_
#define KVLSM_MEMTABLE_MEMTABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/dbformat.h"
#include "kvlsm/iterator.h"
#include "memtable/arena.h"
#include "memtable/skiplist.h"

namespace kvlsm {

class GetContext;

class MemTable {
 public:
  // Copies the comparator (which refers to a user comparator that must outlive the table).
  explicit MemTable(const InternalKeyComparator& comparator);
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;
  ~MemTable();

  // Adds an entry for user_key at sequence seq. For kDelete the value is normally empty.
  // REQUIRES: external synchronization: one Add at a time (concurrent with reads).
  // REQUIRES: seq <= kMaxSequenceNumber, and no entry with the same (user_key, seq, type)
  // was added before (the DB gives every entry of a batch its own sequence number).
  void Add(SequenceNumber seq, ValueType type, std::string_view user_key, std::string_view value);

  // Feeds ctx the entries for user_key with sequence <= snapshot, newest first, until
  // ctx->SaveValue returns false. Returns true when ctx is decided (done), false when
  // older sources must be consulted (no entry here, or only Merge operands).
  bool Get(std::string_view user_key, SequenceNumber snapshot, GetContext* ctx) const;

  // An iterator over all entries (every version): key() is the internal key, value() the
  // value, in InternalKeyComparator order. Supports every Iterator method; Seek and
  // SeekForPrev take internal keys (REQUIRES: at least 8 bytes). Prev costs a search from
  // the head of the skiplist. status() is always OK. It must not outlive the
  // MemTable. Entries added after its creation may or may not be visible to it.
  std::unique_ptr<Iterator> NewIterator() const;

  // Bytes of memory held by the table's arena (includes per-entry overhead). Safe to call
  // concurrently with Add.
  size_t ApproximateMemoryUsage() const { return arena_.MemoryUsage(); }

  // Entries added so far, and how many of them were deletes. Safe to call concurrently.
  uint64_t num_entries() const { return num_entries_.load(std::memory_order_relaxed); }
  uint64_t num_deletes() const { return num_deletes_.load(std::memory_order_relaxed); }

 private:
  class MemTableIterator;

  // Orders arena entries (varint32-length-prefixed internal keys) by internal key.
  struct EntryComparator {
    InternalKeyComparator comparator;
    int operator()(const char* a, const char* b) const;
  };
  using Table = SkipList<const char*, EntryComparator>;

  // Constant after construction.
  const EntryComparator comparator_;

  // Written under the external synchronization of Add; read concurrently.
  Arena arena_;
  Table table_;
  std::atomic<uint64_t> num_entries_{0};
  std::atomic<uint64_t> num_deletes_{0};
};

}  // namespace kvlsm

#endif  // KVLSM_MEMTABLE_MEMTABLE_H_
