#include "cluster/sim_link_table.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testutil/testutil.h"

namespace kvlsm::cluster {
namespace {

SimLink FixedLink(uint64_t latency) {
  SimLink link;
  link.min_latency_micros = latency;
  link.jitter_micros = 0;
  return link;
}

// A table over nodes 1..count whose trace lines are appended to *trace.
class SimLinkTableTest : public ::testing::Test {
 protected:
  void Build(int count, uint64_t seed = 1) {
    random_ = std::make_unique<Random>(seed);
    table_ = std::make_unique<SimLinkTable>(
        FixedLink(100), random_.get(), [this](const std::string& line) { trace_.push_back(line); });
    for (NodeId id = 1; id <= static_cast<NodeId>(count); ++id) table_->AddNode(id);
  }

  // Every ordered pair of distinct nodes 1..count that can talk, as "a>b".
  std::set<std::string> Open(int count) const {
    std::set<std::string> open;
    for (NodeId a = 1; a <= static_cast<NodeId>(count); ++a) {
      for (NodeId b = 1; b <= static_cast<NodeId>(count); ++b) {
        if (a != b && !table_->Cut(a, b)) open.insert(std::to_string(a) + ">" + std::to_string(b));
      }
    }
    return open;
  }

  std::unique_ptr<Random> random_;
  std::unique_ptr<SimLinkTable> table_;
  std::vector<std::string> trace_;
};

TEST_F(SimLinkTableTest, SetLinkOverridesOneDirectionOnly) {
  Build(3);
  EXPECT_EQ(table_->LinkFor(1, 2).min_latency_micros, 100u);
  ASSERT_OK(table_->SetLink(1, 2, FixedLink(7)));
  EXPECT_EQ(table_->LinkFor(1, 2).min_latency_micros, 7u);
  EXPECT_EQ(table_->LinkFor(2, 1).min_latency_micros, 100u);
  ASSERT_OK(table_->SetAllLinks(FixedLink(9)));
  EXPECT_EQ(table_->LinkFor(1, 2).min_latency_micros, 9u);  // overrides are gone
  EXPECT_EQ(table_->LinkFor(3, 1).min_latency_micros, 9u);
}

TEST_F(SimLinkTableTest, SetLinkRejectsUnknownNodesAndBadLinks) {
  Build(2);
  EXPECT_EQ(table_->SetLink(1, 9, FixedLink(1)).code(), absl::StatusCode::kNotFound);
  SimLink bad = FixedLink(1);
  bad.loss = 1.5;
  const absl::Status s = table_->SetLink(1, 2, bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("loss"), std::string::npos) << s;
  EXPECT_EQ(table_->SetAllLinks(bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table_->LinkFor(1, 2).loss, 0.0);
}

TEST_F(SimLinkTableTest, LatencyIsMinimumPlusJitter) {
  Build(2);
  SimLink link = FixedLink(1000);
  link.jitter_micros = 50;
  for (int i = 0; i < 200; ++i) {
    const uint64_t latency = table_->DrawLatency(link);
    EXPECT_GE(latency, 1000u);
    EXPECT_LE(latency, 1050u);
  }
  EXPECT_EQ(table_->DrawLatency(FixedLink(3)), 3u);
}

TEST_F(SimLinkTableTest, PartitionCutsBetweenGroupsAndUnlistedNodesFormOne) {
  Build(5);
  ASSERT_OK(table_->Partition({{1, 2}, {3}}));
  // {1,2} | {3} | {4,5} (unlisted).
  EXPECT_EQ(Open(5), (std::set<std::string>{"1>2", "2>1", "4>5", "5>4"}));
  EXPECT_EQ(trace_.back(), "partition {1,2} | {3}");
  table_->Heal();
  EXPECT_EQ(Open(5).size(), 20u);
  EXPECT_EQ(trace_.back(), "heal");
}

TEST_F(SimLinkTableTest, BadPartitionChangesNothing) {
  Build(3);
  ASSERT_OK(table_->CutLink(1, 2));
  EXPECT_EQ(table_->Partition({{1}, {7}}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table_->Partition({{1, 2}, {2}}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(table_->Cut(1, 2));
  EXPECT_FALSE(table_->Cut(2, 1));
  EXPECT_EQ(Open(3).size(), 5u);
}

TEST_F(SimLinkTableTest, CutLinkIsDirected) {
  Build(2);
  EXPECT_EQ(table_->CutLink(1, 3).code(), absl::StatusCode::kNotFound);
  ASSERT_OK(table_->CutLink(2, 1));
  EXPECT_TRUE(table_->Cut(2, 1));
  EXPECT_FALSE(table_->Cut(1, 2));
  EXPECT_EQ(trace_.back(), "cut link 2 -> 1");
}

TEST_F(SimLinkTableTest, BridgeNodeReachesBothSides) {
  Build(5, /*seed=*/3);
  const auto groups = table_->PartitionBridge();
  ASSERT_EQ(groups.size(), 3u);
  ASSERT_EQ(groups[2].size(), 1u);
  const NodeId bridge = groups[2][0];
  EXPECT_EQ(groups[0].size() + groups[1].size(), 4u);
  for (NodeId a : groups[0]) {
    for (NodeId b : groups[1]) {
      EXPECT_TRUE(table_->Cut(a, b));
      EXPECT_TRUE(table_->Cut(b, a));
    }
    EXPECT_FALSE(table_->Cut(a, bridge));
    EXPECT_FALSE(table_->Cut(bridge, a));
  }
  for (NodeId b : groups[1]) EXPECT_FALSE(table_->Cut(bridge, b));
}

TEST_F(SimLinkTableTest, RandomPartitionsAreAFunctionOfTheSeed) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Build(7, seed);
    const auto halves = table_->PartitionHalves();
    const auto random = table_->PartitionRandom();
    Build(7, seed);
    EXPECT_EQ(table_->PartitionHalves(), halves) << seed;
    EXPECT_EQ(table_->PartitionRandom(), random) << seed;
    // Every node in exactly one group, each group sorted, at least two groups.
    std::vector<NodeId> all;
    for (const auto& group : random) {
      EXPECT_TRUE(std::is_sorted(group.begin(), group.end()));
      all.insert(all.end(), group.begin(), group.end());
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, (std::vector<NodeId>{1, 2, 3, 4, 5, 6, 7})) << seed;
    EXPECT_GE(random.size(), 2u);
    ASSERT_EQ(halves.size(), 2u);
    EXPECT_EQ(halves[0].size(), 3u);
    EXPECT_EQ(halves[1].size(), 4u);
  }
}

}  // namespace
}  // namespace kvlsm::cluster
