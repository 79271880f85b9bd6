// BuildTable: writes a sorted stream of internal keys (a memtable, at flush) as one table
// pair, durably.
//
// Thread safety: a plain function; called without the DB mutex.
#ifndef KVLSM_DB_TABLE_FILE_BUILDER_H_
#define KVLSM_DB_TABLE_FILE_BUILDER_H_

#include <string>

#include "absl/status/status.h"
#include "db/version_edit.h"
#include "kvlsm/env.h"
#include "kvlsm/iterator.h"
#include "table/table_builder.h"

namespace kvlsm {

struct BuildTableOptions {
  Env* env = nullptr;
  std::string dbname;     // Directory of the .sst.
  std::string index_dir;  // Directory of the .idx.
  TableBuilderOptions table;
};

// Writes every entry of iter (positioned anywhere; it is rewound) into the pair numbered
// meta->number, syncs and closes both files and syncs their directories, then fills the
// rest of *meta. When iter is empty nothing is written and meta->data_size stays 0. On
// error, removes whatever it wrote.
absl::Status BuildTable(const BuildTableOptions& options, Iterator* iter, FileMetaData* meta);

}  // namespace kvlsm

#endif  // KVLSM_DB_TABLE_FILE_BUILDER_H_
