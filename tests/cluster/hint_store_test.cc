// HintStore: hints survive a reopen, stay within their byte bound, expire by age, and
// join per key for reads served by a stand-in.
#include "cluster/hint_store.h"

#include <memory>

#include <gtest/gtest.h>

#include "cluster/replica_store.h"
#include "kvlsm/env.h"
#include "testutil/testutil.h"

namespace kvlsm::cluster {
namespace {

class HintStoreTest : public ::testing::Test {
 protected:
  HintStoreTest() : env_(NewMemEnv()) { Reopen(HintStoreOptions()); }

  void Reopen(const HintStoreOptions& options, uint64_t now = 1000) {
    hints_.reset();
    store_.reset();
    ReplicaStoreOptions store_options;
    store_options.path = "/db";
    store_options.env = env_.get();
    absl::StatusOr<std::unique_ptr<ReplicaStore>> store = ReplicaStore::Open(store_options);
    ASSERT_OK(store);
    store_ = *std::move(store);
    absl::StatusOr<std::unique_ptr<HintStore>> hints =
        HintStore::Open(store_->db(), store_->write_options(), options, now);
    ASSERT_OK(hints);
    hints_ = *std::move(hints);
  }

  static DvvSet State(const std::string& value, NodeId coordinator) {
    DvvSet state;
    EXPECT_OK(state.Put(Context(), value, coordinator));
    return state;
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<ReplicaStore> store_;
  std::unique_ptr<HintStore> hints_;
};

TEST_F(HintStoreTest, HintsSurviveAReopenInOrder) {
  ASSERT_OK(hints_->Add(3, "a", State("1", 1), 1000));
  ASSERT_OK(hints_->Add(4, "b", State("2", 1), 1000));
  ASSERT_OK(hints_->Add(3, "c", State("3", 1), 1000));
  const uint64_t bytes = hints_->bytes();
  Reopen(HintStoreOptions());
  EXPECT_EQ(hints_->count(), 3u);
  EXPECT_EQ(hints_->bytes(), bytes);
  EXPECT_EQ(hints_->Owners(), (std::vector<NodeId>{3, 4}));
  std::vector<uint64_t> ids = hints_->IdsFor(3, 10);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(hints_->hint(ids[0]).key, "a");
  EXPECT_EQ(hints_->hint(ids[1]).key, "c");
  absl::StatusOr<DvvSet> state = hints_->Load(ids[1]);
  ASSERT_OK(state);
  EXPECT_EQ(*state, State("3", 1));
  // Skipping the ones in flight.
  EXPECT_EQ(hints_->IdsFor(3, 10, {ids[0]}), std::vector<uint64_t>{ids[1]});
  ASSERT_OK(hints_->Remove(ids[0]));
  ASSERT_OK(hints_->Remove(ids[0]));  // twice: nothing left to remove
  Reopen(HintStoreOptions());
  EXPECT_EQ(hints_->count(), 2u);
  // New ids continue after the largest stored one.
  ASSERT_OK(hints_->Add(3, "d", State("4", 1), 1000));
  EXPECT_GT(hints_->IdsFor(3, 10).back(), ids[1]);
}

TEST_F(HintStoreTest, AHintBeyondTheByteBoundIsRefusedAndNothingIsStored) {
  HintStoreOptions options;
  options.max_bytes = 100;
  Reopen(options);
  ASSERT_OK(hints_->Add(3, "a", State("small", 1), 1000));
  absl::Status full = hints_->Add(3, "b", State(std::string(100, 'x'), 1), 1000);
  EXPECT_TRUE(absl::IsResourceExhausted(full)) << full;
  EXPECT_TRUE(test::MessageContains(full, "bound of 100")) << full;
  EXPECT_EQ(hints_->count(), 1u);
  EXPECT_LE(hints_->bytes(), 100u);
  Reopen(options);
  EXPECT_EQ(hints_->count(), 1u);
}

TEST_F(HintStoreTest, HintsOlderThanTheBoundExpire) {
  HintStoreOptions options;
  options.max_age_micros = 500;
  Reopen(options);
  ASSERT_OK(hints_->Add(3, "old", State("1", 1), 1000));
  ASSERT_OK(hints_->Add(3, "new", State("2", 1), 1400));
  absl::StatusOr<size_t> expired = hints_->Expire(1500);
  ASSERT_OK(expired);
  EXPECT_EQ(*expired, 0u);
  expired = hints_->Expire(1501);
  ASSERT_OK(expired);
  EXPECT_EQ(*expired, 1u);
  ASSERT_EQ(hints_->count(), 1u);
  EXPECT_EQ(hints_->hint(hints_->IdsFor(3, 1)[0]).key, "new");
}

TEST_F(HintStoreTest, ACreationTimeFromTheFutureCountsAsNow) {
  ASSERT_OK(hints_->Add(3, "k", State("1", 1), 1000000));
  Reopen(HintStoreOptions(), /*now=*/5);  // the clock restarted from 0
  EXPECT_EQ(hints_->hint(hints_->IdsFor(3, 1)[0]).created_micros, 5u);
}

TEST_F(HintStoreTest, HintsOfOneKeyJoin) {
  ASSERT_OK(hints_->Add(3, "k", State("from 1", 1), 1000));
  ASSERT_OK(hints_->Add(4, "k", State("from 2", 2), 1000));
  ASSERT_OK(hints_->Add(4, "other", State("x", 2), 1000));
  absl::StatusOr<DvvSet> joined = hints_->JoinedStateOf("k");
  ASSERT_OK(joined);
  EXPECT_EQ(joined->sibling_count(), 2u);
  joined = hints_->JoinedStateOf("none");
  ASSERT_OK(joined);
  EXPECT_EQ(joined->sibling_count(), 0u);
}

TEST_F(HintStoreTest, ADamagedHintFailsTheOpenNamingIt) {
  ASSERT_OK(store_->db()->Put(WriteOptions(), std::string("h\0\0\0\0\0\0\0\x07", 9), "\x01junk"));
  hints_.reset();
  absl::StatusOr<std::unique_ptr<HintStore>> hints =
      HintStore::Open(store_->db(), store_->write_options(), HintStoreOptions(), 1000);
  EXPECT_TRUE(absl::IsDataLoss(hints.status())) << hints.status();
  EXPECT_TRUE(test::MessageContains(hints.status(), "hint 7")) << hints.status();
}

}  // namespace
}  // namespace kvlsm::cluster
