// TableCache: the open tables of one DB, bounded by Options::max_open_files.
//
// Opening a table reads its whole .idx (index, filter, properties) and pins it in memory;
// the cache keeps the most recently used TableReaders open and closes the rest. The
// memory pinned by the open readers is reported as kvlsm.index-and-filter-memory.
//
// Thread safety: every method may be called concurrently.
#ifndef KVLSM_CACHE_TABLE_CACHE_H_
#define KVLSM_CACHE_TABLE_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "base/dbformat.h"
#include "base/file_meta_data.h"
#include "kvlsm/cache.h"
#include "kvlsm/env.h"
#include "kvlsm/filter_policy.h"
#include "kvlsm/iterator.h"
#include "kvlsm/options.h"

namespace kvlsm {

class GetContext;
class TableReader;

// OK when both files of table `file` exist with the sizes the MANIFEST records: the .sst
// in `dbname`, the .idx in `index_dir`. DataLoss naming the file otherwise ("table file
// <path>: missing (named by the MANIFEST)", "table file <path>, named by the MANIFEST,
// cannot be read: ...", "table file <path> has <n> bytes but the MANIFEST records <m>").
// TableCache::CheckFiles and kvlsm-inspect verify use it.
absl::Status CheckTableFiles(Env* env, const std::string& dbname, const std::string& index_dir,
                             const FileMetaData& file);

struct TableCacheOptions {
  Env* env = nullptr;
  std::string dbname;     // Where the .sst files live.
  std::string index_dir;  // Where the .idx files live.
  const InternalKeyComparator* comparator = nullptr;
  const FilterPolicy* filter_policy = nullptr;  // May be null.
  Cache* block_cache = nullptr;                 // May be null.
  bool paranoid_checks = true;
  int max_open_files = 1000;
};

class TableCache {
 public:
  explicit TableCache(const TableCacheOptions& options);
  ~TableCache();
  TableCache(const TableCache&) = delete;
  TableCache& operator=(const TableCache&) = delete;

  // Point lookup in one table; see TableReader::Get.
  absl::Status Get(const ReadOptions& options, const FileMetaData& file, std::string_view user_key,
                   SequenceNumber snapshot, GetContext* ctx);

  // An iterator over the table's internal keys. It keeps the table open while it lives.
  // On error, an empty iterator whose status() is the error.
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options, const FileMetaData& file);

  // OK when both files of the table exist with the sizes the MANIFEST records; DataLoss
  // naming the file otherwise.
  absl::Status CheckFiles(const FileMetaData& file) const;

  // Opens the table (reading and pinning its .idx) if it is not open yet.
  absl::Status Open(const FileMetaData& file);

  // Closes the table if open (call when the table is deleted).
  void Evict(uint64_t file_number);

  // Bytes of index and filter pinned by the open tables.
  size_t IndexAndFilterMemory() const { return pinned_bytes_.load(std::memory_order_relaxed); }

  struct Entry;  // What the cache holds per table; public for the cache's deleter.

 private:
  // A handle on the open table, opening it on a miss.
  absl::StatusOr<Cache::Handle*> FindTable(const FileMetaData& file);
  static TableReader* Reader(Cache* cache, Cache::Handle* handle);

  const TableCacheOptions options_;
  const std::shared_ptr<Cache> cache_;  // file number -> Entry, charge 1 per table.
  std::atomic<size_t> pinned_bytes_{0};
};

}  // namespace kvlsm

#endif  // KVLSM_CACHE_TABLE_CACHE_H_
