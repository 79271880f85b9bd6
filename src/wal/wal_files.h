// ListWalNumbers: which write-ahead logs a DB directory holds. DB::Open and
// DB::OpenReadOnly (LiveWalNumbers) choose the WALs to replay with it; kvlsm-inspect lists
// and verifies them with it.
//
// Thread safety: a plain function of its arguments.
#ifndef KVLSM_WAL_WAL_FILES_H_
#define KVLSM_WAL_WAL_FILES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kvlsm/env.h"

namespace kvlsm {

// The numbers of the WAL files (NNNNNN.log) in `dir` at or above min_log, ascending.
// `saw_file`, when set, is called with the number of every file kvlsm named there (of
// any type). The error of listing `dir`, as it is.
absl::StatusOr<std::vector<uint64_t>> ListWalNumbers(
    Env* env, const std::string& dir, uint64_t min_log = 0,
    const std::function<void(uint64_t)>& saw_file = nullptr);

}  // namespace kvlsm

#endif  // KVLSM_WAL_WAL_FILES_H_
