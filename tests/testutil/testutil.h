// Helpers shared by every test binary.
#ifndef KVLSM_TESTS_TESTUTIL_TESTUTIL_H_
#define KVLSM_TESTS_TESTUTIL_TESTUTIL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "kvlsm/db.h"
#include "util/random.h"

#define KVLSM_ASSERT_OK(expr)                                 \
  do {                                                        \
    const ::absl::Status _st = ::kvlsm::test::ToStatus(expr); \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st;            \
  } while (0)
#define KVLSM_EXPECT_OK(expr)                                 \
  do {                                                        \
    const ::absl::Status _st = ::kvlsm::test::ToStatus(expr); \
    EXPECT_TRUE(_st.ok()) << #expr << ": " << _st;            \
  } while (0)
#define ASSERT_OK KVLSM_ASSERT_OK
#define EXPECT_OK KVLSM_EXPECT_OK

namespace kvlsm::test {

inline absl::Status ToStatus(const absl::Status& s) { return s; }
template <typename T>
absl::Status ToStatus(const T& status_or) {
  return status_or.status();
}

// The seed for a randomized test: $KVLSM_TEST_SEED when set, otherwise `fallback`.
// Record it with SCOPED_TRACE(SeedTrace(seed)) so that a failure prints it.
uint64_t TestSeed(uint64_t fallback);
std::string SeedTrace(uint64_t seed);

// True when the status's message contains `text`.
bool MessageContains(const absl::Status& status, std::string_view text);

// True when long-running tests were asked for ($KVLSM_LONG_TESTS=1). Long tests call
// GTEST_SKIP() otherwise.
bool LongTestsEnabled();

// Returns once `db` (opened by DB::Open) has no flush or compaction running or due; its
// background error.
absl::Status WaitForBackgroundWork(DB* db);

// A string of `len` random bytes (any value when binary, else printable).
std::string RandomString(Random* rnd, size_t len, bool binary = false);

// A fresh, empty directory under $TMPDIR (or /tmp) for tests that need the real disk.
std::string TempDir(const std::string& name);

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_TESTUTIL_TESTUTIL_H_
