// StringWritableFile: a WritableFile appending to a string the caller owns, for tests and
// fuzz targets that build files in memory (no gtest, so the fuzz targets can use it).
#ifndef KVLSM_TESTS_TESTUTIL_STRING_FILE_H_
#define KVLSM_TESTS_TESTUTIL_STRING_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "kvlsm/env.h"

namespace kvlsm::test {

class StringWritableFile final : public WritableFile {
 public:
  explicit StringWritableFile(std::string* contents) : contents_(contents) {}
  absl::Status Append(std::string_view data) override {
    contents_->append(data);
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }

 private:
  std::string* const contents_;
};

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_TESTUTIL_STRING_FILE_H_
