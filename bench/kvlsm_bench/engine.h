// The interface kvlsm-bench drives: one adapter per storage engine (kvlsm, RocksDB,
// LevelDB), each in its own file, each set up from the same EngineOptions so that the
// settings that can be compared are the same, and each listing the settings it put in
// force (printed with the results).
//
// Thread safety: an Engine is safe for concurrent use (every engine here is); a Cursor
// belongs to one thread.
#ifndef KVLSM_BENCH_KVLSM_BENCH_ENGINE_H_
#define KVLSM_BENCH_KVLSM_BENCH_ENGINE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kvlsm::bench {

enum class Compression { kNone, kZstd };

// The shape of the tree each engine is asked to keep: leveled (kvlsm's leveled policy,
// RocksDB's level style with dynamic level sizes, LevelDB's only choice) or size-tiered
// (kvlsm's size-tiered policy, RocksDB's universal style). An engine without the style
// asked for runs what it has and its settings say so.
enum class CompactionStyle { kLeveled, kSizeTiered };

// "leveled" or "size-tiered": the value of --compaction, the JSON and the report.
const char* CompactionStyleName(CompactionStyle style);

// The settings every engine gets, in the units each engine takes.
struct EngineOptions {
  std::string dir;  // the DB directory (created when missing)
  size_t write_buffer_bytes = 64ull << 20;
  size_t cache_bytes = 32ull << 20;
  int bloom_bits = 10;  // 0: no filter
  Compression compression = Compression::kNone;
  CompactionStyle compaction = CompactionStyle::kLeveled;
  bool sync = false;  // fdatasync the WAL on every write
};

// name -> value, in the order an adapter lists them.
using EngineSettings = std::vector<std::pair<std::string, std::string>>;

// An ordered cursor, positioned by a seek; !Valid() at either end or on error.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual void Seek(std::string_view target) = 0;
  virtual void Next() = 0;  // REQUIRES: Valid()
  virtual void Prev() = 0;  // REQUIRES: Valid()
  virtual bool Valid() const = 0;
  virtual std::string_view key() const = 0;    // REQUIRES: Valid()
  virtual std::string_view value() const = 0;  // REQUIRES: Valid()
  virtual absl::Status status() const = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual absl::Status Put(std::string_view key, std::string_view value) = 0;
  virtual absl::Status Delete(std::string_view key) = 0;
  // NotFound when key is absent.
  virtual absl::Status Get(std::string_view key, std::string* value) = 0;
  virtual std::unique_ptr<Cursor> NewCursor() = 0;
  // False while the engine says it has a flush or compaction pending or running; engines
  // that cannot tell always say true (the harness also waits for the DB directory to stop
  // changing; see settle.h).
  virtual bool BackgroundIdle() = 0;
  // The settings in force, the engine's version first.
  virtual EngineSettings Settings() const = 0;
};

// How to open one kind of engine.
struct EngineFactory {
  std::string name;
  absl::StatusOr<std::unique_ptr<Engine>> (*open)(const EngineOptions& options);
};

// The engines compiled into this build, kvlsm first.
const std::vector<EngineFactory>& CompiledEngines();
// The factory named `name`, or nullptr.
const EngineFactory* FindEngine(std::string_view name);

// Appends the settings every adapter lists last, in the same words.
void AppendCommonSettings(int max_open_files, bool sync, bool verify_checksums,
                          EngineSettings* settings);

// The adapters (kvlsm_engine.cc, rocksdb_engine.cc, leveldb_engine.cc).
absl::StatusOr<std::unique_ptr<Engine>> OpenKvlsmEngine(const EngineOptions& options);
absl::StatusOr<std::unique_ptr<Engine>> OpenRocksDbEngine(const EngineOptions& options);
absl::StatusOr<std::unique_ptr<Engine>> OpenLevelDbEngine(const EngineOptions& options);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_ENGINE_H_
