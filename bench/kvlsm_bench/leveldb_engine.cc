// LevelDB (Debian's libleveldb-dev, 1.23) behind the Engine interface, set up like kvlsm:
// same write buffer, block cache, bits per key, block size and WAL sync. LevelDB 1.23 has
// no zstd: --compression=zstd gives it Snappy, its only compressor, and its settings say
// so. Likewise LevelDB compacts only leveled: --compaction=size-tiered runs leveled, and
// its settings say so. Reads verify checksums (LevelDB's default is not to), as kvlsm's and
// RocksDB's do.
#include <memory>
#include <string>

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/options.h>

#include "absl/strings/str_format.h"
#include "engine.h"
#include "iterator_cursor.h"

namespace kvlsm::bench {
namespace {

absl::Status ToStatus(const leveldb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(s.ToString());
  return absl::InternalError(absl::StrFormat("leveldb: %s", s.ToString()));
}

struct LevelDbTraits {
  static leveldb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }
  static std::string_view ToView(const leveldb::Slice& s) { return {s.data(), s.size()}; }
  static absl::Status ToStatus(const leveldb::Status& s) { return bench::ToStatus(s); }
};

// LevelDB takes its cache and filter policy as raw pointers that must outlive the DB.
struct LevelDbResources {
  std::unique_ptr<leveldb::Cache> cache;
  std::unique_ptr<const leveldb::FilterPolicy> filter;
};

class LevelDbEngine final : public Engine {
 public:
  LevelDbEngine(std::unique_ptr<LevelDbResources> resources, std::unique_ptr<leveldb::DB> db,
                const leveldb::Options& options, const EngineOptions& asked)
      : resources_(std::move(resources)), db_(std::move(db)), options_(options), asked_(asked) {
    write_.sync = asked.sync;
    read_.verify_checksums = true;
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return ToStatus(db_->Put(write_, LevelDbTraits::ToSlice(key), LevelDbTraits::ToSlice(value)));
  }
  absl::Status Delete(std::string_view key) override {
    return ToStatus(db_->Delete(write_, LevelDbTraits::ToSlice(key)));
  }
  absl::Status Get(std::string_view key, std::string* value) override {
    return ToStatus(db_->Get(read_, LevelDbTraits::ToSlice(key), value));
  }
  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<IteratorCursor<leveldb::Iterator, LevelDbTraits>>(
        std::unique_ptr<leveldb::Iterator>(db_->NewIterator(read_)));
  }
  // LevelDB does not say whether a compaction is pending; the harness waits for its
  // directory to stop changing instead.
  bool BackgroundIdle() override { return true; }

  EngineSettings Settings() const override {
    std::string compression = "none";
    if (options_.compression == leveldb::kSnappyCompression) {
      compression = asked_.compression == Compression::kZstd
                        ? "snappy (zstd asked; LevelDB 1.23 has no zstd)"
                        : "snappy";
    }
    EngineSettings settings = {
        {"version", absl::StrFormat("%d.%d", leveldb::kMajorVersion, leveldb::kMinorVersion)},
        {"write buffer", absl::StrFormat("%d MiB x 2 (fixed)", options_.write_buffer_size >> 20)},
        {"block cache", absl::StrFormat("%d MiB LRU", asked_.cache_bytes >> 20)},
        {"filter", asked_.bloom_bits > 0 ? absl::StrFormat("bloom, %d bits/key", asked_.bloom_bits)
                                         : std::string("none")},
        {"block size", absl::StrFormat("%d B, restart interval %d", options_.block_size,
                                       options_.block_restart_interval)},
        {"compression", compression},
        {"compaction", absl::StrFormat("leveled (%s), L0 trigger 4, target file %d MiB",
                                       asked_.compaction == CompactionStyle::kSizeTiered
                                           ? "size-tiered asked; LevelDB 1.23 has only leveled"
                                           : "fixed",
                                       options_.max_file_size >> 20)},
        {"background threads", "1 (fixed)"},
    };
    AppendCommonSettings(options_.max_open_files, write_.sync, read_.verify_checksums, &settings);
    return settings;
  }

 private:
  // Declared first: destroyed after the DB that points to them.
  std::unique_ptr<LevelDbResources> resources_;
  std::unique_ptr<leveldb::DB> db_;
  const leveldb::Options options_;
  const EngineOptions asked_;
  leveldb::WriteOptions write_;
  leveldb::ReadOptions read_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> OpenLevelDbEngine(const EngineOptions& options) {
  auto resources = std::make_unique<LevelDbResources>();
  resources->cache.reset(leveldb::NewLRUCache(options.cache_bytes));
  if (options.bloom_bits > 0) {
    resources->filter.reset(leveldb::NewBloomFilterPolicy(options.bloom_bits));
  }
  leveldb::Options db_options;
  db_options.create_if_missing = true;
  db_options.write_buffer_size = options.write_buffer_bytes;
  db_options.block_cache = resources->cache.get();
  db_options.filter_policy = resources->filter.get();
  db_options.block_size = 4096;
  db_options.block_restart_interval = 16;
  db_options.compression = options.compression == Compression::kZstd ? leveldb::kSnappyCompression
                                                                     : leveldb::kNoCompression;
  db_options.max_open_files = 1000;

  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(db_options, options.dir, &raw);
  if (!s.ok()) {
    return absl::InternalError(
        absl::StrFormat("leveldb: cannot open %s: %s", options.dir, s.ToString()));
  }
  return std::make_unique<LevelDbEngine>(std::move(resources), std::unique_ptr<leveldb::DB>(raw),
                                         db_options, options);
}

}  // namespace kvlsm::bench
