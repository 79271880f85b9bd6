// CrashHistory: what a power-cut or crash test acknowledged, and the check of what a DB
// recovered against it.
//
// Every write i is a random batch that also sets the key "#last" to i, so the recovered
// "#last" names the prefix of history the DB claims to hold. The check: the recovered
// state equals the state after write "#last" exactly (no holes, nothing extra), and
// "#last" is at least the last write known durable (synced, or covered by a Flush).
//
// Thread safety: one thread at a time.
#ifndef KVLSM_TESTS_TESTUTIL_CRASH_HISTORY_H_
#define KVLSM_TESTS_TESTUTIL_CRASH_HISTORY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kvlsm/db.h"
#include "kvlsm/write_batch.h"
#include "util/random.h"

namespace kvlsm::test {

struct CrashBatchShape {
  int max_updates = 4;         // 1..max_updates updates per batch.
  int key_space = 40;          // Keys "k0" .. "k<key_space - 1>".
  size_t max_value_bytes = 2000;
  int delete_one_in = 5;       // One update in delete_one_in is a Delete.
};

class CrashHistory {
 public:
  using Model = std::map<std::string, std::string>;

  // Checks `db` as described above (gtest assertions: wrap the call in
  // ASSERT_NO_FATAL_FAILURE), then forgets the writes after the recovered one: recovery
  // made the rest durable.
  void CheckRecovered(DB* db);

  // A random batch; Acknowledge() records it once the DB accepted it.
  WriteBatch NextBatch(Random* rnd, const CrashBatchShape& shape);
  // The batch from the last NextBatch was written; `durable` when with sync.
  void Acknowledge(bool durable);
  // Everything acknowledged so far is durable (a Flush succeeded).
  void MarkDurable() { last_durable_ = history_.size() - 1; }

  // Writes acknowledged since construction, in every cycle (lost unsynced ones included).
  uint64_t acknowledged() const { return acknowledged_; }

 private:
  std::vector<Model> history_ = {Model()};  // history_[i]: the state after write i.
  uint64_t last_durable_ = 0;
  Model pending_;
  uint64_t acknowledged_ = 0;
};

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_TESTUTIL_CRASH_HISTORY_H_
