// quickstart: the main job. Opens a DB in a fresh temporary directory, writes 1,000,000
// keys, reads them back, reopens the DB (replaying its write-ahead log), verifies every
// key again, iterates over all of them, and prints timings and the DB's statistics.
//
//   quickstart [--num=N] [--dir=PATH] [--keep]
//
// Exits 0 when every check passes, 1 when one fails, 2 for bad arguments.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "kvlsm/db.h"
#include "kvlsm/options.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string Key(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%013llu", static_cast<unsigned long long>(i));
  return buf;  // 16 bytes.
}

// 100 bytes derived from i, so that a read can be checked without keeping the data.
std::string Value(uint64_t i) {
  std::string v(100, ' ');
  uint64_t x = i * 0x9e3779b97f4a7c15ull + 1;
  for (char& c : v) {
    x ^= x >> 13;
    x *= 0xff51afd7ed558ccdull;
    c = static_cast<char>('a' + (x >> 59) % 26);
  }
  return v;
}

void Report(const char* phase, uint64_t ops, Clock::time_point start) {
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%-22s %9llu ops in %7.3f s  %10.0f ops/s\n", phase,
              static_cast<unsigned long long>(ops), secs, ops / secs);
}

int Fail(const char* what, const absl::Status& s) {
  std::fprintf(stderr, "quickstart: %s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t num = 1'000'000;
  std::string dir;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--num=", 6) == 0) {
      num = std::strtoull(argv[i] + 6, nullptr, 10);
    } else if (std::strncmp(argv[i], "--dir=", 6) == 0) {
      dir = argv[i] + 6;
    } else if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    } else {
      std::fprintf(stderr, "usage: quickstart [--num=N] [--dir=PATH] [--keep]\n");
      return 2;
    }
  }
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/kvlsm-quickstart-" +
          std::to_string(getpid());
  }
  std::filesystem::remove_all(dir);

  kvlsm::Options options;
  options.create_if_missing = true;
  std::printf("kvlsm quickstart: %llu keys (16-byte keys, 100-byte values) in %s\n",
              static_cast<unsigned long long>(num), dir.c_str());

  auto db = kvlsm::DB::Open(options, dir);
  if (!db.ok()) return Fail("open", db.status());

  auto start = Clock::now();
  kvlsm::WriteBatch batch;
  for (uint64_t i = 0; i < num; ++i) {
    batch.Put(Key(i), Value(i));
    if (batch.Count() == 100 || i + 1 == num) {
      absl::Status s = (*db)->Write(kvlsm::WriteOptions(), &batch);
      if (!s.ok()) return Fail("write", s);
      batch.Clear();
    }
  }
  Report("write (batches of 100)", num, start);

  std::string value;
  start = Clock::now();
  for (uint64_t i = 0; i < num; ++i) {
    absl::Status s = (*db)->Get(kvlsm::ReadOptions(), Key(i), &value);
    if (!s.ok()) return Fail("read", s);
    if (value != Value(i)) return Fail("read", absl::DataLossError("wrong value for " + Key(i)));
  }
  Report("read", num, start);

  start = Clock::now();
  db->reset();
  db = kvlsm::DB::Open(options, dir);
  if (!db.ok()) return Fail("reopen", db.status());
  std::printf("%-22s %9s    in %7.3f s  (replays the WAL, writes what it held as tables)\n",
              "reopen", "", std::chrono::duration<double>(Clock::now() - start).count());

  start = Clock::now();
  for (uint64_t i = 0; i < num; ++i) {
    absl::Status s = (*db)->Get(kvlsm::ReadOptions(), Key(i), &value);
    if (!s.ok()) return Fail("verify", s);
    if (value != Value(i)) {
      return Fail("verify", absl::DataLossError("wrong value for " + Key(i)));
    }
  }
  Report("verify after reopen", num, start);

  start = Clock::now();
  uint64_t seen = 0;
  std::unique_ptr<kvlsm::Iterator> it = (*db)->NewIterator(kvlsm::ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++seen) {
    if (it->key() != Key(seen) || it->value() != Value(seen)) {
      return Fail("iterate",
                  absl::DataLossError("unexpected entry at position " + std::to_string(seen)));
    }
  }
  if (!it->status().ok()) return Fail("iterate", it->status());
  if (seen != num) return Fail("iterate", absl::DataLossError("wrong number of entries"));
  it.reset();
  Report("iterate", seen, start);

  std::printf("\n%s", (*db)->GetProperty("kvlsm.stats").value_or("").c_str());
  db->reset();
  if (!keep) std::filesystem::remove_all(dir);
  std::printf("\nquickstart: all %llu keys verified\n", static_cast<unsigned long long>(num));
  return 0;
}
