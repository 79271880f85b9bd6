// Model test: seeded random sequences of Put/Delete/Merge/Write, point reads, iteration in
// both directions with seeks and bounds, snapshots, reopens and CompactRange, checked step
// by step against a std::map, under each compaction policy (tuned small, so that background
// compactions race everything else), with a merge-heavy variant.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kvlsm/compaction_policy.h"

#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "kvlsm/merge_operator.h"
#include "testutil/test_plugins.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using Model = std::map<std::string, std::string>;

void ModelMerge(Model* model, const std::string& key, const std::string& operand) {
  auto it = model->find(key);
  std::string base = it == model->end() ? "" : it->second;
  (*model)[key] = base + "+" + operand;
}

enum class Policy { kLeveled, kSizeTiered };
enum class Mix { kBalanced, kMergeHeavy };

struct ModelParam {
  Policy policy;
  Mix mix;
  uint64_t seed;
};

std::string ParamName(const testing::TestParamInfo<ModelParam>& info) {
  return std::string(info.param.policy == Policy::kLeveled ? "Leveled" : "SizeTiered") +
         (info.param.mix == Mix::kMergeHeavy ? "MergeHeavy" : "") + "Seed" +
         std::to_string(info.param.seed);
}

std::shared_ptr<const CompactionPolicy> SmallPolicy(Policy policy) {
  return policy == Policy::kLeveled ? test::SmallLeveledCompaction()
                                    : test::SmallSizeTieredCompaction();
}

class DBModelTest : public testing::TestWithParam<ModelParam> {
 protected:
  DBModelTest() : env_(NewMemEnv()), rnd_(0) {
    options_.env = env_.get();
    options_.create_if_missing = true;
    options_.write_buffer_size = 64 << 10;  // Many memtable switches.
    options_.merge_operator = std::make_shared<test::PlusAppendOperator>();
    options_.compaction_policy = SmallPolicy(GetParam().policy);
  }

  void Open() {
    if (db_ != nullptr) Close();
    auto db = DB::Open(options_, "/db");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  std::string RandomKey() {
    // A small key space so keys get many versions; a few long keys too.
    const uint64_t k = rnd_.Uniform(200);
    std::string key = "k" + std::to_string(k);
    if (k % 37 == 0) key += std::string(100, 'x');
    return key;
  }

  std::string RandomValue() { return test::RandomString(&rnd_, rnd_.Uniform(300)); }

  void CheckGet(const Model& model, const std::string& key, const Snapshot* snapshot) {
    ReadOptions ro;
    ro.snapshot = snapshot;
    std::string value;
    absl::Status s = db_->Get(ro, key, &value);
    auto it = model.find(key);
    if (it == model.end()) {
      ASSERT_TRUE(absl::IsNotFound(s)) << key << ": " << s;
    } else {
      ASSERT_TRUE(s.ok()) << key << ": " << s;
      ASSERT_EQ(value, it->second) << key;
    }
  }

  // Walks the DB and the model together with a random mix of moves.
  void CheckIterator(const Model& full_model, const Snapshot* snapshot) {
    ReadOptions ro;
    ro.snapshot = snapshot;
    Model model = full_model;
    if (rnd_.OneIn(3)) {
      std::string lo = RandomKey(), hi = RandomKey();
      if (hi < lo) std::swap(lo, hi);
      ro.lower_bound = lo;
      ro.upper_bound = hi;
      model.erase(model.begin(), model.lower_bound(lo));
      model.erase(model.lower_bound(hi), model.end());
    }
    auto it = db_->NewIterator(ro);
    Model::const_iterator pos = model.end();  // end() means "not valid".
    for (int step = 0; step < 60; ++step) {
      switch (rnd_.Uniform(8)) {
        case 0:
          it->SeekToFirst();
          pos = model.begin();
          break;
        case 1:
          it->SeekToLast();
          pos = model.empty() ? model.end() : std::prev(model.end());
          break;
        case 2: {
          const std::string target = RandomKey();
          it->Seek(target);
          pos = model.lower_bound(target);
          break;
        }
        case 3: {
          const std::string target = RandomKey();
          it->SeekForPrev(target);
          pos = model.upper_bound(target);
          pos = pos == model.begin() ? model.end() : std::prev(pos);
          break;
        }
        case 4:
        case 5:
          if (pos == model.end()) continue;
          it->Next();
          ++pos;
          break;
        default:
          if (pos == model.end()) continue;
          it->Prev();
          pos = pos == model.begin() ? model.end() : std::prev(pos);
          break;
      }
      ASSERT_OK(it->status());
      ASSERT_EQ(it->Valid(), pos != model.end()) << "step " << step;
      if (pos != model.end()) {
        ASSERT_EQ(it->key(), pos->first) << "step " << step;
        ASSERT_EQ(it->value(), pos->second) << "step " << step;
      }
    }
  }

  void Close() {
    compactions_ += std::stoull(*db_->GetProperty("kvlsm.num-compactions"));
    db_.reset();
  }

  std::unique_ptr<Env> env_;
  Random rnd_;
  uint64_t compactions_ = 0;  // Completed by the DBs closed so far.
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_P(DBModelTest, RandomOperationsMatchAStdMap) {
  const uint64_t seed = test::TestSeed(GetParam().seed);
  SCOPED_TRACE(test::SeedTrace(seed));
  const bool merge_heavy = GetParam().mix == Mix::kMergeHeavy;
  rnd_ = Random(seed);
  Open();
  Model model;
  std::vector<std::pair<const Snapshot*, Model>> snapshots;

  for (int op = 0; op < 3000; ++op) {
    SCOPED_TRACE("operation " + std::to_string(op));
    uint64_t choice = rnd_.Uniform(100);
    // Merge-heavy: most writes are merges, on few keys, so operand chains get long.
    if (merge_heavy && choice < 45 && rnd_.Uniform(4) != 0) choice = 50;
    if (choice < 35) {
      const std::string key = RandomKey(), value = RandomValue();
      ASSERT_OK(db_->Put(WriteOptions(), key, value));
      model[key] = value;
    } else if (choice < 45) {
      const std::string key = RandomKey();
      ASSERT_OK(db_->Delete(WriteOptions(), key));
      model.erase(key);
    } else if (choice < 55) {
      const std::string key = RandomKey(), operand = test::RandomString(&rnd_, 5);
      ASSERT_OK(db_->Merge(WriteOptions(), key, operand));
      ModelMerge(&model, key, operand);
    } else if (choice < 62) {
      WriteBatch batch;
      const int n = 1 + static_cast<int>(rnd_.Uniform(10));
      for (int i = 0; i < n; ++i) {
        const std::string key = RandomKey();
        switch (rnd_.Uniform(3)) {
          case 0: {
            const std::string value = RandomValue();
            batch.Put(key, value);
            model[key] = value;
            break;
          }
          case 1:
            batch.Delete(key);
            model.erase(key);
            break;
          default: {
            const std::string operand = test::RandomString(&rnd_, 3);
            batch.Merge(key, operand);
            ModelMerge(&model, key, operand);
            break;
          }
        }
      }
      ASSERT_OK(db_->Write(WriteOptions{.sync = rnd_.OneIn(4)}, &batch));
    } else if (choice < 80) {
      ASSERT_NO_FATAL_FAILURE(CheckGet(model, RandomKey(), nullptr));
    } else if (choice < 85) {
      ASSERT_NO_FATAL_FAILURE(CheckIterator(model, nullptr));
    } else if (choice < 89) {
      snapshots.emplace_back(db_->GetSnapshot(), model);
    } else if (choice < 95 && !snapshots.empty()) {
      const size_t i = rnd_.Uniform(snapshots.size());
      ASSERT_NO_FATAL_FAILURE(CheckGet(snapshots[i].second, RandomKey(), snapshots[i].first));
      ASSERT_NO_FATAL_FAILURE(CheckIterator(snapshots[i].second, snapshots[i].first));
      if (rnd_.OneIn(2)) {
        db_->ReleaseSnapshot(snapshots[i].first);
        snapshots.erase(snapshots.begin() + static_cast<std::ptrdiff_t>(i));
      }
    } else if (choice < 97) {
      for (auto& [snapshot, unused] : snapshots) db_->ReleaseSnapshot(snapshot);
      snapshots.clear();
      ASSERT_NO_FATAL_FAILURE(Open());
    } else if (choice < 98) {
      ASSERT_OK(db_->Flush());
    } else if (choice < 99) {
      std::optional<std::string> lo, hi;
      if (rnd_.OneIn(2)) {
        lo = RandomKey();
        hi = RandomKey();
        if (*hi < *lo) std::swap(lo, hi);
      }
      ASSERT_OK(db_->CompactRange(lo, hi));
    }
  }
  ASSERT_NO_FATAL_FAILURE(CheckIterator(model, nullptr));
  for (auto& [snapshot, unused] : snapshots) db_->ReleaseSnapshot(snapshot);
  ASSERT_NO_FATAL_FAILURE(Open());
  for (const auto& [key, value] : model) ASSERT_NO_FATAL_FAILURE(CheckGet(model, key, nullptr));
  ASSERT_NO_FATAL_FAILURE(CheckIterator(model, nullptr));
  Close();
  // The point of the exercise: compactions ran beside everything else.
  EXPECT_GT(compactions_, 10u);
  std::printf("%llu compactions\n", static_cast<unsigned long long>(compactions_));
}

std::vector<ModelParam> AllParams() {
  std::vector<ModelParam> params;
  for (Policy policy : {Policy::kLeveled, Policy::kSizeTiered}) {
    for (uint64_t seed = 1; seed <= 8; ++seed) params.push_back({policy, Mix::kBalanced, seed});
    for (uint64_t seed = 1; seed <= 3; ++seed) params.push_back({policy, Mix::kMergeHeavy, seed});
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(Policies, DBModelTest, testing::ValuesIn(AllParams()), ParamName);

}  // namespace
}  // namespace kvlsm
