#include "tools/test_db.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_format.h"
#include "kvlsm/db.h"
#include "testutil/testutil.h"

namespace kvlsm::test {
namespace {

std::string Key(int i) { return absl::StrFormat("key%05d", i); }
// Repetitive enough for zstd to shrink the blocks.
std::string Value(int i, int round) {
  return absl::StrFormat("value-%d-round-%d-%s", i, round, std::string(20 + i % 7, 'x'));
}

}  // namespace

std::string BinaryKey() { return std::string("\x00\x01\x7f\x80\xff", 5) + "bin"; }

absl::StatusOr<TestDb> BuildTestDb(const std::string& name) {
  TestDb t;
  t.path = TempDir(name);
  t.options.create_if_missing = true;
  t.options.write_buffer_size = 64 << 10;
  t.options.block_size = 256;  // Many blocks per table.
  t.options.compression = CompressionType::kZstd;
  auto db = DB::Open(t.options, t.path);
  if (!db.ok()) return db.status();
  uint64_t sequence = 0;
  auto put = [&](const std::string& key, const std::string& value) {
    ++sequence;
    t.model[key] = value;
    return (*db)->Put(WriteOptions(), key, value);
  };
  auto del = [&](const std::string& key) {
    ++sequence;
    t.model.erase(key);
    return (*db)->Delete(WriteOptions(), key);
  };
  absl::Status s;
  for (int i = 0; i < 300 && s.ok(); ++i) s = put(Key(i), Value(i, 1));
  if (s.ok()) s = (*db)->Flush();
  for (int i = 0; i < 100 && s.ok(); ++i) s = put(Key(i), Value(i, 2));
  for (int i = 100; i < 150 && s.ok(); ++i) s = del(Key(i));
  if (s.ok()) s = put(BinaryKey(), "binary\x01value");
  if (s.ok()) s = (*db)->Flush();
  if (s.ok()) s = (*db)->CompactRange(std::nullopt, std::nullopt);
  t.flushed_model = t.model;
  // Left in the WAL: the DB is closed without a flush.
  for (int i = 300; i < 320 && s.ok(); ++i) {
    s = put(Key(i), Value(i, 3));
    t.wal_keys.push_back(Key(i));
  }
  if (s.ok()) s = del(Key(0));
  t.wal_keys.push_back(Key(0));
  if (!s.ok()) return s;
  t.last_sequence = sequence;
  return t;
}

std::vector<std::string> FilesWithSuffix(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string path = entry.path().string();
    if (path.ends_with(suffix)) paths.push_back(path);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace kvlsm::test
