// The workloads against a std::map engine: every workload passes on a correct engine, and
// each kind of wrong answer an engine could give makes the workloads that can see it fail.
#include "workload.h"

#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "fake_engine.h"
#include "testutil/testutil.h"

namespace kvlsm::bench {
namespace {

constexpr uint64_t kRecords = 2000;

class WorkloadTest : public ::testing::Test {
 protected:
  WorkloadContext Context(Engine* engine, int threads = 2) {
    WorkloadContext context;
    context.engine = engine;
    context.format = &format_;
    context.num = kRecords;
    context.ops = kRecords;
    context.threads = threads;
    context.seed = 7;
    return context;
  }

  // Loads the records when the workload needs them, then runs it.
  absl::Status Run(const Workload& workload, const WorkloadContext& context,
                   WorkloadOutcome* outcome) {
    if (workload.needs_load) {
      absl::Status s = LoadRecords(context);
      if (!s.ok()) return s;
    }
    return workload.run(context, outcome);
  }

  // Runs `name` on an engine with one fault, set by `set`.
  absl::Status RunNamed(std::string_view name, const std::function<void(FakeFaults*)>& set) {
    FakeFaults faults;
    set(&faults);
    FakeEngine engine(std::move(faults));
    WorkloadOutcome outcome;
    return Run(*FindWorkload(name), Context(&engine), &outcome);
  }

  const KeyValueFormat format_{16, 100, 7};
};

TEST_F(WorkloadTest, AllWorkloadsHoldEveryGroupOnceInTheDocumentedOrder) {
  std::set<std::string_view> names;
  size_t grouped = 0;
  for (auto group : {WriteWorkloads, ReadWorkloads, ScanWorkloads, YcsbWorkloads}) {
    for (const Workload& workload : group()) {
      names.insert(workload.name);
      ++grouped;
    }
  }
  ASSERT_EQ(names.size(), grouped);
  ASSERT_EQ(AllWorkloads().size(), grouped);
  EXPECT_EQ(AllWorkloads().front().name, "fillseq");
  EXPECT_EQ(AllWorkloads().back().name, "ycsbf");
  EXPECT_EQ(FindWorkload("nosuch"), nullptr);
}

TEST_F(WorkloadTest, EveryWorkloadPassesOnACorrectEngine) {
  for (const Workload& workload : AllWorkloads()) {
    SCOPED_TRACE(std::string(workload.name));
    FakeEngine engine;
    WorkloadOutcome outcome;
    ASSERT_OK(Run(workload, Context(&engine), &outcome));
    EXPECT_GT(outcome.stats.ops, 0u);
    // Full scans time one step in 16; everything else times every operation.
    EXPECT_GT(outcome.stats.latency.count(), 0u);
    EXPECT_LE(outcome.stats.latency.count(), outcome.stats.ops);
    if (workload.name != "readseq" && workload.name != "readreverse") {
      EXPECT_EQ(outcome.stats.latency.count(), outcome.stats.ops);
    }
    EXPECT_GT(outcome.seconds, 0);
    EXPECT_GT(outcome.stats.bytes, 0u);
    EXPECT_GE(outcome.live_records, kRecords / 2);
  }
}

TEST_F(WorkloadTest, OperationCountsFollowTheWorkload) {
  const auto ops = [&](std::string_view name, int threads) {
    FakeEngine engine;
    WorkloadOutcome outcome;
    EXPECT_OK(Run(*FindWorkload(name), Context(&engine, threads), &outcome));
    return outcome;
  };
  EXPECT_EQ(ops("fillrandom", 3).stats.ops, kRecords);
  EXPECT_EQ(ops("fillrandom", 3).stats.bytes_written, kRecords * format_.entry_size());
  EXPECT_EQ(ops("readrandom", 3).stats.ops, kRecords);
  EXPECT_EQ(ops("readrandom", 3).stats.bytes_written, 0u);
  EXPECT_EQ(ops("readseq", 2).stats.ops, 2 * kRecords);  // each thread scans everything
  // A seek reads its record and the 10 after it, fewer near the end.
  const WorkloadOutcome seeks = ops("seekrandom", 1);
  EXPECT_EQ(seeks.stats.ops, kRecords);
  EXPECT_LE(seeks.stats.bytes, kRecords * 11 * format_.entry_size());
  EXPECT_GT(seeks.stats.bytes, kRecords * 10 * format_.entry_size());
  const WorkloadOutcome deleted = ops("deleterandom", 2);
  EXPECT_EQ(deleted.stats.ops, kRecords / 2);
  EXPECT_EQ(deleted.live_records, kRecords - kRecords / 2);
  const WorkloadOutcome ycsbe = ops("ycsbe", 2);
  EXPECT_GT(ycsbe.live_records, kRecords);  // inserts
  EXPECT_LT(ycsbe.live_records, kRecords + kRecords / 10);
}

TEST_F(WorkloadTest, EveryWorkloadThatGetsRecordsCatchesACorruptedValue) {
  for (const Workload& workload : AllWorkloads()) {
    const std::string name(workload.name);
    SCOPED_TRACE(name);
    absl::Status s = RunNamed(name, [](FakeFaults* f) { f->corrupt_gets = true; });
    // Scans read through cursors, which this fault leaves alone, and readmissing reads
    // only absent keys; every other workload reads records with Get, during the run or
    // when it reads back what it wrote.
    if (name == "readseq" || name == "readreverse" || name == "seekrandom" ||
        name == "readmissing") {
      EXPECT_OK(s);
    } else {
      EXPECT_TRUE(absl::IsDataLoss(s)) << s;
      EXPECT_TRUE(test::MessageContains(s, "value byte")) << s;
    }
  }
}

TEST_F(WorkloadTest, WritesCatchALostWriteWhenReadingBack) {
  for (std::string_view name : {"fillseq", "fillrandom", "overwrite", "ycsba"}) {
    SCOPED_TRACE(std::string(name));
    // fillseq and fillrandom lose records outright; overwrite and ycsba lose updates, which
    // leave the old value, so only the load's lost records show.
    absl::Status s = RunNamed(name, [](FakeFaults* f) { f->drop_every_put = 7; });
    EXPECT_TRUE(absl::IsDataLoss(s)) << s;
    EXPECT_TRUE(test::MessageContains(s, "not found")) << s;
  }
}

TEST_F(WorkloadTest, ReadMissingCatchesAPhantomValue) {
  absl::Status s = RunNamed("readmissing", [](FakeFaults* f) { f->phantom_gets = true; });
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "never written")) << s;
  EXPECT_OK(RunNamed("readrandom", [](FakeFaults* f) { f->phantom_gets = true; }));
}

TEST_F(WorkloadTest, ScansCatchASkippedRecord) {
  std::string key;
  format_.Key(kRecords / 2, &key);
  for (std::string_view name : {"readseq", "readreverse"}) {
    SCOPED_TRACE(std::string(name));
    absl::Status s = RunNamed(name, [&](FakeFaults* f) { f->skip_in_scans = key; });
    EXPECT_TRUE(absl::IsDataLoss(s)) << s;
    EXPECT_TRUE(test::MessageContains(s, "expected record 1000")) << s;
  }
  // 2,000 seeks of 11 entries each: some cross record 1000 (for this seed, and for almost
  // any: a miss has probability e^-11).
  absl::Status s = RunNamed("seekrandom", [&](FakeFaults* f) { f->skip_in_scans = key; });
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "is record 1001, after record 999")) << s;
}

TEST_F(WorkloadTest, DeletedRecordsMustBeGone) {
  // An engine whose Get finds deleted keys (here: any key) fails the read-back.
  absl::Status s = RunNamed("deleterandom", [](FakeFaults* f) { f->phantom_gets = true; });
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "deleted but is found")) << s;
}

TEST_F(WorkloadTest, ThreadShareCoversEveryOperationOnce) {
  FakeEngine engine;
  for (int threads : {1, 2, 3, 7}) {
    WorkloadContext context = Context(&engine, threads);
    uint64_t next = 0;
    for (int t = 0; t < threads; ++t) {
      uint64_t begin, end;
      ThreadShare(context, 100, t, &begin, &end);
      EXPECT_EQ(begin, next);
      EXPECT_GE(end, begin);
      EXPECT_LE(end - begin, 100 / static_cast<uint64_t>(threads) + 1);
      next = end;
    }
    EXPECT_EQ(next, 100u);
  }
}

}  // namespace
}  // namespace kvlsm::bench
