// Which engines this build has, and the settings every adapter lists. The peers compile in
// when CMake finds their packages (bench/CMakeLists.txt defines KVLSM_BENCH_WITH_ROCKSDB /
// KVLSM_BENCH_WITH_LEVELDB).
#include "engine.h"

#include "absl/strings/str_format.h"

namespace kvlsm::bench {

const std::vector<EngineFactory>& CompiledEngines() {
  static const auto* const engines = new std::vector<EngineFactory>{
      {"kvlsm", &OpenKvlsmEngine},
#ifdef KVLSM_BENCH_WITH_ROCKSDB
      {"rocksdb", &OpenRocksDbEngine},
#endif
#ifdef KVLSM_BENCH_WITH_LEVELDB
      {"leveldb", &OpenLevelDbEngine},
#endif
  };
  return *engines;
}

const EngineFactory* FindEngine(std::string_view name) {
  for (const EngineFactory& factory : CompiledEngines()) {
    if (factory.name == name) return &factory;
  }
  return nullptr;
}

const char* CompactionStyleName(CompactionStyle style) {
  switch (style) {
    case CompactionStyle::kLeveled:
      return "leveled";
    case CompactionStyle::kSizeTiered:
      return "size-tiered";
  }
  return "unknown";
}

void AppendCommonSettings(int max_open_files, bool sync, bool verify_checksums,
                          EngineSettings* settings) {
  settings->emplace_back("max open files", absl::StrFormat("%d", max_open_files));
  settings->emplace_back("sync", sync ? "every write" : "no");
  settings->emplace_back("verify checksums", verify_checksums ? "yes" : "no");
}

}  // namespace kvlsm::bench
