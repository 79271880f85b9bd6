// A DB on the real disk (the tools run as separate processes) holding what the tools must
// describe: tables from flushes, a DB::CompactRange, overwrites, deletions, a key with
// binary bytes, and updates left in the WAL.
#ifndef KVLSM_TESTS_TOOLS_TEST_DB_H_
#define KVLSM_TESTS_TOOLS_TEST_DB_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kvlsm/options.h"

namespace kvlsm::test {

struct TestDb {
  std::string path;
  Options options;                           // What it was written with.
  std::map<std::string, std::string> model;  // The live keys and their values.
  // What the tables alone hold (before the updates left in the WAL): live keys.
  std::map<std::string, std::string> flushed_model;
  std::vector<std::string> wal_keys;  // Keys of the updates in the WAL, in order.
  uint64_t last_sequence = 0;
};

// The key of the binary entry: every byte value 0, 1, 127, 128, 255 appears.
std::string BinaryKey();

// Writes the DB into a fresh directory named after `name` and closes it.
absl::StatusOr<TestDb> BuildTestDb(const std::string& name);

// The paths of files in `dir` whose names end in `suffix`, sorted.
std::vector<std::string> FilesWithSuffix(const std::string& dir, const std::string& suffix);

// The file's bytes; writes them back.
std::string ReadBytes(const std::string& path);
void WriteBytes(const std::string& path, const std::string& bytes);

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_TOOLS_TEST_DB_H_
