// Writing a whole text file (the JSON results, the report and its plot inputs).
#ifndef KVLSM_BENCH_KVLSM_BENCH_TEXT_FILE_H_
#define KVLSM_BENCH_KVLSM_BENCH_TEXT_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace kvlsm::bench {

// Creates or truncates `path` and writes `text`; the error names the file.
absl::Status WriteTextFile(const std::string& path, std::string_view text);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_TEXT_FILE_H_
