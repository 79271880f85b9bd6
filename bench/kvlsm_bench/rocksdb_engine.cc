// RocksDB (Debian's librocksdb-dev, 7.8) behind the Engine interface, set up like kvlsm:
// same write buffer, block cache, bits per key, block size, compression and WAL sync.
// The rest is RocksDB's defaults, with leveled compaction using dynamic level sizes (what
// RocksDB recommends, and what kvlsm's leveled policy does) or, for --compaction=size-tiered,
// universal compaction with its default options.
#include <climits>
#include <memory>
#include <string>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>

#include "absl/strings/str_format.h"
#include "engine.h"
#include "iterator_cursor.h"

namespace kvlsm::bench {
namespace {

absl::Status ToStatus(const rocksdb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(s.ToString());
  return absl::InternalError(absl::StrFormat("rocksdb: %s", s.ToString()));
}

struct RocksDbTraits {
  static rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }
  static std::string_view ToView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
  static absl::Status ToStatus(const rocksdb::Status& s) { return bench::ToStatus(s); }
};

class RocksDbEngine final : public Engine {
 public:
  RocksDbEngine(std::unique_ptr<rocksdb::DB> db, const rocksdb::Options& options,
                const rocksdb::BlockBasedTableOptions& table, int bloom_bits, bool sync)
      : db_(std::move(db)), options_(options), table_(table), bloom_bits_(bloom_bits) {
    write_.sync = sync;
    read_.verify_checksums = true;
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return ToStatus(db_->Put(write_, RocksDbTraits::ToSlice(key), RocksDbTraits::ToSlice(value)));
  }
  absl::Status Delete(std::string_view key) override {
    return ToStatus(db_->Delete(write_, RocksDbTraits::ToSlice(key)));
  }
  absl::Status Get(std::string_view key, std::string* value) override {
    return ToStatus(db_->Get(read_, RocksDbTraits::ToSlice(key), value));
  }
  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<IteratorCursor<rocksdb::Iterator, RocksDbTraits>>(
        std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(read_)));
  }
  bool BackgroundIdle() override {
    for (const char* name : {"rocksdb.num-running-compactions", "rocksdb.num-running-flushes",
                             "rocksdb.compaction-pending", "rocksdb.mem-table-flush-pending"}) {
      uint64_t value = 0;
      if (db_->GetIntProperty(name, &value) && value != 0) return false;
    }
    return true;
  }

  EngineSettings Settings() const override {
    EngineSettings settings = {
        {"version", absl::StrFormat("%d.%d.%d", ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH)},
        {"write buffer", absl::StrFormat("%d MiB x %d", options_.write_buffer_size >> 20,
                                         options_.max_write_buffer_number)},
        {"block cache", absl::StrFormat("%d MiB LRU", table_.block_cache->GetCapacity() >> 20)},
        {"filter", bloom_bits_ > 0 ? absl::StrFormat("bloom, %d bits/key (format_version %d)",
                                                     bloom_bits_, table_.format_version)
                                   : std::string("none")},
        {"block size", absl::StrFormat("%d B, restart interval %d", table_.block_size,
                                       table_.block_restart_interval)},
        {"compression", options_.compression == rocksdb::kZSTD ? "zstd (default level 3)" : "none"},
        {"compaction", DescribeCompaction()},
        {"background threads",
         absl::StrFormat("%d (max_background_jobs)", options_.max_background_jobs)},
    };
    AppendCommonSettings(options_.max_open_files, write_.sync, read_.verify_checksums, &settings);
    return settings;
  }

 private:
  std::string DescribeCompaction() const {
    if (options_.compaction_style == rocksdb::kCompactionStyleUniversal) {
      const rocksdb::CompactionOptionsUniversal& universal = options_.compaction_options_universal;
      return absl::StrFormat(
          "universal, %d sorted runs trigger, size ratio %d%%, merge width %d-%s, max space amp "
          "%d%%",
          options_.level0_file_num_compaction_trigger, universal.size_ratio,
          universal.min_merge_width,
          universal.max_merge_width == UINT_MAX ? std::string("unlimited")
                                                : absl::StrFormat("%d", universal.max_merge_width),
          universal.max_size_amplification_percent);
    }
    return absl::StrFormat("leveled, %s level sizes, L0 trigger %d, target file %d MiB",
                           options_.level_compaction_dynamic_level_bytes ? "dynamic" : "static",
                           options_.level0_file_num_compaction_trigger,
                           options_.target_file_size_base >> 20);
  }

  std::unique_ptr<rocksdb::DB> db_;
  const rocksdb::Options options_;
  const rocksdb::BlockBasedTableOptions table_;
  const int bloom_bits_;
  rocksdb::WriteOptions write_;
  rocksdb::ReadOptions read_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> OpenRocksDbEngine(const EngineOptions& options) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.cache_bytes);
  if (options.bloom_bits > 0) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(options.bloom_bits));
  }
  table.block_size = 4096;
  table.block_restart_interval = 16;

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.write_buffer_size = options.write_buffer_bytes;
  db_options.max_write_buffer_number = 2;
  db_options.max_background_jobs = 2;
  db_options.max_open_files = 1000;
  if (options.compaction == CompactionStyle::kSizeTiered) {
    db_options.compaction_style = rocksdb::kCompactionStyleUniversal;
    db_options.compaction_options_universal = rocksdb::CompactionOptionsUniversal();
  } else {
    db_options.compaction_style = rocksdb::kCompactionStyleLevel;
    db_options.level_compaction_dynamic_level_bytes = true;
  }
  db_options.compression =
      options.compression == Compression::kZstd ? rocksdb::kZSTD : rocksdb::kNoCompression;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.dir, &raw);
  if (!s.ok()) {
    return absl::InternalError(
        absl::StrFormat("rocksdb: cannot open %s: %s", options.dir, s.ToString()));
  }
  return std::make_unique<RocksDbEngine>(std::unique_ptr<rocksdb::DB>(raw), db_options, table,
                                         options.bloom_bits, options.sync);
}

}  // namespace kvlsm::bench
