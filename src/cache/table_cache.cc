#include "cache/table_cache.h"

#include "absl/strings/str_format.h"
#include "base/filename.h"
#include "table/table_reader.h"
#include "util/coding.h"

namespace kvlsm {

// What the cache holds per open table.
struct TableCache::Entry {
  std::unique_ptr<TableReader> reader;
  std::atomic<size_t>* pinned_bytes;  // The owning TableCache's counter.
  size_t pinned = 0;
};

namespace {

void DeleteEntry(std::string_view, void* value) {
  auto* entry = static_cast<TableCache::Entry*>(value);
  entry->pinned_bytes->fetch_sub(entry->pinned, std::memory_order_relaxed);
  delete entry;
}

std::string CacheKey(uint64_t number) {
  std::string key;
  PutFixed64(&key, number);
  return key;
}

// Owns an iterator over a table and releases the table's cache handle after it.
class TableIterator final : public Iterator {
 public:
  TableIterator(std::unique_ptr<Iterator> iter, Cache* cache, Cache::Handle* handle)
      : iter_(std::move(iter)), cache_(cache), handle_(handle) {}
  ~TableIterator() override {
    iter_.reset();
    cache_->Release(handle_);
  }
  bool Valid() const override { return iter_->Valid(); }
  void SeekToFirst() override { iter_->SeekToFirst(); }
  void SeekToLast() override { iter_->SeekToLast(); }
  void Seek(std::string_view target) override { iter_->Seek(target); }
  void SeekForPrev(std::string_view target) override { iter_->SeekForPrev(target); }
  void Next() override { iter_->Next(); }
  void Prev() override { iter_->Prev(); }
  std::string_view key() const override { return iter_->key(); }
  std::string_view value() const override { return iter_->value(); }
  absl::Status status() const override { return iter_->status(); }

 private:
  std::unique_ptr<Iterator> iter_;
  Cache* const cache_;
  Cache::Handle* const handle_;
};

}  // namespace

TableCache::TableCache(const TableCacheOptions& options)
    : options_(options),
      cache_(NewLRUCache(static_cast<size_t>(std::max(options.max_open_files, 1)),
                         /*shard_bits=*/0)) {}

TableCache::~TableCache() = default;

absl::Status CheckTableFiles(Env* env, const std::string& dbname, const std::string& index_dir,
                             const FileMetaData& file) {
  // A table the MANIFEST names must exist with the recorded sizes; anything else is
  // damage, reported as such and naming the file.
  for (const auto& [name, expected] :
       {std::pair{TableFileName(dbname, file.number), file.data_size},
        std::pair{TableIndexFileName(index_dir, file.number), file.index_size}}) {
    auto size = env->GetFileSize(name);
    if (absl::IsNotFound(size.status())) {
      return absl::DataLossError(
          absl::StrFormat("table file %s: missing (named by the MANIFEST)", name));
    }
    if (!size.ok()) {
      return absl::DataLossError(
          absl::StrFormat("table file %s, named by the MANIFEST, cannot be read: %s", name,
                          size.status().message()));
    }
    if (*size != expected) {
      return absl::DataLossError(absl::StrFormat(
          "table file %s has %d bytes but the MANIFEST records %d", name, *size, expected));
    }
  }
  return absl::OkStatus();
}

absl::Status TableCache::CheckFiles(const FileMetaData& file) const {
  return CheckTableFiles(options_.env, options_.dbname, options_.index_dir, file);
}

TableReader* TableCache::Reader(Cache* cache, Cache::Handle* handle) {
  return static_cast<Entry*>(cache->Value(handle))->reader.get();
}

absl::StatusOr<Cache::Handle*> TableCache::FindTable(const FileMetaData& file) {
  const std::string key = CacheKey(file.number);
  if (Cache::Handle* handle = cache_->Lookup(key)) return handle;

  const std::string data_name = TableFileName(options_.dbname, file.number);
  const std::string index_name = TableIndexFileName(options_.index_dir, file.number);
  if (absl::Status s = CheckFiles(file); !s.ok()) return s;
  auto data = options_.env->NewRandomAccessFile(data_name);
  if (!data.ok()) return data.status();
  auto index = options_.env->NewRandomAccessFile(index_name);
  if (!index.ok()) return index.status();

  TableReaderOptions reader_options;
  reader_options.comparator = options_.comparator;
  reader_options.filter_policy = options_.filter_policy;
  reader_options.block_cache = options_.block_cache;
  reader_options.paranoid_checks = options_.paranoid_checks;
  reader_options.data_file_name = data_name;
  reader_options.index_file_name = index_name;
  auto reader = TableReader::Open(reader_options, *std::move(data), file.data_size,
                                  *std::move(index), file.index_size);
  if (!reader.ok()) return reader.status();

  auto* entry = new Entry;
  entry->reader = *std::move(reader);
  entry->pinned_bytes = &pinned_bytes_;
  entry->pinned = entry->reader->IndexAndFilterMemory();
  pinned_bytes_.fetch_add(entry->pinned, std::memory_order_relaxed);
  return cache_->Insert(key, entry, 1, &DeleteEntry);
}

absl::Status TableCache::Get(const ReadOptions& options, const FileMetaData& file,
                             std::string_view user_key, SequenceNumber snapshot, GetContext* ctx) {
  auto handle = FindTable(file);
  if (!handle.ok()) return handle.status();
  absl::Status s = Reader(cache_.get(), *handle)->Get(options, user_key, snapshot, ctx);
  cache_->Release(*handle);
  return s;
}

std::unique_ptr<Iterator> TableCache::NewIterator(const ReadOptions& options,
                                                  const FileMetaData& file) {
  auto handle = FindTable(file);
  if (!handle.ok()) return NewErrorIterator(handle.status());
  return std::make_unique<TableIterator>(Reader(cache_.get(), *handle)->NewIterator(options),
                                         cache_.get(), *handle);
}

absl::Status TableCache::Open(const FileMetaData& file) {
  auto handle = FindTable(file);
  if (!handle.ok()) return handle.status();
  cache_->Release(*handle);
  return absl::OkStatus();
}

void TableCache::Evict(uint64_t file_number) { cache_->Erase(CacheKey(file_number)); }

}  // namespace kvlsm
