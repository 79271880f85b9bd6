#include "kvlsm/cluster/vector_clock.h"

#include <string>
#include <vector>

#include "testutil/testutil.h"

namespace kvlsm::cluster {
namespace {

using test::SeedTrace;
using test::TestSeed;

constexpr int kCasesPerLaw = 10000;

// A random clock over a small set of actors, so that every relation shows up often.
VectorClock RandomClock(Random* rnd) {
  VectorClock clock;
  const int events = static_cast<int>(rnd->Uniform(8));
  for (int i = 0; i < events; ++i) clock.Increment(1 + rnd->Uniform(5), rnd->Uniform(1000));
  return clock;
}

// A clock that descends `base` (zero or more further events).
VectorClock Descendant(const VectorClock& base, Random* rnd) {
  VectorClock clock = base;
  const int events = static_cast<int>(rnd->Uniform(3));
  for (int i = 0; i < events; ++i) clock.Increment(1 + rnd->Uniform(5), rnd->Uniform(1000));
  return clock;
}

VectorClock Merged(VectorClock a, const VectorClock& b) {
  a.Merge(b);
  return a;
}

// Counters only (Compare ignores timestamps).
bool SameCounters(const VectorClock& a, const VectorClock& b) {
  return a.Compare(b) == CausalOrder::kEqual;
}

CausalOrder Mirror(CausalOrder order) {
  if (order == CausalOrder::kBefore) return CausalOrder::kAfter;
  if (order == CausalOrder::kAfter) return CausalOrder::kBefore;
  return order;
}

VectorClock Clock(std::initializer_list<std::pair<NodeId, uint64_t>> counters) {
  VectorClock clock;
  for (const auto& [actor, counter] : counters) {
    for (uint64_t i = 0; i < counter; ++i) clock.Increment(actor, 0);
  }
  return clock;
}

TEST(VectorClockTest, CompareGoldenCases) {
  struct Case {
    VectorClock a, b;
    CausalOrder expected;
  };
  const std::vector<Case> cases = {
      {Clock({}), Clock({}), CausalOrder::kEqual},
      {Clock({}), Clock({{1, 1}}), CausalOrder::kBefore},
      {Clock({{1, 2}}), Clock({{1, 1}}), CausalOrder::kAfter},
      {Clock({{1, 1}}), Clock({{2, 1}}), CausalOrder::kConcurrent},
      {Clock({{1, 1}, {2, 1}}), Clock({{1, 1}, {2, 2}}), CausalOrder::kBefore},
      {Clock({{1, 2}, {2, 1}}), Clock({{1, 1}, {2, 2}}), CausalOrder::kConcurrent},
      {Clock({{1, 1}, {3, 1}}), Clock({{1, 1}, {2, 1}, {3, 1}}), CausalOrder::kBefore},
      {Clock({{1, 3}, {2, 2}, {4, 1}}), Clock({{1, 3}, {2, 2}, {4, 1}}), CausalOrder::kEqual},
      {Clock({{5, 1}}), Clock({{1, 1}, {2, 1}}), CausalOrder::kConcurrent},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(cases[i].a.Compare(cases[i].b), cases[i].expected)
        << "case " << i << ": " << cases[i].a.ToString() << " vs " << cases[i].b.ToString();
    EXPECT_EQ(cases[i].b.Compare(cases[i].a), Mirror(cases[i].expected)) << "case " << i;
  }
}

TEST(VectorClockTest, IncrementAndMerge) {
  VectorClock a;
  a.Increment(7, 100);
  a.Increment(7, 50);  // timestamps never move back
  a.Increment(3, 10);
  EXPECT_EQ(a.CounterOf(7), 2u);
  EXPECT_EQ(a.CounterOf(3), 1u);
  EXPECT_EQ(a.CounterOf(9), 0u);
  EXPECT_EQ(a.entries()[1].timestamp_micros, 100u);
  EXPECT_EQ(a.ToString(), "{3:1, 7:2}");
  VectorClock b = Clock({{7, 1}, {9, 4}});
  a.Merge(b);
  EXPECT_EQ(a.ToString(), "{3:1, 7:2, 9:4}");
  EXPECT_TRUE(a.Descends(b));
  EXPECT_FALSE(b.Descends(a));
}

TEST(VectorClockTest, MergeIsCommutativeAssociativeAndIdempotent) {
  const uint64_t seed = TestSeed(401);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (int i = 0; i < kCasesPerLaw; ++i) {
    const VectorClock a = RandomClock(&rnd), b = RandomClock(&rnd), c = RandomClock(&rnd);
    ASSERT_EQ(Merged(a, b), Merged(b, a)) << a.ToString() << " " << b.ToString();
    ASSERT_EQ(Merged(Merged(a, b), c), Merged(a, Merged(b, c)));
    ASSERT_EQ(Merged(a, a), a);
  }
}

TEST(VectorClockTest, CompareIsAPartialOrderConsistentWithMerge) {
  const uint64_t seed = TestSeed(402);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  int before = 0, concurrent = 0;
  for (int i = 0; i < kCasesPerLaw; ++i) {
    const VectorClock a = RandomClock(&rnd);
    // Half the time b descends a, so that every relation is exercised.
    const VectorClock b = rnd.OneIn(2) ? Descendant(a, &rnd) : RandomClock(&rnd);
    const VectorClock c = Descendant(b, &rnd);
    const CausalOrder ab = a.Compare(b);
    before += ab == CausalOrder::kBefore;
    concurrent += ab == CausalOrder::kConcurrent;
    // Reflexive, and antisymmetric: the mirror image from the other side.
    ASSERT_EQ(a.Compare(a), CausalOrder::kEqual);
    ASSERT_EQ(b.Compare(a), Mirror(ab));
    // a <= b exactly when merging a into b changes nothing.
    ASSERT_EQ(ab == CausalOrder::kBefore || ab == CausalOrder::kEqual,
              SameCounters(Merged(b, a), b))
        << a.ToString() << " vs " << b.ToString();
    // Equal exactly when the counters are equal.
    ASSERT_EQ(ab == CausalOrder::kEqual, SameCounters(a, b));
    // The merge is an upper bound of both...
    const VectorClock m = Merged(a, b);
    ASSERT_TRUE(m.Descends(a));
    ASSERT_TRUE(m.Descends(b));
    // ...and the least one: any clock above both is above the merge.
    if (c.Descends(a)) {
      ASSERT_TRUE(c.Descends(m));
    }
    // Transitive: a <= b <= c implies a <= c.
    if (b.Descends(a)) {
      ASSERT_TRUE(c.Descends(a));
    }
  }
  // The generator produced every kind of pair.
  EXPECT_GT(before, kCasesPerLaw / 10);
  EXPECT_GT(concurrent, kCasesPerLaw / 10);
}

TEST(VectorClockTest, PruneDropsLeastRecentlyUpdatedEntries) {
  VectorClock clock;
  for (NodeId actor = 1; actor <= 15; ++actor) clock.Increment(actor, actor * 1000);
  ClockPruneOptions options;  // max 10 entries
  EXPECT_EQ(clock.Prune(options, 20000), 5u);
  ASSERT_EQ(clock.size(), 10u);
  EXPECT_EQ(clock.entries().front().actor, 6u);  // actors 1..5 were the oldest
  EXPECT_EQ(clock.Prune(options, 20000), 0u);    // already small enough
}

TEST(VectorClockTest, PruneSparesYoungEntries) {
  VectorClock clock;
  for (NodeId actor = 1; actor <= 15; ++actor) clock.Increment(actor, actor * 1000);
  ClockPruneOptions options;
  options.max_entries = 4;
  options.min_age_micros = 8001;  // at t=20000, entries updated after t=11999 are young
  EXPECT_EQ(clock.Prune(options, 20000), 11u);  // actors 1..11 may go; 12..15 stay
  EXPECT_EQ(clock.size(), 4u);
  EXPECT_EQ(clock.CounterOf(12), 1u);
  options.max_entries = 1;
  EXPECT_EQ(clock.Prune(options, 20000), 0u);  // all young: the clock stays larger
  EXPECT_EQ(clock.size(), 4u);
}

TEST(VectorClockTest, PruningCanTurnADescendantIntoAConflict) {
  // The documented cost: after pruning, a clock that descends another can look
  // concurrent with it (an extra sibling for the client to merge).
  VectorClock old_version;
  for (NodeId actor = 1; actor <= 11; ++actor) old_version.Increment(actor, actor);
  VectorClock new_version = old_version;
  new_version.Increment(20, 100);
  ASSERT_EQ(new_version.Compare(old_version), CausalOrder::kAfter);
  new_version.Prune(ClockPruneOptions(), 100);  // drops actors 1 and 2
  EXPECT_EQ(new_version.Compare(old_version), CausalOrder::kConcurrent);
}

TEST(VectorClockTest, EncodingRoundTrips) {
  const uint64_t seed = TestSeed(403);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (int i = 0; i < 2000; ++i) {
    VectorClock clock;
    const int entries = static_cast<int>(rnd.Uniform(20));
    for (int e = 0; e < entries; ++e) clock.Increment(rnd.Next() >> rnd.Uniform(64), rnd.Next());
    std::string encoded;
    ASSERT_OK(clock.EncodeTo(&encoded));
    absl::StatusOr<VectorClock> decoded = VectorClock::Decode(encoded);
    ASSERT_OK(decoded);
    ASSERT_EQ(*decoded, clock);
  }
}

TEST(VectorClockTest, EncodingIsCompactAndDocumented) {
  // The worked example of docs/cluster.md: {3:2 @ 1000, 7:1 @ 1500}.
  VectorClock clock;
  clock.Increment(3, 900);
  clock.Increment(3, 1000);
  clock.Increment(7, 1500);
  std::string encoded;
  ASSERT_OK(clock.EncodeTo(&encoded));
  EXPECT_EQ(encoded, std::string("\x01\x02\x03\x02\xe8\x07\x04\x01\xdc\x0b", 10));
}

TEST(VectorClockTest, OversizedClockDoesNotEncode) {
  VectorClock clock;
  for (NodeId actor = 1; actor <= 1025; ++actor) clock.Increment(actor, 0);
  std::string encoded = "prefix";
  EXPECT_EQ(clock.EncodeTo(&encoded).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(encoded, "prefix");
  clock.Prune(ClockPruneOptions{1024, 0}, 0);
  EXPECT_OK(clock.EncodeTo(&encoded));
}

TEST(VectorClockTest, DecodeRejectsNonCanonicalInput) {
  // Unsorted actors (second delta 0), zero counter, unknown version, trailing byte.
  EXPECT_EQ(VectorClock::Decode(std::string("\x01\x02\x03\x01\x00\x00\x01\x00", 8)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VectorClock::Decode(std::string("\x01\x01\x03\x00\x00", 5)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VectorClock::Decode(std::string("\x02\x00", 2)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VectorClock::Decode(std::string("\x01\x00\x00", 3)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_OK(VectorClock::Decode(std::string("\x01\x00", 2)));
}

}  // namespace
}  // namespace kvlsm::cluster
