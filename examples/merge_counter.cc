// merge_counter: counters updated through a MergeOperator, without read-modify-write.
//
// Each DB::Merge(key, "+5") records an operand; reads fold the operands into the current
// count. Concurrent increments never lose updates, and no increment reads first.
//
//   merge_counter [DIR]
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kvlsm/db.h"
#include "kvlsm/merge_operator.h"

namespace {

bool ParseInt(std::string_view s, int64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Values and operands are signed decimal integers; the merge adds them up.
class CounterOperator final : public kvlsm::MergeOperator {
 public:
  const char* Name() const override { return "example.CounterOperator"; }

  absl::Status FullMerge(std::string_view key, std::optional<std::string_view> existing,
                         std::span<const std::string_view> operands,
                         std::string* new_value) const override {
    int64_t total = 0;
    if (existing && !ParseInt(*existing, &total)) {
      return absl::InvalidArgumentError("counter " + std::string(key) + " holds a non-number");
    }
    for (std::string_view op : operands) {
      int64_t delta;
      if (!ParseInt(op, &delta)) {
        return absl::InvalidArgumentError("bad increment for " + std::string(key) + ": " +
                                          std::string(op));
      }
      total += delta;
    }
    *new_value = std::to_string(total);
    return absl::OkStatus();
  }

  bool PartialMerge(std::string_view key, std::string_view older, std::string_view newer,
                    std::string* new_operand) const override {
    int64_t a, b;
    if (!ParseInt(older, &a) || !ParseInt(newer, &b)) return false;
    *new_operand = std::to_string(a + b);
    return true;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const std::string dir =
      argc > 1 ? argv[1] : "/tmp/kvlsm-merge-counter-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  kvlsm::Options options;
  options.create_if_missing = true;
  options.merge_operator = std::make_shared<CounterOperator>();
  auto db = kvlsm::DB::Open(options, dir);
  if (!db.ok()) {
    std::fprintf(stderr, "open: %s\n", db.status().ToString().c_str());
    return 1;
  }

  // Four threads each add 1 to "hits" 10,000 times and 2 to "bytes" 10,000 times.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&db] {
      for (int i = 0; i < 10000; ++i) {
        (*db)->Merge(kvlsm::WriteOptions(), "hits", "1").IgnoreError();
        (*db)->Merge(kvlsm::WriteOptions(), "bytes", "2").IgnoreError();
      }
    });
  }
  for (auto& t : threads) t.join();

  // A Put resets a counter; later merges add to the new base.
  (*db)->Put(kvlsm::WriteOptions(), "resets", "100").IgnoreError();
  (*db)->Merge(kvlsm::WriteOptions(), "resets", "-1").IgnoreError();

  int failures = 0;
  for (const auto& [key, want] : {std::pair<std::string, std::string>{"hits", "40000"},
                                  {"bytes", "80000"},
                                  {"resets", "99"}}) {
    std::string value;
    absl::Status s = (*db)->Get(kvlsm::ReadOptions(), key, &value);
    const std::string shown = s.ok() ? value : s.ToString();
    std::printf("%-6s = %s%s\n", key.c_str(), shown.c_str(),
                value == want ? "" : ("   (expected " + want + ")").c_str());
    failures += value != want;
  }

  // The counts survive a reopen (the WAL holds the operands).
  db->reset();
  db = kvlsm::DB::Open(options, dir);
  std::string hits;
  if (!db.ok() || !(*db)->Get(kvlsm::ReadOptions(), "hits", &hits).ok() || hits != "40000") {
    std::printf("after reopen: hits is wrong\n");
    ++failures;
  } else {
    std::printf("after reopen: hits = %s\n", hits.c_str());
  }
  db->reset();
  std::filesystem::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
