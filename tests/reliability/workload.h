// The workload of the crash and power-loss tests, and the model that checks what a DB
// recovered.
//
// Write number `id` (1, 2, ...) is a pure function of (seed, id): a batch of puts, deletes
// and merges (for test::PlusAppendOperator, testutil/test_plugins.h) over a small key
// space, plus a put of "#last" = id, and whether it is synced.
// So the state a DB claims to hold is named by its "#last" value p, and the expected
// state is the result of applying writes 1..p to an empty map: no log of what was written
// needs to survive the crash, and a recovered state is "a prefix of the writes" exactly
// when it equals Model(p).
//
// testutil/crash_history.h has a similar history for in-process power-cut tests; this one
// differs in what those tests do not need: writes are a function of their number (so a
// checker in another process can rebuild the expected state), and a failed write is kept
// as "in doubt" (it may or may not survive) instead of ending the test.
//
// Thread safety: plain values and functions.
#ifndef KVLSM_TESTS_RELIABILITY_WORKLOAD_H_
#define KVLSM_TESTS_RELIABILITY_WORKLOAD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "kvlsm/db.h"
#include "kvlsm/write_batch.h"
#include "util/random.h"

namespace kvlsm::test {

using Model = std::map<std::string, std::string, std::less<>>;

// The key every workload write sets to its own id.
inline constexpr std::string_view kLastKey = "#last";

struct WorkloadOptions {
  uint64_t seed = 1;
  int num_keys = 200;         // Keys "k00000".."k<num_keys-1>".
  int max_value_size = 1000;  // Put values are 0..max_value_size bytes.
  int max_batch_records = 4;  // Records per batch besides "#last".
  int sync_one_in = 4;        // A write is synced with probability 1/sync_one_in.
};

// One update of a write.
struct Update {
  enum class Type { kPut, kDelete, kMerge };
  Type type;
  std::string key;
  std::string value;  // The value or the merge operand.
};

struct WorkloadWrite {
  uint64_t id = 0;
  bool sync = false;
  std::vector<Update> updates;  // Ends with the put of kLastKey.

  WriteBatch ToBatch() const {
    WriteBatch batch;
    for (const Update& u : updates) {
      switch (u.type) {
        case Update::Type::kPut:
          batch.Put(u.key, u.value);
          break;
        case Update::Type::kDelete:
          batch.Delete(u.key);
          break;
        case Update::Type::kMerge:
          batch.Merge(u.key, u.value);
          break;
      }
    }
    return batch;
  }
};

inline std::string WorkloadKey(uint64_t i) { return absl::StrFormat("k%05d", i); }

// Write number `id` of the workload.
inline WorkloadWrite MakeWrite(const WorkloadOptions& options, uint64_t id) {
  Random rnd(options.seed * 0x9e3779b97f4a7c15ull ^ (id + 1) * 0xc2b2ae3d27d4eb4full);
  WorkloadWrite write;
  write.id = id;
  write.sync = rnd.OneIn(static_cast<uint64_t>(options.sync_one_in));
  const int records = 1 + static_cast<int>(rnd.Uniform(options.max_batch_records));
  for (int i = 0; i < records; ++i) {
    Update u;
    u.key = WorkloadKey(rnd.Uniform(options.num_keys));
    const uint64_t kind = rnd.Uniform(100);
    if (kind < 15) {
      u.type = Update::Type::kDelete;
    } else if (kind < 30) {
      u.type = Update::Type::kMerge;
      u.value = absl::StrFormat("+%d", id);
    } else {
      u.type = Update::Type::kPut;
      // Mostly small values, sometimes large ones, so that memtables fill unevenly.
      const uint64_t size = rnd.OneIn(8) ? rnd.Uniform(options.max_value_size + 1)
                                         : rnd.Uniform(options.max_value_size / 10 + 1);
      u.value = absl::StrFormat("v%d.", id);
      u.value.resize(size, static_cast<char>('a' + id % 26));
    }
    write.updates.push_back(std::move(u));
  }
  write.updates.push_back(
      Update{Update::Type::kPut, std::string(kLastKey), absl::StrFormat("%d", id)});
  return write;
}

inline void ApplyToModel(const WorkloadWrite& write, Model* model) {
  for (const Update& u : write.updates) {
    switch (u.type) {
      case Update::Type::kPut:
        (*model)[u.key] = u.value;
        break;
      case Update::Type::kDelete:
        model->erase(u.key);
        break;
      case Update::Type::kMerge:
        (*model)[u.key] += "+" + u.value;  // PlusAppendOperator (testutil/test_plugins.h).
        break;
    }
  }
}

// Every key and value the DB holds (as of `snapshot`, or now), or the scan's error.
inline absl::Status ReadAll(DB* db, Model* out, const Snapshot* snapshot = nullptr) {
  out->clear();
  ReadOptions options;
  options.snapshot = snapshot;
  std::unique_ptr<Iterator> it = db->NewIterator(options);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out->emplace(std::string(it->key()), std::string(it->value()));
  }
  return it->status();
}

// The write the model says the DB holds: the value of kLastKey, 0 when absent.
inline uint64_t LastWrite(const Model& model) {
  auto it = model.find(kLastKey);
  return it == model.end() ? 0 : std::stoull(it->second);
}

// A description of how two models differ, for failure messages (at most a few keys).
inline std::string DescribeDifference(const Model& expected, const Model& actual) {
  std::string out;
  int shown = 0;
  auto show = [&](const std::string& key, const char* what) {
    if (shown++ < 5) absl::StrAppendFormat(&out, "%s %s; ", key, what);
  };
  for (const auto& [key, value] : expected) {
    auto it = actual.find(key);
    if (it == actual.end()) {
      show(key, "missing");
    } else if (it->second != value) {
      show(key, "has a wrong value");
    }
  }
  for (const auto& [key, value] : actual) {
    if (!expected.contains(key)) show(key, "should not exist");
  }
  absl::StrAppendFormat(&out, "%d differences", shown);
  return out;
}

// The writes issued to one DB in order, each acknowledged (OK) or in doubt (it failed, so
// it may or may not have taken effect), with the model after each.
//
// The recovered state must equal the state after some prefix 1..p of the writes (the
// in-doubt writes within it each applied or not), with p at least the last write known to
// be durable.
class History {
 public:
  explicit History(WorkloadOptions options) : options_(options) { states_.emplace_back(); }

  const WorkloadOptions& options() const { return options_; }
  // The id the next write gets.
  uint64_t next_id() const { return first_id_ + states_.size() - 1; }
  uint64_t last_acknowledged() const { return last_acknowledged_; }
  uint64_t last_durable() const { return last_durable_; }
  const Model& Current() const { return states_.back(); }

  // Records the outcome of write `write` (which must be next_id()).
  void Record(const WorkloadWrite& write, bool acknowledged) {
    Model next = states_.back();
    ApplyToModel(write, &next);
    states_.push_back(std::move(next));
    if (acknowledged) {
      last_acknowledged_ = write.id;
      if (write.sync) last_durable_ = write.id;
    } else {
      in_doubt_.push_back(write.id);
    }
  }
  // Everything acknowledged so far is durable (after a successful Flush).
  void MarkDurable() { last_durable_ = last_acknowledged_; }

  // OK when `state` (a full scan) is the state after writes 1..p, for some p in
  // [at_least, at_most], with each in-doubt write up to p applied or not.
  absl::Status Check(const Model& state, uint64_t at_least, uint64_t at_most) const {
    const uint64_t p = LastWrite(state);
    if (p < at_least || p > at_most) {
      return absl::InternalError(absl::StrFormat(
          "the DB holds writes up to %d, expected between %d and %d (acknowledged: %d, "
          "durable: %d, issued: %d)",
          p, at_least, at_most, last_acknowledged_, last_durable_, next_id() - 1));
    }
    if (!MatchesPrefix(state, p)) {
      return absl::InternalError(
          absl::StrFormat("the DB's state is not the state after writes 1..%d (%s)", p,
                          DescribeDifference(StateAt(p), state)));
    }
    return absl::OkStatus();
  }

  // Checks the state of a DB that is still open: exactly the acknowledged writes.
  absl::Status CheckLive(const Model& live) const {
    return Check(live, last_acknowledged_, last_acknowledged_);
  }

  // Checks `recovered` (a full scan of a reopened DB) against the history. `all_acknowledged`
  // demands every acknowledged write (a process crash loses none); otherwise only the
  // durable ones (a power cut). On success, forgets everything after the recovered prefix
  // and makes it the new base (what a reopen recovered is durable).
  absl::Status CheckRecovered(const Model& recovered, bool all_acknowledged) {
    absl::Status s =
        Check(recovered, all_acknowledged ? last_acknowledged_ : last_durable_, next_id() - 1);
    if (s.ok()) Rebase(recovered, LastWrite(recovered));
    return s;
  }

  // The model after write p, with every in-doubt write up to p applied.
  const Model& StateAt(uint64_t p) const { return states_[p - (first_id_ - 1)]; }

 private:
  // True when `recovered` equals the state after writes 1..p with some subset of the
  // in-doubt writes up to p left out.
  bool MatchesPrefix(const Model& recovered, uint64_t p) const {
    if (StateAt(p) == recovered) return true;
    std::vector<uint64_t> doubts;
    for (uint64_t id : in_doubt_) {
      if (id <= p) doubts.push_back(id);
    }
    if (doubts.size() > 10) doubts.resize(10);  // Beyond that, only "all applied" is tried.
    for (uint64_t mask = 1; mask < (uint64_t{1} << doubts.size()); ++mask) {
      Model state = states_.front();
      size_t d = 0;
      for (uint64_t id = first_id_; id <= p; ++id) {
        while (d < doubts.size() && doubts[d] < id) ++d;
        const bool left_out = d < doubts.size() && doubts[d] == id && (mask >> d & 1);
        if (!left_out) ApplyToModel(MakeWrite(options_, id), &state);
      }
      if (state == recovered) return true;
    }
    return false;
  }

  void Rebase(const Model& recovered, uint64_t p) {
    states_.assign(1, recovered);
    first_id_ = p + 1;
    last_acknowledged_ = last_durable_ = p;
    in_doubt_.clear();
  }

  const WorkloadOptions options_;
  uint64_t first_id_ = 1;  // states_[i] is the model after write first_id_ - 1 + i.
  std::vector<Model> states_;
  uint64_t last_acknowledged_ = 0;
  uint64_t last_durable_ = 0;
  std::vector<uint64_t> in_doubt_;
};

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_RELIABILITY_WORKLOAD_H_
