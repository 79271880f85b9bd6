#include "kvlsm/cluster/dvv_set.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "kvlsm/cluster/dotted_version_vector.h"
#include "kvlsm/cluster/vector_clock.h"
#include "testutil/testutil.h"
#include "util/coding.h"

namespace kvlsm::cluster {
namespace {

using test::SeedTrace;
using test::TestSeed;

constexpr int kCasesPerLaw = 10000;

DottedVersionVector RandomHistory(Random* rnd) {
  DottedVersionVector history;
  const int dots = static_cast<int>(rnd->Uniform(10));
  for (int i = 0; i < dots; ++i) history.Add(Dot{1 + rnd->Uniform(4), 1 + rnd->Uniform(6)});
  return history;
}

DottedVersionVector Merged(DottedVersionVector a, const DottedVersionVector& b) {
  a.Merge(b);
  return a;
}

DvvSet Synced(DvvSet a, const DvvSet& b) {
  EXPECT_OK(a.Sync(b));
  return a;
}

std::vector<std::string> Values(const DvvSet& set) { return set.Read().values; }

// A small cluster of replicas and writers doing random puts, reads, deletes and syncs;
// it records every replica state it passes through, for the laws below.
class Simulation {
 public:
  Simulation(uint64_t seed, int replicas, int writers)
      : rnd_(seed), replicas_(replicas), contexts_(writers) {}

  void Step() {
    const int op = static_cast<int>(rnd_.Uniform(10));
    const size_t replica = rnd_.Uniform(replicas_.size());
    const size_t writer = rnd_.Uniform(contexts_.size());
    if (op < 5) {
      DvvSet delta;
      absl::StatusOr<Context> written =
          replicas_[replica].Put(contexts_[writer], absl::StrCat("v", ++writes_),
                                 /*coordinator=*/100 + replica, &delta);
      EXPECT_OK(written);
      contexts_[writer] = *written;
      if (rnd_.OneIn(2)) EXPECT_OK(replicas_[rnd_.Uniform(replicas_.size())].Sync(delta));
    } else if (op < 7) {
      contexts_[writer] = replicas_[replica].Read().context;
    } else if (op < 8) {
      EXPECT_OK(replicas_[replica].Delete(contexts_[writer]));
    } else {
      EXPECT_OK(replicas_[replica].Sync(replicas_[rnd_.Uniform(replicas_.size())]));
    }
    seen_.push_back(replicas_[replica]);
  }

  const std::vector<DvvSet>& seen() const { return seen_; }
  Random& rnd() { return rnd_; }

 private:
  Random rnd_;
  std::vector<DvvSet> replicas_;
  std::vector<Context> contexts_;
  std::vector<DvvSet> seen_;
  int writes_ = 0;
};

TEST(DottedVersionVectorTest, MergeIsCommutativeAssociativeAndIdempotent) {
  const uint64_t seed = TestSeed(501);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (int i = 0; i < kCasesPerLaw; ++i) {
    const auto a = RandomHistory(&rnd), b = RandomHistory(&rnd), c = RandomHistory(&rnd);
    ASSERT_EQ(Merged(a, b), Merged(b, a)) << a.ToString() << " " << b.ToString();
    ASSERT_EQ(Merged(Merged(a, b), c), Merged(a, Merged(b, c)));
    ASSERT_EQ(Merged(a, a), a);
    // The merge holds exactly the dots of either side.
    const auto m = Merged(a, b);
    for (NodeId actor = 1; actor <= 4; ++actor) {
      for (uint64_t counter = 1; counter <= 7; ++counter) {
        const Dot dot{actor, counter};
        ASSERT_EQ(m.Contains(dot), a.Contains(dot) || b.Contains(dot));
      }
    }
    // Inclusion agrees with merging.
    ASSERT_EQ(a.Includes(b), Merged(a, b) == a);
    ASSERT_EQ(a.Compare(b) == CausalOrder::kEqual, a == b);
  }
}

TEST(DottedVersionVectorTest, RepresentationIsCanonical) {
  const uint64_t seed = TestSeed(502);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (int i = 0; i < 2000; ++i) {
    std::vector<Dot> dots;
    for (int d = 0; d < 12; ++d) dots.push_back(Dot{1 + rnd.Uniform(3), 1 + rnd.Uniform(8)});
    DottedVersionVector forward, backward;
    for (const Dot& dot : dots) forward.Add(dot);
    for (auto it = dots.rbegin(); it != dots.rend(); ++it) backward.Add(*it);
    ASSERT_EQ(forward, backward);
    std::string a, b;
    ASSERT_OK(forward.EncodeTo(&a));
    ASSERT_OK(backward.EncodeTo(&b));
    ASSERT_EQ(a, b);
    absl::StatusOr<DottedVersionVector> decoded = DottedVersionVector::Decode(a);
    ASSERT_OK(decoded);
    ASSERT_EQ(*decoded, forward);
  }
}

TEST(DottedVersionVectorTest, CloudDotsJoinTheVectorWhenContiguous) {
  DottedVersionVector history;
  history.Add(Dot{5, 3});
  EXPECT_EQ(history.ToString(), "{} + [(5,3)]");
  EXPECT_EQ(history.MaxCounter(5), 3u);
  EXPECT_FALSE(history.Contains(Dot{5, 2}));
  history.Add(Dot{5, 1});
  history.Add(Dot{5, 2});
  EXPECT_EQ(history.ToString(), "{5:3}");
  EXPECT_TRUE(history.Contains(Dot{5, 2}));
}

TEST(DvvSetTest, PutReplacesWhatTheContextSaw) {
  DvvSet set;
  ASSERT_OK(set.Put(Context(), "a", 1));
  ASSERT_OK(set.Put(Context(), "b", 2));  // blind write: a sibling
  EXPECT_EQ(Values(set), (std::vector<std::string>{"a", "b"}));
  const Siblings read = set.Read();
  absl::StatusOr<Context> written = set.Put(read.context, "merged", 1);
  ASSERT_OK(written);
  EXPECT_EQ(Values(set), (std::vector<std::string>{"merged"}));
  // The returned context covers the new value: writing with it replaces it.
  ASSERT_OK(set.Put(*written, "again", 2));
  EXPECT_EQ(Values(set), (std::vector<std::string>{"again"}));
}

TEST(DvvSetTest, DeleteDropsOnlyWhatTheContextSaw) {
  DvvSet set;
  const Context first = *set.Put(Context(), "a", 1);
  ASSERT_OK(set.Put(Context(), "b", 1));
  ASSERT_OK(set.Delete(first));
  EXPECT_EQ(Values(set), (std::vector<std::string>{"b"}));
  ASSERT_OK(set.Delete(set.Read().context));
  EXPECT_EQ(set.sibling_count(), 0u);
  EXPECT_FALSE(set.history().empty());  // the tombstone keeps the history
  // A replica that still holds "a" drops it when it syncs with the tombstone.
  DvvSet other;
  ASSERT_OK(other.Put(Context(), "a", 1));
  ASSERT_OK(other.Sync(set));
  EXPECT_EQ(other.sibling_count(), 0u);
}

TEST(DvvSetTest, DeltaHasTheEffectOfThePut) {
  const uint64_t seed = TestSeed(503);
  SCOPED_TRACE(SeedTrace(seed));
  Simulation sim(seed, 3, 3);
  for (int i = 0; i < 300; ++i) sim.Step();
  Random& rnd = sim.rnd();
  for (int i = 0; i < 2000; ++i) {
    const DvvSet before = sim.seen()[rnd.Uniform(sim.seen().size())];
    const Context context = sim.seen()[rnd.Uniform(sim.seen().size())].Read().context;
    DvvSet after = before, delta;
    ASSERT_OK(after.Put(context, "x", 100 + rnd.Uniform(3), &delta));
    ASSERT_EQ(Synced(before, delta), after);
    DvvSet deleted = before, delete_delta;
    ASSERT_OK(deleted.Delete(context, &delete_delta));
    ASSERT_EQ(Synced(before, delete_delta), deleted);
  }
}

TEST(DvvSetTest, SyncIsCommutativeIdempotentAndAssociative) {
  const uint64_t seed = TestSeed(504);
  SCOPED_TRACE(SeedTrace(seed));
  Simulation sim(seed, 3, 4);
  for (int i = 0; i < 500; ++i) sim.Step();
  Random& rnd = sim.rnd();
  const auto& states = sim.seen();
  for (int i = 0; i < kCasesPerLaw; ++i) {
    const DvvSet& a = states[rnd.Uniform(states.size())];
    const DvvSet& b = states[rnd.Uniform(states.size())];
    const DvvSet& c = states[rnd.Uniform(states.size())];
    ASSERT_EQ(Synced(a, b), Synced(b, a)) << a.ToString() << " | " << b.ToString();
    ASSERT_EQ(Synced(a, a), a);
    ASSERT_EQ(Synced(Synced(a, b), b), Synced(a, b));
    ASSERT_EQ(Synced(Synced(a, b), c), Synced(a, Synced(b, c)));
  }
}

TEST(DvvSetTest, SiblingsStayWithinTheNumberOfWritersWithStaleContexts) {
  // K writers never read: each passes back only the context its own previous put
  // returned, so each write is concurrent with every other writer's. Replicas apply
  // puts, exchange deltas and sync in random order. Every replica must hold at most
  // one sibling per writer, however many writes there are.
  const uint64_t seed = TestSeed(505);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  int checks = 0;
  for (int scenario = 0; scenario < 100; ++scenario) {
    const size_t writers = 1 + rnd.Uniform(5);
    std::vector<DvvSet> replicas(1 + rnd.Uniform(3));
    std::vector<Context> contexts(writers);
    std::vector<std::pair<size_t, DvvSet>> in_flight;  // deltas not yet delivered
    for (int step = 0; step < 100; ++step) {
      const size_t r = rnd.Uniform(replicas.size());
      if (rnd.OneIn(3) && !in_flight.empty()) {
        const size_t i = rnd.Uniform(in_flight.size());
        ASSERT_OK(replicas[in_flight[i].first].Sync(in_flight[i].second));
        in_flight.erase(in_flight.begin() + i);
      } else if (rnd.OneIn(4)) {
        ASSERT_OK(replicas[r].Sync(replicas[rnd.Uniform(replicas.size())]));
      } else {
        const size_t w = rnd.Uniform(writers);
        DvvSet delta;
        absl::StatusOr<Context> written =
            replicas[r].Put(contexts[w], absl::StrCat("w", w, "-", step), 100 + r, &delta);
        ASSERT_OK(written);
        contexts[w] = *written;
        in_flight.emplace_back(rnd.Uniform(replicas.size()), delta);
      }
      for (const DvvSet& replica : replicas) {
        ASSERT_LE(replica.sibling_count(), writers) << replica.ToString();
        ++checks;
      }
    }
  }
  EXPECT_GE(checks, kCasesPerLaw);
}

TEST(DvvSetTest, PlainVectorClocksKeepASiblingPerWriteWhereDvvSetsKeepOnePerWriter) {
  // The contrast of kvlsm/cluster/dvv_set.h: one vector clock per object (Riak before
  // DVVs) cannot tell which siblings a stale context saw, so it keeps them all.
  struct PlainObject {
    VectorClock clock;
    std::vector<std::string> values;
    VectorClock Put(const VectorClock& context, const std::string& value, NodeId coordinator) {
      if (context.Descends(clock)) {
        values.assign(1, value);
      } else {
        values.push_back(value);
      }
      clock.Merge(context);
      clock.Increment(coordinator, 0);
      return clock;
    }
  };
  PlainObject plain;
  DvvSet dvv;
  VectorClock plain_contexts[2];
  Context dvv_contexts[2];
  for (int write = 0; write < 100; ++write) {
    const int writer = write % 2;
    plain_contexts[writer] = plain.Put(plain_contexts[writer], absl::StrCat(write), 1);
    dvv_contexts[writer] = *dvv.Put(dvv_contexts[writer], absl::StrCat(write), 1);
  }
  EXPECT_EQ(plain.values.size(), 100u);
  EXPECT_EQ(dvv.sibling_count(), 2u);
  EXPECT_EQ(Values(dvv), (std::vector<std::string>{"98", "99"}));
}

TEST(DvvSetTest, DotsAreUniqueWrites) {
  // Every sibling anywhere with a given dot carries the same value.
  const uint64_t seed = TestSeed(506);
  SCOPED_TRACE(SeedTrace(seed));
  Simulation sim(seed, 4, 4);
  for (int i = 0; i < 2000; ++i) sim.Step();
  std::map<std::pair<NodeId, uint64_t>, std::string> value_of;
  for (const DvvSet& state : sim.seen()) {
    for (const DvvSet::Sibling& s : state.siblings()) {
      auto [it, inserted] = value_of.emplace(std::make_pair(s.dot.actor, s.dot.counter), s.value);
      ASSERT_EQ(it->second, s.value);
      ASSERT_TRUE(state.history().Contains(s.dot));
    }
  }
}

TEST(DvvSetTest, EncodingIsCanonicalAndRoundTrips) {
  const uint64_t seed = TestSeed(507);
  SCOPED_TRACE(SeedTrace(seed));
  Simulation sim(seed, 3, 3);
  for (int i = 0; i < 1000; ++i) sim.Step();
  for (const DvvSet& state : sim.seen()) {
    std::string encoded;
    state.EncodeTo(&encoded);
    absl::StatusOr<DvvSet> decoded = DvvSet::Decode(encoded);
    ASSERT_OK(decoded);
    ASSERT_EQ(*decoded, state);
    std::string again;
    decoded->EncodeTo(&again);
    ASSERT_EQ(again, encoded);
  }
}

TEST(DvvSetTest, EncodingWorkedExample) {
  // docs/cluster.md, "DvvSet": node 7 wrote "a", then node 9 wrote "b" blind.
  DvvSet set;
  ASSERT_OK(set.Put(Context(), "a", 7));
  ASSERT_OK(set.Put(Context(), "b", 9));
  std::string encoded;
  set.EncodeTo(&encoded);
  EXPECT_EQ(encoded, std::string("\x01"                          // DvvSet version
                                 "\x01\x02\x07\x01\x02\x01\x00"  // history {7:1, 9:1}
                                 "\x02"                          // two siblings
                                 "\x07\x01\x01\x61"              // (7,1) "a"
                                 "\x02\x01\x01\x62",             // (9,1) "b"
                                 17));
  const Context context = set.Read().context;
  absl::StatusOr<std::string> bytes = context.Encode();
  ASSERT_OK(bytes);
  EXPECT_EQ(*bytes, std::string("\x01\x02\x07\x01\x02\x01\x00", 7));
  absl::StatusOr<Context> decoded = Context::Decode(*bytes);
  ASSERT_OK(decoded);
  EXPECT_EQ(*decoded, context);
}

TEST(DvvSetTest, BoundsAreEnforcedBeforeChanging) {
  DvvSet set;
  for (int i = 0; i < 1024; ++i) ASSERT_OK(set.Put(Context(), "v", 1));
  const DvvSet full = set;
  EXPECT_EQ(set.Put(Context(), "v", 1).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(set, full);
  DvvSet other;
  ASSERT_OK(other.Put(Context(), "w", 2));
  EXPECT_EQ(set.Sync(other).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(set, full);
  std::string encoded;
  full.EncodeTo(&encoded);
  EXPECT_OK(DvvSet::Decode(encoded));
}

// A context of one vector entry (7, counter) and, when cloud_counter != 0, one cloud dot
// (7, cloud_counter), encoded by hand (docs/cluster.md, "Dotted version vector").
std::string HandEncodedContext(uint64_t counter, uint64_t cloud_counter = 0) {
  std::string bytes(1, '\x01');
  PutVarint32(&bytes, 1);
  PutVarint64(&bytes, 7);
  PutVarint64(&bytes, counter);
  PutVarint32(&bytes, cloud_counter == 0 ? 0 : 1);
  if (cloud_counter != 0) {
    PutVarint64(&bytes, 7);
    PutVarint64(&bytes, cloud_counter);
  }
  return bytes;
}

TEST(DvvSetTest, ContextCountersAbove2To62AreRefused) {
  constexpr uint64_t kLimit = (uint64_t{1} << 62) - 1;
  EXPECT_OK(Context::Decode(HandEncodedContext(kLimit)));
  EXPECT_OK(Context::Decode(HandEncodedContext(1, kLimit)));
  for (const uint64_t forged : {kLimit + 1, ~uint64_t{0}}) {
    SCOPED_TRACE(forged);
    auto vector = Context::Decode(HandEncodedContext(forged));
    EXPECT_EQ(vector.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(vector.status().message()), testing::HasSubstr("above the limit"));
    auto cloud = Context::Decode(HandEncodedContext(1, forged));
    EXPECT_EQ(cloud.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

// The defect this guards against: a context claiming (7, 2^64 - 1) made the next put by
// coordinator 7 issue counter 0, which every history contains, so that put and every later
// one through 7 were acknowledged and then dropped. Now no dot past the limit is issued.
TEST(DvvSetTest, PutNeverIssuesACounterPastTheLimit) {
  constexpr uint64_t kLimit = (uint64_t{1} << 62) - 1;
  DvvSet set;
  auto near_limit = Context::Decode(HandEncodedContext(kLimit - 1));
  ASSERT_OK(near_limit);
  auto written = set.Put(*near_limit, "last", 7);
  ASSERT_OK(written);
  EXPECT_TRUE(written->history().Contains(Dot{7, kLimit}));
  EXPECT_EQ(set.Read().values, std::vector<std::string>{"last"});

  const DvvSet before = set;
  auto refused = set.Put(*written, "past", 7);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(set, before);
  // Another coordinator still writes the key.
  ASSERT_OK(set.Put(*written, "other", 8));
  EXPECT_EQ(set.Read().values, std::vector<std::string>{"other"});
}

TEST(DvvSetTest, DecodeRejectsSiblingsOutsideTheHistory) {
  // History {7:1} but a sibling with dot (7,2).
  const std::string bad("\x01\x01\x01\x07\x01\x00\x01\x07\x02\x01x", 11);
  absl::StatusOr<DvvSet> decoded = DvvSet::Decode(bad);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("outside the history"), std::string::npos);
}

}  // namespace
}  // namespace kvlsm::cluster
