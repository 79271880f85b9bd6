#include "db/db_setup.h"

#include "kvlsm/comparator.h"
#include "wal/wal_files.h"

namespace kvlsm {
namespace {

// The block cache a DB makes for itself when Options::block_cache is null.
constexpr size_t kDefaultBlockCacheBytes = size_t{32} << 20;

}  // namespace

Options SanitizeOptions(Options options) {
  if (options.env == nullptr) options.env = Env::Default();
  if (options.comparator == nullptr) options.comparator = BytewiseComparator();
  if (options.block_cache == nullptr) options.block_cache = NewLRUCache(kDefaultBlockCacheBytes);
  return options;
}

TableCacheOptions MakeTableCacheOptions(const Options& options, const std::string& dbname,
                                        const std::string& index_dir,
                                        const InternalKeyComparator* comparator) {
  TableCacheOptions t;
  t.env = options.env;
  t.dbname = dbname;
  t.index_dir = index_dir;
  t.comparator = comparator;
  t.filter_policy = options.filter_policy.get();
  t.block_cache = options.block_cache.get();
  t.paranoid_checks = options.paranoid_checks;
  t.max_open_files = options.max_open_files;
  return t;
}

WalReplayOptions MakeWalReplayOptions(const Options& options, const std::string& dbname,
                                      const InternalKeyComparator* comparator, Logger* info_log) {
  WalReplayOptions r;
  r.env = options.env;
  r.dbname = dbname;
  r.comparator = comparator;
  r.mode = options.wal_recovery_mode;
  r.write_buffer_size = options.write_buffer_size;
  r.info_log = info_log;
  return r;
}

absl::StatusOr<std::vector<uint64_t>> LiveWalNumbers(
    Env* env, const std::string& dbname, uint64_t min_log,
    const std::function<void(uint64_t)>& saw_file) {
  return ListWalNumbers(env, dbname, min_log, saw_file);
}

}  // namespace kvlsm
