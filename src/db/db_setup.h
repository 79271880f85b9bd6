// The steps DBImpl (DB::Open) and DBReadOnly (DB::OpenReadOnly) share when they open a DB
// directory: the options they run with, the table cache, and the WALs to replay.
//
// Thread safety: functions of their arguments.
#ifndef KVLSM_DB_DB_SETUP_H_
#define KVLSM_DB_DB_SETUP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/dbformat.h"
#include "cache/table_cache.h"
#include "db/wal_replay.h"
#include "kvlsm/options.h"

namespace kvlsm {

// Fills what the user may leave null: the Env (Env::Default()), the comparator
// (BytewiseComparator()) and the block cache (a 32 MiB LRU cache of the DB's own).
Options SanitizeOptions(Options options);

TableCacheOptions MakeTableCacheOptions(const Options& options, const std::string& dbname,
                                        const std::string& index_dir,
                                        const InternalKeyComparator* comparator);

WalReplayOptions MakeWalReplayOptions(const Options& options, const std::string& dbname,
                                      const InternalKeyComparator* comparator, Logger* info_log);

// The numbers of the WAL files in `dbname` at or above min_log, ascending: the ones that
// may hold live data. `saw_file`, when set, is called with the number of every file
// kvlsm named there (of any type). ListWalNumbers (wal/wal_files.h) does the listing.
absl::StatusOr<std::vector<uint64_t>> LiveWalNumbers(
    Env* env, const std::string& dbname, uint64_t min_log,
    const std::function<void(uint64_t)>& saw_file = nullptr);

}  // namespace kvlsm

#endif  // KVLSM_DB_DB_SETUP_H_
