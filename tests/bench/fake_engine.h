// An Engine over a std::map, with optional faults, for testing kvlsm-bench's workloads
// without a storage engine: a correct one must pass every workload, and each fault must
// make the workload that can see it fail.
#ifndef KVLSM_TESTS_BENCH_FAKE_ENGINE_H_
#define KVLSM_TESTS_BENCH_FAKE_ENGINE_H_

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine.h"

namespace kvlsm::bench {

struct FakeFaults {
  bool corrupt_gets = false;    // Get flips the last byte of every value
  uint64_t drop_every_put = 0;  // N > 0: every Nth Put is acknowledged and forgotten
  bool phantom_gets = false;    // Get of an absent key returns a value
  std::string skip_in_scans;    // cursors do not see this key
  int busy_polls = 0;           // BackgroundIdle says false this many times first
};

class FakeEngine final : public Engine {
 public:
  explicit FakeEngine(FakeFaults faults = {}) : faults_(std::move(faults)) {}

  absl::Status Put(std::string_view key, std::string_view value) override {
    if (faults_.drop_every_put > 0 && ++puts_ % faults_.drop_every_put == 0) {
      return absl::OkStatus();
    }
    std::lock_guard<std::mutex> lock(mu_);
    map_[std::string(key)] = std::string(value);
    return absl::OkStatus();
  }

  absl::Status Delete(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    map_.erase(std::string(key));
    return absl::OkStatus();
  }

  absl::Status Get(std::string_view key, std::string* value) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(std::string(key));
    if (it == map_.end()) {
      if (!faults_.phantom_gets) return absl::NotFoundError(std::string(key));
      *value = "phantom";
      return absl::OkStatus();
    }
    *value = it->second;
    if (faults_.corrupt_gets && !value->empty()) value->back() ^= 1;
    return absl::OkStatus();
  }

  std::unique_ptr<Cursor> NewCursor() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& entry : map_) {
      if (entry.first != faults_.skip_in_scans) entries.push_back(entry);
    }
    return std::make_unique<VectorCursor>(std::move(entries));
  }

  bool BackgroundIdle() override { return ++polls_ > faults_.busy_polls; }
  int polls() const { return polls_; }

  EngineSettings Settings() const override { return {{"version", "fake"}}; }

 private:
  // A cursor over a copy of the map taken when it was made.
  class VectorCursor final : public Cursor {
   public:
    explicit VectorCursor(std::vector<std::pair<std::string, std::string>> entries)
        : entries_(std::move(entries)), pos_(entries_.size()) {}
    void SeekToFirst() override { pos_ = 0; }
    void SeekToLast() override { pos_ = entries_.empty() ? 0 : entries_.size() - 1; }
    void Seek(std::string_view target) override {
      pos_ = static_cast<size_t>(
          std::lower_bound(entries_.begin(), entries_.end(), target,
                           [](const auto& entry, std::string_view t) { return entry.first < t; }) -
          entries_.begin());
    }
    void Next() override { ++pos_; }
    void Prev() override { pos_ = pos_ == 0 ? entries_.size() : pos_ - 1; }
    bool Valid() const override { return pos_ < entries_.size(); }
    std::string_view key() const override { return entries_[pos_].first; }
    std::string_view value() const override { return entries_[pos_].second; }
    absl::Status status() const override { return absl::OkStatus(); }

   private:
    std::vector<std::pair<std::string, std::string>> entries_;
    size_t pos_;
  };

  const FakeFaults faults_;
  std::atomic<uint64_t> puts_{0};
  std::atomic<int> polls_{0};
  std::mutex mu_;
  std::map<std::string, std::string> map_;
};

}  // namespace kvlsm::bench

#endif  // KVLSM_TESTS_BENCH_FAKE_ENGINE_H_
