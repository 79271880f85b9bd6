// kvlsm behind the Engine interface.
#include <memory>
#include <string>
#include <variant>

#include "absl/strings/str_format.h"
#include "engine.h"
#include "iterator_cursor.h"
#include "kvlsm/cache.h"
#include "kvlsm/compaction_policy.h"
#include "kvlsm/db.h"
#include "kvlsm/filter_policy.h"
#include "kvlsm/options.h"
#include "kvlsm/version.h"

namespace kvlsm::bench {
namespace {

struct KvlsmTraits {
  static std::string_view ToSlice(std::string_view s) { return s; }
  static std::string_view ToView(std::string_view s) { return s; }
  static absl::Status ToStatus(const absl::Status& s) { return s; }
};
using KvlsmCursor = IteratorCursor<Iterator, KvlsmTraits>;

// The options of the compaction policy in force, for Settings().
using CompactionSetup = std::variant<LeveledCompactionOptions, SizeTieredCompactionOptions>;

std::string DescribeCompaction(const CompactionPolicy& policy, const CompactionSetup& setup) {
  if (const auto* leveled = std::get_if<LeveledCompactionOptions>(&setup)) {
    return absl::StrFormat("%s, %s level sizes, L0 trigger %d, target file %d MiB", policy.Name(),
                           leveled->dynamic_level_bytes ? "dynamic" : "static",
                           leveled->level0_file_trigger, leveled->target_file_size >> 20);
  }
  const auto& tiered = std::get<SizeTieredCompactionOptions>(setup);
  return absl::StrFormat("%s, merge %d-%d runs within %g-%gx of their average, max space amp %gx",
                         policy.Name(), tiered.min_threshold, tiered.max_threshold,
                         tiered.bucket_low, tiered.bucket_high, tiered.max_space_amplification);
}

class KvlsmEngine final : public Engine {
 public:
  KvlsmEngine(std::unique_ptr<DB> db, const Options& options, const CompactionSetup& compaction,
              const EngineOptions& asked)
      : db_(std::move(db)),
        options_(options),
        compaction_(compaction),
        bloom_bits_(asked.bloom_bits) {
    write_.sync = asked.sync;
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return db_->Put(write_, key, value);
  }
  absl::Status Delete(std::string_view key) override { return db_->Delete(write_, key); }
  absl::Status Get(std::string_view key, std::string* value) override {
    return db_->Get(read_, key, value);
  }
  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<KvlsmCursor>(db_->NewIterator(read_));
  }
  bool BackgroundIdle() override {
    for (const char* name : {"kvlsm.num-immutable-mem-table", "kvlsm.num-running-compactions"}) {
      if (db_->GetProperty(name).value_or("0") != "0") return false;
    }
    return true;
  }

  EngineSettings Settings() const override {
    EngineSettings settings = {
        {"version", KVLSM_VERSION_STRING},
        {"write buffer", absl::StrFormat("%d MiB x %d", options_.write_buffer_size >> 20,
                                         options_.max_write_buffer_number)},
        {"block cache", absl::StrFormat("%d MiB LRU", options_.block_cache->GetCapacity() >> 20)},
        {"filter",
         options_.filter_policy
             ? absl::StrFormat("%s, %d bits/key", options_.filter_policy->Name(), bloom_bits_)
             : std::string("none")},
        {"block size", absl::StrFormat("%d B, restart interval %d", options_.block_size,
                                       options_.block_restart_interval)},
        {"compression", options_.compression == CompressionType::kZstd
                            ? absl::StrFormat("zstd level %d", options_.zstd_level)
                            : std::string("none")},
        {"compaction", DescribeCompaction(*options_.compaction_policy, compaction_)},
        {"background threads",
         absl::StrFormat("%d (max_background_jobs)", options_.max_background_jobs)},
    };
    AppendCommonSettings(options_.max_open_files, write_.sync, read_.verify_checksums, &settings);
    return settings;
  }

 private:
  std::unique_ptr<DB> db_;
  const Options options_;
  const CompactionSetup compaction_;
  const int bloom_bits_;
  WriteOptions write_;
  ReadOptions read_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> OpenKvlsmEngine(const EngineOptions& options) {
  Options db_options;
  db_options.create_if_missing = true;
  db_options.write_buffer_size = options.write_buffer_bytes;
  db_options.max_write_buffer_number = 2;
  db_options.block_cache = NewLRUCache(options.cache_bytes);
  db_options.filter_policy =
      options.bloom_bits > 0 ? NewBloomFilterPolicy(options.bloom_bits) : nullptr;
  db_options.block_size = 4096;
  db_options.block_restart_interval = 16;
  db_options.compression =
      options.compression == Compression::kZstd ? CompressionType::kZstd : CompressionType::kNone;
  db_options.max_open_files = 1000;
  // Leveled compaction with dynamic level sizes, as RocksDB is set up, or size-tiered (RocksDB
  // runs universal); either with its defaults, kept so that the settings printed are the
  // ones in force. The same two background threads as RocksDB.
  CompactionSetup compaction;
  if (options.compaction == CompactionStyle::kSizeTiered) {
    const SizeTieredCompactionOptions tiered;
    db_options.compaction_policy = NewSizeTieredCompaction(tiered);
    compaction = tiered;
  } else {
    const LeveledCompactionOptions leveled;
    db_options.compaction_policy = NewLeveledCompaction(leveled);
    compaction = leveled;
  }
  db_options.max_background_jobs = 2;
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(db_options, options.dir);
  if (!db.ok()) return db.status();
  return std::make_unique<KvlsmEngine>(*std::move(db), db_options, compaction, options);
}

}  // namespace kvlsm::bench
