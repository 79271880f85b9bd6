#include "kvlsm/cluster/history_checker.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testutil/testutil.h"

namespace kvlsm::cluster {
namespace {

using Kind = HistoryViolation::Kind;

const HistoryQuorum kStrict{.n = 3, .r = 2, .w = 2, .sloppy = false};
const HistoryQuorum kSloppy{.n = 3, .r = 2, .w = 2, .sloppy = true};
const HistoryQuorum kWeak{.n = 3, .r = 1, .w = 1, .sloppy = false};

// Builds histories by hand: a single "truth" DvvSet for key "k" that a coordinator (node
// 1) applies writes to, and a History recording them. Final replica states are copies
// of the truth (or of older versions, to inject faults).
class HistoryCheckerTest : public testing::Test {
 protected:
  // An acknowledged put at [invoked, completed]: returns the new value's context.
  Context Put(const std::string& value, const Context& context, uint64_t invoked,
              uint64_t completed, const HistoryQuorum& quorum = kStrict, NodeId coordinator = 1) {
    const uint64_t id = history_.InvokePut("k", value, context, quorum, invoked);
    absl::StatusOr<Context> result = truth_.Put(context, value, coordinator);
    EXPECT_OK(result);
    history_.CompletePut(id, completed, result);
    return *result;
  }
  void Delete(const Context& context, uint64_t invoked, uint64_t completed,
              const HistoryQuorum& quorum = kStrict) {
    const uint64_t id = history_.InvokeDelete("k", context, quorum, invoked);
    EXPECT_OK(truth_.Delete(context));
    history_.CompleteDelete(id, completed, absl::OkStatus());
  }
  // A get returning `state`'s siblings and context.
  Siblings Get(const DvvSet& state, uint64_t invoked, uint64_t completed,
               const HistoryQuorum& quorum = kStrict) {
    const uint64_t id = history_.InvokeGet("k", quorum, invoked);
    history_.CompleteGet(id, completed, state.Read());
    return state.Read();
  }

  // Every replica (1, 2, 3) holds `state`.
  void AllReplicasHold(const DvvSet& state) {
    for (NodeId node : {1, 2, 3}) final_.stores[node]["k"] = state;
  }

  HistoryCheckReport Check() {
    final_.replicas_of = [](std::string_view) { return std::vector<NodeId>{1, 2, 3}; };
    absl::StatusOr<HistoryCheckReport> report = CheckHistory(history_.operations(), final_);
    EXPECT_OK(report);
    return report.ok() ? *report : HistoryCheckReport{};
  }

  static std::vector<Kind> Kinds(const HistoryCheckReport& report) {
    std::vector<Kind> kinds;
    for (const auto& v : report.violations) kinds.push_back(v.kind);
    return kinds;
  }

  static bool Mentions(const HistoryCheckReport& report, const std::string& text) {
    return report.ToString(100).find(text) != std::string::npos;
  }

  History history_;
  DvvSet truth_;
  FinalReplicaState final_;
};

TEST_F(HistoryCheckerTest, ACorrectHistoryPasses) {
  const Context a = Put("a", {}, 0, 10);
  const Siblings read = Get(truth_, 20, 30);
  EXPECT_EQ(read.values, std::vector<std::string>{"a"});
  const Context b = Put("b", read.context, 40, 50);
  Get(truth_, 60, 70);
  Delete(truth_.Read().context, 80, 90);
  Get(truth_, 100, 110);
  AllReplicasHold(truth_);
  final_.merkle_roots = {{1, {0, 100}, 7}, {2, {0, 100}, 7}, {3, {100, 0}, 9}};
  const HistoryCheckReport report = Check();
  EXPECT_TRUE(report.ok()) << report.ToString();
  EXPECT_EQ(report.acknowledged_puts, 2u);
  EXPECT_EQ(report.acknowledged_deletes, 1u);
  EXPECT_EQ(report.reads_checked_for_staleness, 3u);
  EXPECT_EQ(report.keys, 1u);
}

TEST_F(HistoryCheckerTest, AnAcknowledgedWriteMissingOnAReplicaIsLost) {
  const DvvSet before = truth_;
  Put("a", {}, 0, 10);
  AllReplicasHold(truth_);
  final_.stores[3]["k"] = before;
  const HistoryCheckReport report = Check();
  EXPECT_EQ(Kinds(report), (std::vector<Kind>{Kind::kLostWrite, Kind::kDivergent}));
  EXPECT_TRUE(Mentions(report, "put #0 of \"a\" (acknowledged at 10 us), dot (1,1), is "
                               "missing on replica 3"))
      << report.ToString();
}

TEST_F(HistoryCheckerTest, ConcurrentWritesSurviveAsSiblings) {
  Put("a", {}, 0, 10, kStrict, 1);
  Put("b", {}, 5, 15, kStrict, 2);
  AllReplicasHold(truth_);
  EXPECT_EQ(truth_.sibling_count(), 2u);
  EXPECT_TRUE(Check().ok());
}

TEST_F(HistoryCheckerTest, ASiblingDroppedWithoutAContextThatSawItIsReported) {
  const Context a = Put("a", {}, 0, 10, kStrict, 1);
  Put("b", {}, 5, 15, kStrict, 2);
  // A replica that dropped "a" although no client ever saw it (a last-writer-wins bug).
  DvvSet dropped = truth_;
  ASSERT_OK(dropped.Delete(a));
  AllReplicasHold(dropped);
  const HistoryCheckReport report = Check();
  ASSERT_EQ(Kinds(report), (std::vector<Kind>(3, Kind::kDroppedSibling)));
  EXPECT_TRUE(Mentions(report, "put #0 of \"a\" (acknowledged at 10 us), dot (1,1), is no "
                               "longer a sibling on replica 1"))
      << report.ToString();
}

TEST_F(HistoryCheckerTest, ADeletedValueThatComesBackIsResurrected) {
  Put("a", {}, 0, 10);
  const DvvSet before_delete = truth_;
  Delete(truth_.Read().context, 20, 30);
  AllReplicasHold(truth_);
  final_.stores[2]["k"] = before_delete;
  const HistoryCheckReport report = Check();
  EXPECT_EQ(Kinds(report), (std::vector<Kind>{Kind::kResurrected, Kind::kDivergent}));
  EXPECT_TRUE(Mentions(report, "node 2 still holds \"a\" (dot (1,1)), which delete #1 "
                               "(acknowledged at 30 us) had superseded"))
      << report.ToString();
}

TEST_F(HistoryCheckerTest, AQuorumReadMissingAnAcknowledgedPutIsStale) {
  const DvvSet empty = truth_;
  Put("a", {}, 0, 10);
  Get(empty, 20, 30);
  AllReplicasHold(truth_);
  const HistoryCheckReport report = Check();
  EXPECT_EQ(Kinds(report), std::vector<Kind>{Kind::kStaleRead});
  EXPECT_TRUE(Mentions(report, "get #1, invoked at 20 us, read context {}, missing put #0"))
      << report.ToString();
}

TEST_F(HistoryCheckerTest, StalenessIsOnlyRequiredOfStrictIntersectingQuorums) {
  const DvvSet empty = truth_;
  Put("a", {}, 0, 10);
  Get(empty, 20, 30, kSloppy);  // sloppy: may miss it
  Get(empty, 20, 30, kWeak);    // R + W = N: may miss it
  Get(empty, 5, 30);            // invoked before the put was acknowledged
  AllReplicasHold(truth_);
  const HistoryCheckReport report = Check();
  EXPECT_TRUE(report.ok()) << report.ToString();
  EXPECT_EQ(report.reads_checked_for_staleness, 2u);
}

TEST_F(HistoryCheckerTest, AReadReturningASupersededValueIsStale) {
  const Context a = Put("a", {}, 0, 10);
  const DvvSet only_a = truth_;
  Put("b", a, 20, 30);
  // A read whose context covers "b" but still returns "a" (values not reconciled).
  const uint64_t id = history_.InvokeGet("k", kStrict, 40);
  history_.CompleteGet(id, 50, Siblings{{"a"}, truth_.Read().context});
  Get(only_a, 40, 50);  // a read that missed "b" altogether
  AllReplicasHold(truth_);
  const HistoryCheckReport report = Check();
  EXPECT_EQ(Kinds(report), (std::vector<Kind>(3, Kind::kStaleRead)));
  EXPECT_TRUE(Mentions(report, "get #2, invoked at 40 us, returned \"a\", which put #1 of "
                               "\"b\" (acknowledged at 30 us) had superseded"))
      << report.ToString();
}

TEST_F(HistoryCheckerTest, AReadMissingAnAcknowledgedDeleteIsStale) {
  const DvvSet empty = truth_;
  Put("a", {}, 0, 10);
  const DvvSet before_delete = truth_;
  Delete(truth_.Read().context, 20, 30);
  Get(before_delete, 40, 50);  // the delete's context, but the deleted value too
  Get(empty, 40, 50);          // neither the put nor the delete
  AllReplicasHold(truth_);
  const HistoryCheckReport report = Check();
  EXPECT_EQ(Kinds(report), (std::vector<Kind>(3, Kind::kStaleRead)));
  EXPECT_TRUE(Mentions(report, "get #2, invoked at 40 us, returned \"a\", which delete #1 "
                               "(acknowledged at 30 us) had superseded"))
      << report.ToString();
  EXPECT_TRUE(Mentions(report, "get #3, invoked at 40 us, read context {}, which does not "
                               "cover the context {1:1} of delete #1"))
      << report.ToString();
}

TEST_F(HistoryCheckerTest, ValuesNoPutWroteAreForeign) {
  Put("a", {}, 0, 10);
  DvvSet forged = truth_;
  ASSERT_OK(forged.Put({}, "forged", 9));
  AllReplicasHold(truth_);
  final_.stores[1]["k"] = forged;
  const uint64_t id = history_.InvokeGet("k", kSloppy, 20);
  history_.CompleteGet(id, 30, Siblings{{"a", "invented"}, truth_.Read().context});
  const HistoryCheckReport report = Check();
  EXPECT_TRUE(Mentions(report, "node 1 stores \"forged\" under dot (9,1), a value no put wrote"))
      << report.ToString();
  EXPECT_TRUE(Mentions(report, "get #1 returned \"invented\", a value no put wrote"));
}

TEST_F(HistoryCheckerTest, ADotIssuedTwiceIsReported) {
  // Node 1 lost its data and wrote again under the same dot (1,1).
  Put("a", {}, 0, 10);
  const DvvSet after_a = truth_;
  truth_ = DvvSet();
  Put("b", {}, 20, 30);
  DvvSet merged = after_a;
  ASSERT_OK(merged.Sync(truth_));
  AllReplicasHold(merged);
  const HistoryCheckReport report = Check();
  EXPECT_TRUE(Mentions(report, "dot (1,1) was issued twice: to put #0 of \"a\" "
                               "(acknowledged at 10 us) and to put #1 of \"b\""))
      << report.ToString();
  EXPECT_TRUE(Mentions(report, "replica 1 holds \"a\" under dot (1,1), the dot of put #1"))
      << report.ToString();
}

TEST_F(HistoryCheckerTest, UnacknowledgedWritesMayOrMayNotTakeEffect) {
  Put("a", {}, 0, 10);
  // A put that timed out but reached the replicas, and one that reached none.
  const uint64_t landed = history_.InvokePut("k", "landed", {}, kStrict, 20);
  ASSERT_OK(truth_.Put({}, "landed", 2));
  history_.CompletePut(landed, 30, absl::DeadlineExceededError("1 of 2 replicas answered"));
  history_.InvokePut("k", "vanished", {}, kStrict, 20);  // never completed
  AllReplicasHold(truth_);
  const HistoryCheckReport report = Check();
  EXPECT_TRUE(report.ok()) << report.ToString();
  EXPECT_EQ(report.acknowledged_puts, 1u);
  EXPECT_EQ(history_.operations()[landed].error, "1 of 2 replicas answered");
}

TEST_F(HistoryCheckerTest, DivergentReplicasAndMerkleRootsAreReported) {
  Put("a", {}, 0, 10, kSloppy);
  AllReplicasHold(truth_);
  Put("b", {}, 20, 30, kSloppy, 2);  // reached only replica 1
  final_.stores[1]["k"] = truth_;
  final_.merkle_roots = {{1, {0, 100}, 7}, {2, {0, 100}, 8}};
  const HistoryCheckReport report = Check();
  EXPECT_TRUE(Mentions(report, "replica 1 holds")) << report.ToString();
  EXPECT_TRUE(Mentions(report, "differ: node 1 has 0000000000000007, node 2 has "
                               "0000000000000008"))
      << report.ToString();
  EXPECT_EQ(Kinds(report).back(), Kind::kDivergent);
}

TEST_F(HistoryCheckerTest, UnusableHistoriesAreRefused) {
  Put("a", {}, 0, 10);
  Put("a", {}, 20, 30);
  final_.replicas_of = [](std::string_view) { return std::vector<NodeId>{1}; };
  absl::StatusOr<HistoryCheckReport> report = CheckHistory(history_.operations(), final_);
  EXPECT_TRUE(test::MessageContains(report.status(), "puts #0 and #1 write the same value"))
      << report.status();

  History bad_context;
  const uint64_t id = bad_context.InvokePut("k", "x", {}, kStrict, 0);
  bad_context.CompletePut(id, 10, Context());  // adds no dot
  report = CheckHistory(bad_context.operations(), final_);
  EXPECT_TRUE(test::MessageContains(report.status(), "not its input context {} plus one dot"))
      << report.status();

  report = CheckHistory(bad_context.operations(), FinalReplicaState{});
  EXPECT_TRUE(test::MessageContains(report.status(), "replicas_of is not set"));
}

TEST_F(HistoryCheckerTest, AGetThatFindsNothingIsAnEmptyRead) {
  const uint64_t id = history_.InvokeGet("k", kStrict, 0);
  history_.CompleteGet(id, 10, absl::NotFoundError("no such key"));
  EXPECT_TRUE(history_.operations()[id].acknowledged);
  EXPECT_TRUE(history_.operations()[id].read_values.empty());
  const uint64_t failed = history_.InvokeGet("k", kStrict, 0);
  history_.CompleteGet(failed, 10, absl::UnavailableError("1 of 2 replicas answered"));
  EXPECT_FALSE(history_.operations()[failed].acknowledged);
  EXPECT_TRUE(Check().ok());
}

TEST_F(HistoryCheckerTest, ReportTextIsBounded) {
  HistoryCheckReport report;
  for (int i = 0; i < 5; ++i) report.violations.push_back({Kind::kLostWrite, "k", i, "m"});
  const std::string text = report.ToString(2);
  EXPECT_NE(text.find("5 violation(s)"), std::string::npos);
  EXPECT_NE(text.find("lost write: key \"k\": m"), std::string::npos);
  EXPECT_NE(text.find("... and 3 more"), std::string::npos);
}

}  // namespace
}  // namespace kvlsm::cluster
