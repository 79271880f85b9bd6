#include "testutil/crash_history.h"

#include <gtest/gtest.h>

#include "testutil/testutil.h"

namespace kvlsm::test {

void CrashHistory::CheckRecovered(DB* db) {
  std::string last;
  absl::Status s = db->Get(ReadOptions(), "#last", &last);
  uint64_t prefix = 0;
  if (s.ok()) {
    prefix = std::stoull(last);
  } else {
    ASSERT_TRUE(absl::IsNotFound(s)) << s;
  }
  ASSERT_GE(prefix, last_durable_);
  ASSERT_LT(prefix, history_.size());
  Model recovered;
  auto it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key() != "#last") recovered[std::string(it->key())] = std::string(it->value());
  }
  ASSERT_OK(it->status());
  ASSERT_EQ(recovered, history_[prefix]) << "recovered state is not write " << prefix;
  history_.resize(prefix + 1);
  last_durable_ = prefix;
}

WriteBatch CrashHistory::NextBatch(Random* rnd, const CrashBatchShape& shape) {
  pending_ = history_.back();
  WriteBatch batch;
  const int n = 1 + static_cast<int>(rnd->Uniform(shape.max_updates));
  for (int i = 0; i < n; ++i) {
    const std::string key = "k" + std::to_string(rnd->Uniform(shape.key_space));
    if (rnd->OneIn(shape.delete_one_in)) {
      batch.Delete(key);
      pending_.erase(key);
    } else {
      const std::string value = RandomString(rnd, rnd->Uniform(shape.max_value_bytes));
      batch.Put(key, value);
      pending_[key] = value;
    }
  }
  batch.Put("#last", std::to_string(history_.size()));
  return batch;
}

void CrashHistory::Acknowledge(bool durable) {
  history_.push_back(std::move(pending_));
  ++acknowledged_;
  if (durable) last_durable_ = history_.size() - 1;
}

}  // namespace kvlsm::test
