// Fuzz target: sequences of DB API calls, checked against a std::map, across flushes,
// range compactions and reopens, on the in-memory Env.
//
// Input: options:u8 (bit 0: zstd; bit 1: no Bloom filter; bits 2-3: restart interval;
// bits 4-5: compaction policy, the default leveled one or a small leveled or size-tiered
// one that compacts after a few flushes),
// then operations, each an opcode byte and its arguments (see Step). Every read must
// agree with the model: Get, full scans, seeks with bounds stepped both ways, reads
// through snapshots, and the whole contents after a reopen. Every write must succeed.
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "fuzz/fuzz_util.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "reliability/workload.h"
#include "testutil/test_plugins.h"

namespace {

using kvlsm::fuzz::FuzzInput;
using kvlsm::test::Model;

// Bounds per input that keep an input fast (a flush or a reopen costs far more than a
// write), so that the fuzzer tries many.
constexpr int kMaxOperations = 400;
constexpr int kMaxFlushes = 6;  // Flush and CompactRange calls.
constexpr int kMaxReopens = 3;
constexpr int kMaxSnapshots = 4;

class ApiModelCheck {
 public:
  explicit ApiModelCheck(uint8_t flags) : env_(kvlsm::NewMemEnv()) {
    options_.env = env_.get();
    options_.create_if_missing = true;
    options_.write_buffer_size = 64 << 10;  // The smallest allowed: flushes come often.
    options_.max_write_buffer_number = 4;   // Fewer 1 ms write stalls.
    options_.block_size = 256;
    options_.block_restart_interval = 1 + (flags >> 2 & 3) * 5;
    options_.merge_operator = std::make_shared<kvlsm::test::PlusAppendOperator>();
    if (flags & 1) options_.compression = kvlsm::CompressionType::kZstd;
    if (flags & 2) options_.filter_policy = nullptr;
    switch (flags >> 4 & 3) {
      case 1:
        options_.compaction_policy = kvlsm::test::SmallLeveledCompaction();
        break;
      case 2:
        options_.compaction_policy = kvlsm::test::SmallSizeTieredCompaction();
        break;
      default:
        break;
    }
    Open();
  }
  ~ApiModelCheck() { ReleaseSnapshots(); }

  // Runs one operation read from `in`.
  void Step(FuzzInput* in) {
    switch (in->Below(12)) {
      case 0:
      case 1: {
        const std::string key = Key(in), value = Value(in);
        FUZZ_CHECK_OK(db_->Put(kvlsm::WriteOptions{.sync = in->Bit()}, key, value));
        model_[key] = value;
        break;
      }
      case 2: {
        const std::string key = Key(in);
        FUZZ_CHECK_OK(db_->Delete(kvlsm::WriteOptions(), key));
        model_.erase(key);
        break;
      }
      case 3: {
        const std::string key = Key(in), operand = Value(in);
        FUZZ_CHECK_OK(db_->Merge(kvlsm::WriteOptions(), key, operand));
        model_[key] += "+" + operand;
        break;
      }
      case 4:
        WriteBatch(in);
        break;
      case 5:
        CheckGet(Key(in), nullptr, model_);
        break;
      case 6:
        CheckIteration(in);
        break;
      case 7:
        CheckScan(nullptr, model_);
        break;
      case 8:
        if (++flushes_ <= kMaxFlushes) FUZZ_CHECK_OK(db_->Flush());
        break;
      case 9:
        if (++flushes_ <= kMaxFlushes) CompactRange(in);
        break;
      case 10:
        if (++reopens_ > kMaxReopens) break;
        ReleaseSnapshots();
        db_.reset();
        Open();
        CheckScan(nullptr, model_);
        break;
      case 11:
        Snapshot(in);
        break;
    }
  }

 private:
  void Open() {
    auto db = kvlsm::DB::Open(options_, "/db");
    FUZZ_CHECK_OK(db.status());
    db_ = *std::move(db);
  }

  static std::string Key(FuzzInput* in) { return absl::StrFormat("k%02d", in->Below(48)); }
  static std::string Value(FuzzInput* in) {
    // Mostly short; one in eight up to 4 KiB, to fill memtables.
    const size_t size = in->Below(8) == 0 ? in->Below(4096) : in->Below(32);
    return std::string(size, static_cast<char>('a' + in->Below(26)));
  }

  void WriteBatch(FuzzInput* in) {
    kvlsm::WriteBatch batch;
    Model next = model_;
    for (int n = 1 + static_cast<int>(in->Below(4)); n > 0; --n) {
      const std::string key = Key(in);
      switch (in->Below(3)) {
        case 0: {
          const std::string value = Value(in);
          batch.Put(key, value);
          next[key] = value;
          break;
        }
        case 1:
          batch.Delete(key);
          next.erase(key);
          break;
        default: {
          const std::string operand = Value(in);
          batch.Merge(key, operand);
          next[key] += "+" + operand;
        }
      }
    }
    FUZZ_CHECK_OK(db_->Write(kvlsm::WriteOptions{.sync = in->Bit()}, &batch));
    model_ = std::move(next);
  }

  void CheckGet(const std::string& key, const kvlsm::Snapshot* snapshot, const Model& model) {
    std::string value = "unchanged";
    kvlsm::ReadOptions options;
    options.snapshot = snapshot;
    const absl::Status s = db_->Get(options, key, &value);
    auto it = model.find(key);
    if (it == model.end()) {
      FUZZ_CHECK(absl::IsNotFound(s));
      FUZZ_CHECK(value == "unchanged");
    } else {
      FUZZ_CHECK_OK(s);
      FUZZ_CHECK(value == it->second);
    }
  }

  void CheckScan(const kvlsm::Snapshot* snapshot, const Model& model) {
    Model contents;
    FUZZ_CHECK_OK(kvlsm::test::ReadAll(db_.get(), &contents, snapshot));
    FUZZ_CHECK(contents == model);
  }

  // A seek within optional bounds, then steps forward and backward, each compared with
  // the same moves over the model.
  void CheckIteration(FuzzInput* in) {
    kvlsm::ReadOptions options;
    if (in->Bit()) options.lower_bound = Key(in);
    if (in->Bit()) options.upper_bound = Key(in);
    if (options.lower_bound && options.upper_bound && *options.lower_bound > *options.upper_bound) {
      std::swap(options.lower_bound, options.upper_bound);
    }
    auto first = options.lower_bound ? model_.lower_bound(*options.lower_bound) : model_.begin();
    auto last = options.upper_bound ? model_.lower_bound(*options.upper_bound) : model_.end();
    const Model visible(first, last);

    std::unique_ptr<kvlsm::Iterator> it = db_->NewIterator(options);
    const std::string target = Key(in);
    it->Seek(target);
    auto expected = visible.lower_bound(target);
    for (int steps = static_cast<int>(in->Below(16)); steps >= 0; --steps) {
      FUZZ_CHECK_OK(it->status());
      FUZZ_CHECK(it->Valid() == (expected != visible.end()));
      if (!it->Valid()) break;
      FUZZ_CHECK(it->key() == expected->first && it->value() == expected->second);
      if (in->Bit()) {
        it->Next();
        ++expected;
      } else {
        it->Prev();
        expected = expected == visible.begin() ? visible.end() : std::prev(expected);
      }
    }
  }

  void CompactRange(FuzzInput* in) {
    std::optional<std::string> begin, end;
    if (in->Bit()) begin = Key(in);
    if (in->Bit()) end = Key(in);
    const absl::Status s = db_->CompactRange(begin, end);
    if (begin && end && *begin > *end) {
      FUZZ_CHECK(absl::IsInvalidArgument(s));
    } else {
      FUZZ_CHECK_OK(s);
    }
  }

  // Takes a snapshot, or checks and releases one.
  void Snapshot(FuzzInput* in) {
    if (snapshots_.size() < kMaxSnapshots && in->Bit()) {
      snapshots_.emplace_back(db_->GetSnapshot(), model_);
      return;
    }
    if (snapshots_.empty()) return;
    const size_t i = in->Below(static_cast<uint32_t>(snapshots_.size()));
    const auto& [snapshot, model] = snapshots_[i];
    CheckGet(Key(in), snapshot, model);
    CheckScan(snapshot, model);
    db_->ReleaseSnapshot(snapshot);
    snapshots_.erase(snapshots_.begin() + i);
  }

  void ReleaseSnapshots() {
    for (const auto& [snapshot, model] : snapshots_) db_->ReleaseSnapshot(snapshot);
    snapshots_.clear();
  }

  std::unique_ptr<kvlsm::Env> env_;
  kvlsm::Options options_;
  std::unique_ptr<kvlsm::DB> db_;
  Model model_;
  std::vector<std::pair<const kvlsm::Snapshot*, Model>> snapshots_;
  int flushes_ = 0;
  int reopens_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  ApiModelCheck check(in.Byte());
  for (int i = 0; i < kMaxOperations && !in.empty(); ++i) check.Step(&in);
  return 0;
}
