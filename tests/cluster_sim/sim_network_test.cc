#include "kvlsm/cluster/sim_network.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "kvlsm/env.h"
#include "testutil/testutil.h"

namespace kvlsm::cluster {
namespace {

// A network of `count` nodes (ids 1..count) whose deliveries are appended to *log as
// "t from->to bytes".
std::unique_ptr<SimNetwork> MakeNetwork(SimNetworkOptions options, int count,
                                        std::vector<std::string>* log) {
  auto net = SimNetwork::New(std::move(options));
  EXPECT_OK(net);
  for (NodeId id = 1; id <= static_cast<NodeId>(count); ++id) {
    EXPECT_OK((*net)->AddNode(id));
    SimNetwork* raw = net->get();
    EXPECT_OK((*net)->Attach(id, [raw, id, log](NodeId from, std::string bytes) {
      log->push_back(absl::StrFormat("%d %d->%d %s", raw->NowMicros(), from, id, bytes));
    }));
  }
  return std::move(*net);
}

SimLink FixedLink(uint64_t latency) {
  SimLink link;
  link.min_latency_micros = latency;
  link.jitter_micros = 0;
  return link;
}

SimNetworkOptions FixedLatency(uint64_t latency) {
  SimNetworkOptions options;
  options.default_link = FixedLink(latency);
  return options;
}

TEST(SimNetworkTest, DeliversAfterTheLinkLatency) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(1000), 2, &log);
  net->transport(1)->Send(2, "hello");
  net->RunFor(999);
  EXPECT_TRUE(log.empty());
  net->RunFor(1);
  EXPECT_EQ(log, std::vector<std::string>{"1000 1->2 hello"});
  EXPECT_EQ(net->NowMicros(), 1000u);
  EXPECT_EQ(net->stats().messages_sent, 1u);
  EXPECT_EQ(net->stats().messages_delivered, 1u);
}

TEST(SimNetworkTest, LatencyStaysWithinMinPlusJitter) {
  SimNetworkOptions options;
  options.seed = test::TestSeed(7);
  SCOPED_TRACE(test::SeedTrace(options.seed));
  options.default_link.min_latency_micros = 100;
  options.default_link.jitter_micros = 50;
  std::vector<std::string> log;
  auto net = MakeNetwork(options, 2, &log);
  std::vector<uint64_t> arrivals;
  ASSERT_OK(net->Attach(2, [&](NodeId, std::string) { arrivals.push_back(net->NowMicros()); }));
  for (int i = 0; i < 1000; ++i) net->transport(1)->Send(2, "x");
  EXPECT_TRUE(net->RunUntilIdle(1000000));
  ASSERT_EQ(arrivals.size(), 1000u);
  std::map<uint64_t, int> seen;
  for (uint64_t t : arrivals) {
    EXPECT_GE(t, 100u);
    EXPECT_LE(t, 150u);
    seen[t]++;
  }
  EXPECT_GT(seen.size(), 40u) << "latency is not spread over the jitter";
}

// Ping-pong with random fan-out: the full delivery log is a function of the seed.
std::vector<std::string> RandomRun(uint64_t seed) {
  SimNetworkOptions options;
  options.seed = seed;
  options.default_link.jitter_micros = 3000;
  options.default_link.tail_mean_micros = 500;
  options.default_link.loss = 0.1;
  options.default_link.duplicate = 0.05;
  options.max_clock_offset_micros = 10000;
  options.max_clock_drift_ppm = 200;
  std::vector<std::string> log;
  auto net = MakeNetwork(options, 5, &log);
  for (NodeId id = 1; id <= 5; ++id) {
    SimNetwork* raw = net.get();
    EXPECT_OK(net->Attach(id, [raw, id, &log](NodeId from, std::string bytes) {
      log.push_back(absl::StrFormat("%d %d->%d %s", raw->NowMicros(), from, id, bytes));
      if (bytes.size() < 6) raw->transport(id)->Send(from, bytes + "+");
    }));
    net->clock(id)->Schedule(id * 100, [raw, id] {
      for (NodeId to = 1; to <= 5; ++to) raw->transport(id)->Send(to, "p");
    });
  }
  net->ScheduleAfter(2000, [raw = net.get()] { raw->PartitionRandom(); });
  net->ScheduleAfter(6000, [raw = net.get()] { raw->Heal(); });
  net->RunUntilIdle(1000000);
  return log;
}

TEST(SimNetworkTest, TheSameSeedReplaysTheSameRun) {
  const uint64_t seed = test::TestSeed(11);
  SCOPED_TRACE(test::SeedTrace(seed));
  const std::vector<std::string> first = RandomRun(seed);
  EXPECT_GT(first.size(), 20u);
  EXPECT_EQ(RandomRun(seed), first);
  EXPECT_NE(RandomRun(seed + 1), first);
}

TEST(SimNetworkTest, LossDropsAboutTheConfiguredFraction) {
  SimNetworkOptions options = FixedLatency(10);
  options.seed = test::TestSeed(3);
  SCOPED_TRACE(test::SeedTrace(options.seed));
  options.default_link.loss = 0.1;
  std::vector<std::string> log;
  auto net = MakeNetwork(options, 2, &log);
  for (int i = 0; i < 20000; ++i) net->transport(1)->Send(2, "x");
  net->RunUntilIdle(1000);
  // Binomial(20000, 0.1): standard deviation 42; 2,000 +- 300 is over 7 deviations.
  EXPECT_NEAR(static_cast<double>(net->stats().messages_lost), 2000.0, 300.0);
  EXPECT_EQ(net->stats().messages_lost + net->stats().messages_delivered, 20000u);
}

TEST(SimNetworkTest, DuplicatesArriveTwice) {
  SimNetworkOptions options = FixedLatency(10);
  options.default_link.duplicate = 1.0;
  std::vector<std::string> log;
  auto net = MakeNetwork(options, 2, &log);
  net->transport(1)->Send(2, "x");
  net->RunUntilIdle(1000);
  EXPECT_EQ(log, (std::vector<std::string>{"10 1->2 x", "10 1->2 x"}));
  EXPECT_EQ(net->stats().messages_duplicated, 1u);
}

TEST(SimNetworkTest, PerLinkOverrideAppliesToOneDirection) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(10), 2, &log);
  ASSERT_OK(net->SetLink(1, 2, FixedLink(500)));
  net->transport(1)->Send(2, "slow");
  net->transport(2)->Send(1, "fast");
  net->RunUntilIdle(1000);
  EXPECT_EQ(log, (std::vector<std::string>{"10 2->1 fast", "500 1->2 slow"}));
  EXPECT_TRUE(test::MessageContains(net->SetLink(1, 9, FixedLink(1)), "unknown node"));
}

TEST(SimNetworkTest, PartitionCutsAcrossGroupsAndInFlightMessages) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(100), 4, &log);
  net->transport(1)->Send(3, "in flight");
  ASSERT_OK(net->Partition({{1, 2}}));  // 3 and 4 form the other group
  EXPECT_TRUE(net->CanReach(1, 2));
  EXPECT_TRUE(net->CanReach(3, 4));
  EXPECT_FALSE(net->CanReach(1, 3));
  EXPECT_FALSE(net->CanReach(4, 2));
  net->transport(1)->Send(2, "inside");
  net->transport(2)->Send(4, "across");
  net->RunUntilIdle(1000);
  EXPECT_EQ(log, std::vector<std::string>{"100 1->2 inside"});
  EXPECT_EQ(net->stats().messages_cut, 2u);
  net->Heal();
  net->transport(2)->Send(4, "healed");
  net->RunUntilIdle(1000);
  EXPECT_EQ(log.back(), "200 2->4 healed");
}

TEST(SimNetworkTest, PartitionRejectsUnknownAndRepeatedNodes) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(100), 3, &log);
  EXPECT_TRUE(test::MessageContains(net->Partition({{1}, {7}}), "unknown node 7"));
  EXPECT_TRUE(test::MessageContains(net->Partition({{1, 2}, {2}}), "node 2 is in two groups"));
  EXPECT_TRUE(net->CanReach(1, 2));  // a rejected partition changes nothing
}

TEST(SimNetworkTest, CutLinkIsOneWay) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(100), 2, &log);
  ASSERT_OK(net->CutLink(1, 2));
  EXPECT_FALSE(net->CanReach(1, 2));
  EXPECT_TRUE(net->CanReach(2, 1));
}

TEST(SimNetworkTest, RandomPartitionShapes) {
  SimNetworkOptions options = FixedLatency(100);
  options.seed = test::TestSeed(5);
  SCOPED_TRACE(test::SeedTrace(options.seed));
  std::vector<std::string> log;
  auto net = MakeNetwork(options, 7, &log);
  for (int round = 0; round < 50; ++round) {
    auto halves = net->PartitionHalves();
    ASSERT_EQ(halves.size(), 2u);
    EXPECT_EQ(halves[0].size(), 3u);
    EXPECT_EQ(halves[1].size(), 4u);
    EXPECT_FALSE(net->CanReach(halves[0][0], halves[1][0]));
    EXPECT_TRUE(net->CanReach(halves[1][0], halves[1][1]));

    auto bridge = net->PartitionBridge();
    ASSERT_EQ(bridge.size(), 3u);
    ASSERT_EQ(bridge[2].size(), 1u);
    const NodeId b = bridge[2][0];
    for (NodeId a : bridge[0]) {
      EXPECT_TRUE(net->CanReach(a, b) && net->CanReach(b, a));
      for (NodeId c : bridge[1]) EXPECT_FALSE(net->CanReach(a, c) || net->CanReach(c, a));
    }
    for (NodeId c : bridge[1]) EXPECT_TRUE(net->CanReach(c, b) && net->CanReach(b, c));

    auto groups = net->PartitionRandom();
    EXPECT_GE(groups.size(), 2u);
    EXPECT_LE(groups.size(), 3u);
    size_t total = 0;
    for (const auto& group : groups) {
      EXPECT_FALSE(group.empty());
      total += group.size();
      for (NodeId a : group) {
        for (NodeId c : group) EXPECT_TRUE(net->CanReach(a, c));
      }
    }
    EXPECT_EQ(total, 7u);
    EXPECT_FALSE(net->CanReach(groups[0][0], groups[1][0]));
  }
}

TEST(SimNetworkTest, CrashSilencesTheNodeAndRestartBringsItBack) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(100), 2, &log);
  int fired = 0;
  bool crashed = false;
  ASSERT_OK(net->Attach(
      2, [&](NodeId from, std::string bytes) { log.push_back("2 got " + bytes); },
      [&] { crashed = true; }));
  net->clock(2)->Schedule(500, [&] { fired++; });
  net->transport(1)->Send(2, "in flight");
  net->RunFor(50);
  ASSERT_OK(net->Crash(2));
  EXPECT_TRUE(crashed);
  EXPECT_FALSE(net->IsUp(2));
  EXPECT_FALSE(net->CanReach(1, 2));
  net->transport(2)->Send(1, "from the dead");
  net->clock(2)->Schedule(10, [&] { fired++; });
  net->transport(1)->Send(2, "to the dead");
  EXPECT_TRUE(net->RunUntilIdle(10000));
  EXPECT_EQ(fired, 0);
  EXPECT_TRUE(log.empty());
  EXPECT_TRUE(test::MessageContains(net->Crash(2), "already down"));
  EXPECT_TRUE(test::MessageContains(net->Attach(2, [](NodeId, std::string) {}), "is down"));

  ASSERT_OK(net->Restart(2));
  EXPECT_TRUE(test::MessageContains(net->Restart(2), "is up"));
  net->transport(1)->Send(2, "unattached");
  net->RunUntilIdle(10000);
  EXPECT_TRUE(log.empty());
  ASSERT_OK(net->Attach(2, [&](NodeId, std::string bytes) { log.push_back("2 got " + bytes); }));
  net->transport(1)->Send(2, "back");
  net->clock(2)->Schedule(10, [&] { fired++; });
  net->RunUntilIdle(10000);
  EXPECT_EQ(log, std::vector<std::string>{"2 got back"});
  EXPECT_EQ(fired, 1);
}

TEST(SimNetworkTest, CrashDropsUnsyncedDataOnly) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(100), 2, &log);
  Env* env = net->env(1);
  ASSERT_OK(env->CreateDirIfMissing("/n"));
  ASSERT_OK(env->SyncDir("/"));
  ASSERT_OK(WriteStringToFile(env, "kept", "/n/synced", true));
  ASSERT_OK(env->SyncDir("/n"));
  ASSERT_OK(WriteStringToFile(env, "lost", "/n/unsynced", false));
  ASSERT_OK(WriteStringToFile(net->env(2), "other", "/other", false));
  ASSERT_OK(net->Crash(1));
  ASSERT_OK(net->Restart(1));
  std::string data;
  ASSERT_OK(ReadFileToString(env, "/n/synced", &data));
  EXPECT_EQ(data, "kept");
  EXPECT_FALSE(env->FileExists("/n/unsynced"));
  EXPECT_TRUE(net->env(2)->FileExists("/other"));  // each node has its own disk
}

TEST(SimNetworkTest, CancelledTimersDoNotFire) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(100), 1, &log);
  int fired = 0;
  const Clock::TimerId a = net->clock(1)->Schedule(10, [&] { fired += 1; });
  const Clock::TimerId b = net->clock(1)->Schedule(20, [&] { fired += 10; });
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  net->clock(1)->Cancel(a);
  net->clock(1)->Cancel(12345);  // unknown: ignored
  EXPECT_EQ(net->pending_events(), 1u);
  net->RunUntilIdle(100);
  EXPECT_EQ(fired, 10);
  net->clock(1)->Cancel(b);  // fired: ignored
}

TEST(SimNetworkTest, ClockSkewOffsetsAndDrifts) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(100), 2, &log);
  ASSERT_OK(net->SetClockSkew(2, 5000000, 100000));  // +5 s, 10% fast
  EXPECT_EQ(net->clock(1)->NowMicros(), 0u);
  EXPECT_EQ(net->clock(2)->NowMicros(), 5000000u);
  uint64_t fired_at = 0;
  net->clock(2)->Schedule(110000, [&] { fired_at = net->NowMicros(); });
  net->RunFor(1000000);
  EXPECT_EQ(fired_at, 100000u);  // 110 ms on a clock running 10% fast
  EXPECT_EQ(net->clock(2)->NowMicros(), 6100000u);

  // A backward step holds the clock still: it never decreases.
  ASSERT_OK(net->SetClockSkew(2, -500000, 0));
  EXPECT_EQ(net->clock(2)->NowMicros(), 6100000u);
  net->RunFor(1000000);
  EXPECT_EQ(net->clock(2)->NowMicros(), 6100000u);
  // ... and a timer still waits for the local clock to advance by its delay.
  fired_at = 0;
  net->clock(2)->Schedule(1000, [&] { fired_at = net->clock(2)->NowMicros(); });
  net->RunFor(10000000);
  EXPECT_GE(fired_at, 6101000u);
  EXPECT_TRUE(test::MessageContains(net->SetClockSkew(2, 0, 2e5), "beyond"));
}

TEST(SimNetworkTest, RandomSkewStaysWithinTheOptions) {
  SimNetworkOptions options = FixedLatency(100);
  options.seed = test::TestSeed(9);
  SCOPED_TRACE(test::SeedTrace(options.seed));
  options.max_clock_offset_micros = 1000;
  options.max_clock_drift_ppm = 1000;
  std::vector<std::string> log;
  auto net = MakeNetwork(options, 20, &log);
  net->RunFor(1000000);
  std::map<uint64_t, int> distinct;
  for (NodeId id = 1; id <= 20; ++id) {
    const uint64_t now = net->clock(id)->NowMicros();
    EXPECT_GE(now, 999000u);
    EXPECT_LE(now, 1002000u);
    distinct[now]++;
  }
  EXPECT_GT(distinct.size(), 10u);
}

TEST(SimNetworkTest, RunUntilStopsWhenDone) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(100), 2, &log);
  for (int i = 0; i < 5; ++i) {
    net->ScheduleAfter(1000 * (i + 1), [&net] { net->transport(1)->Send(2, "x"); });
  }
  EXPECT_TRUE(net->RunUntil([&] { return log.size() == 2; }, 1000000));
  EXPECT_EQ(net->NowMicros(), 2100u);
  EXPECT_FALSE(net->RunUntil([&] { return log.size() == 10; }, 1000000));
  EXPECT_EQ(net->NowMicros(), 1002100u);
  EXPECT_EQ(log.size(), 5u);
}

TEST(SimNetworkTest, RunUntilIdleReportsBusyNetworks) {
  std::vector<std::string> log;
  auto net = MakeNetwork(FixedLatency(100), 1, &log);
  std::function<void()> tick = [&] { net->clock(1)->Schedule(1000, tick); };
  tick();
  EXPECT_FALSE(net->RunUntilIdle(50000));
  EXPECT_EQ(net->NowMicros(), 50000u);
}

TEST(SimNetworkTest, OptionsAreValidated) {
  SimNetworkOptions options;
  options.default_link.loss = 1.5;
  EXPECT_TRUE(test::MessageContains(SimNetwork::New(options).status(), "SimLink::loss"));
  options = {};
  options.max_clock_drift_ppm = -1;
  EXPECT_TRUE(test::MessageContains(SimNetwork::New(options).status(), "max_clock_drift_ppm"));
  options = {};
  options.default_link.jitter_micros = uint64_t{1} << 60;
  EXPECT_TRUE(test::MessageContains(SimNetwork::New(options).status(), "jitter_micros"));
  auto net = SimNetwork::New({});
  ASSERT_OK(net);
  ASSERT_OK((*net)->AddNode(1));
  EXPECT_EQ((*net)->AddNode(1).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*net)->clock(2), nullptr);
  EXPECT_EQ((*net)->Crash(2).code(), absl::StatusCode::kNotFound);
  EXPECT_NE((*net)->SeedDescription().find("KVLSM_TEST_SEED=1"), std::string::npos);
}

TEST(SimNetworkTest, TraceNamesEventsWithTheirTime) {
  SimNetworkOptions options = FixedLatency(100);
  std::vector<std::string> trace;
  options.trace = [&](std::string_view line) { trace.emplace_back(line); };
  std::vector<std::string> log;
  auto net = MakeNetwork(options, 3, &log);
  net->RunFor(1500000);
  ASSERT_OK(net->Partition({{1}, {2, 3}}));
  ASSERT_OK(net->Crash(3));
  ASSERT_OK(net->Restart(3));
  net->Heal();
  EXPECT_EQ(trace, (std::vector<std::string>{"[1.500000s] partition {1} | {2,3}",
                                             "[1.500000s] crash node 3",
                                             "[1.500000s] restart node 3", "[1.500000s] heal"}));
}

}  // namespace
}  // namespace kvlsm::cluster
