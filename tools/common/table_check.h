// ReadWholeTable: reads a table pair through the public SstReader the way a verification
// should: every block's checksum (both files), then every entry, in order, counted against
// the table's properties. Used by kvlsm-sstdump verify and kvlsm-inspect verify.
//
// Thread safety: a plain function.
#ifndef KVLSM_TOOLS_COMMON_TABLE_CHECK_H_
#define KVLSM_TOOLS_COMMON_TABLE_CHECK_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "kvlsm/env.h"

namespace kvlsm::tools {

struct TableReadResult {
  uint64_t entries = 0;
  uint64_t data_blocks = 0;
};

// DataLoss naming the file (and offset) for damage, including an entry count that differs
// from the recorded one. on_entries(n) is called as entries are read (for a progress bar).
// The table must use kvlsm's built-in comparator; its filter is not read.
absl::StatusOr<TableReadResult> ReadWholeTable(Env* env, const std::string& sst_path,
                                               const std::string& idx_path,
                                               const std::function<void(uint64_t)>& on_entries);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_COMMON_TABLE_CHECK_H_
