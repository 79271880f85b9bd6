// Randomized properties of the built-in policies: on random valid trees (random levels,
// shared boundary keys, busy tables, running compactions, tombstones, ages), every pick
// passes CheckCompactionPick, has the shape its policy promises, is deterministic, and a
// policy with work to do and nothing in its way does pick.
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "compaction/compaction_test_util.h"
#include "compaction/leveled_policy.h"
#include "compaction/policy_util.h"
#include "kvlsm/compaction_policy.h"
#include "kvlsm/comparator.h"
#include "testutil/testutil.h"
#include "util/random.h"

namespace kvlsm {
namespace {

constexpr int kKeys = 300;

std::string Key(uint64_t k) { return absl::StrFormat("k%04d", k); }

template <typename T>
T OneOf(Random* rnd, std::initializer_list<T> values) {
  return values.begin()[rnd->Uniform(values.size())];
}

CompactionFile RandomFile(Random* rnd, uint64_t* number, uint64_t lo, uint64_t hi, uint64_t size) {
  CompactionFile f;
  f.number = (*number)++;
  f.smallest = Key(lo);
  f.largest = Key(hi);
  f.size = size;
  f.num_entries = rnd->OneIn(20) ? 0 : 1 + rnd->Uniform(200);
  f.num_deletions = rnd->OneIn(4) ? rnd->Uniform(f.num_entries + 1) : 0;
  f.creation_time = test::kNow - rnd->Uniform(200000);
  f.being_compacted = rnd->OneIn(12);
  return f;
}

// A valid tree: level 0 overlapping (newest first), deeper levels sorted and disjoint except
// for shared boundary keys; sequence numbers follow read order.
CompactionPicture RandomTree(Random* rnd, int max_level0_files) {
  CompactionPicture picture;
  picture.now = test::kNow;
  picture.levels.resize(test::kTestLevels);
  uint64_t number = 1;
  for (int l = test::kTestLevels - 1; l >= 1; --l) {
    if (rnd->OneIn(3)) continue;
    const uint64_t scale = uint64_t{10} << (2 * l);  // Deeper levels hold more.
    uint64_t cursor = rnd->Uniform(kKeys / 4);
    const int files = 1 + static_cast<int>(rnd->Uniform(10));
    for (int i = 0; i < files && cursor < kKeys; ++i) {
      uint64_t lo = cursor;
      if (i > 0 && rnd->OneIn(4)) lo = cursor - 1;  // Shares the previous file's largest key.
      const uint64_t hi = std::min<uint64_t>(lo + rnd->Uniform(25), kKeys - 1);
      picture.levels[l].push_back(RandomFile(rnd, &number, lo, hi, 1 + rnd->Uniform(scale)));
      cursor = hi + 1 + rnd->Uniform(10);
    }
  }
  const int level0_files = static_cast<int>(rnd->Uniform(max_level0_files + 1));
  for (int i = 0; i < level0_files; ++i) {
    const uint64_t lo = rnd->Uniform(kKeys);
    const uint64_t hi = std::min<uint64_t>(lo + rnd->Uniform(rnd->OneIn(2) ? 20 : 200), kKeys - 1);
    // Sizes in tiers, so that size-tiered finds buckets.
    const uint64_t tier = OneOf<uint64_t>(rnd, {100, 400, 1600, 6400});
    picture.levels[0].push_back(
        RandomFile(rnd, &number, lo, hi, tier + rnd->Uniform(tier / 4 + 1)));
  }
  // Sequence numbers: deepest level oldest, level 0 newest first.
  uint64_t seqno = 1;
  for (int l = test::kTestLevels - 1; l >= 1; --l) {
    for (CompactionFile& f : picture.levels[l]) {
      f.smallest_seqno = seqno;
      f.largest_seqno = seqno + 9;
      seqno += 10;
    }
  }
  for (auto it = picture.levels[0].rbegin(); it != picture.levels[0].rend(); ++it) {
    it->smallest_seqno = seqno;
    it->largest_seqno = seqno + 9;
    seqno += 10;
  }
  const int running = static_cast<int>(rnd->Uniform(3));
  for (int i = 0; i < running; ++i) {
    RunningCompaction r;
    r.start_level = static_cast<int>(rnd->Uniform(test::kTestLevels));
    r.output_level = OneOf<int>(rnd, {-1, 0, r.start_level, r.start_level + 1});
    if (r.output_level >= test::kTestLevels) r.output_level = r.start_level;
    const uint64_t lo = rnd->Uniform(kKeys);
    r.smallest = Key(lo);
    r.largest = Key(std::min<uint64_t>(lo + rnd->Uniform(30), kKeys - 1));
    picture.running.push_back(r);
  }
  return picture;
}

bool Quiet(const CompactionPicture& picture) {
  if (!picture.running.empty()) return false;
  for (const auto& level : picture.levels) {
    for (const CompactionFile& f : level) {
      if (f.being_compacted) return false;
    }
  }
  return true;
}

const CompactionFile* Find(const CompactionPicture& picture, int level, uint64_t number) {
  for (const CompactionFile& f : picture.levels[level]) {
    if (f.number == number) return &f;
  }
  return nullptr;
}

// Deterministic: the same picture gives the same pick.
void ExpectSamePick(const std::optional<CompactionPick>& a,
                    const std::optional<CompactionPick>& b) {
  ASSERT_EQ(a.has_value(), b.has_value());
  if (!a) return;
  EXPECT_EQ(test::DescribePick(a), test::DescribePick(b));
  EXPECT_EQ(a->target_file_size, b->target_file_size);
  EXPECT_EQ(a->reason, b->reason);
}

// Leveled shape: start level s and output o are (s, s + 1), (0, base) or (last, last); the
// level-0 inputs are whole overlap groups; the inputs at o are exactly the files reached by
// growing the start level's key range with the files of o it overlaps; and dropping any of
// them makes the pick invalid.
void CheckLeveledShape(const CompactionPicture& picture, const CompactionPick& pick,
                       const LeveledCompactionOptions& options) {
  const compaction::KeyOrder order(picture.comparator);
  const int last = static_cast<int>(picture.levels.size()) - 1;
  const int s = pick.inputs.front().level;
  const int o = pick.output_level;
  const int base = compaction::ComputeLevelTargets(picture, options).base_level;
  EXPECT_TRUE(o == s + 1 || (s == 0 && o == base) || (s == last && o == last))
      << "start " << s << " output " << o << " base " << base;
  EXPECT_EQ(pick.target_file_size, options.target_file_size);
  compaction::KeyRange range;
  for (uint64_t n : pick.inputs.front().files) range.Add(order, *Find(picture, s, n));
  if (s == 0) {
    const auto& level0 = picture.levels[0];
    for (const CompactionFile& a : level0) {
      for (const CompactionFile& b : level0) {
        const bool a_in =
            std::count(pick.inputs[0].files.begin(), pick.inputs[0].files.end(), a.number) > 0;
        const bool b_in =
            std::count(pick.inputs[0].files.begin(), pick.inputs[0].files.end(), b.number) > 0;
        if (a_in && !b_in) {
          EXPECT_FALSE(order.FileOverlaps(b, a.smallest, a.largest))
              << "level-0 input " << a.number << " overlaps " << b.number << ", left behind";
        }
      }
    }
  }
  if (s == o) return;
  std::vector<uint64_t> expected;
  for (bool grew = true; grew;) {
    grew = false;
    expected.clear();
    for (const CompactionFile& f : picture.levels[o]) {
      if (!order.FileOverlaps(f, range.smallest, range.largest)) continue;
      expected.push_back(f.number);
      const std::string before_lo = range.smallest, before_hi = range.largest;
      range.Add(order, f);
      grew = grew || before_lo != range.smallest || before_hi != range.largest;
    }
  }
  const std::vector<uint64_t> actual =
      pick.inputs.size() == 2 ? pick.inputs[1].files : std::vector<uint64_t>{};
  EXPECT_EQ(actual, expected);
  for (size_t i = 0; i < actual.size(); ++i) {
    CompactionPick broken = pick;
    broken.inputs[1].files.erase(broken.inputs[1].files.begin() + i);
    if (broken.inputs[1].files.empty()) broken.inputs.pop_back();
    EXPECT_FALSE(CheckCompactionPick(picture, broken).ok()) << "without file " << actual[i];
  }
}

LeveledCompactionOptions RandomLeveledOptions(Random* rnd) {
  LeveledCompactionOptions o;
  o.level0_file_trigger = 1 + static_cast<int>(rnd->Uniform(8));
  o.level_size_multiplier = OneOf<double>(rnd, {2, 4, 10});
  o.base_level_bytes = OneOf<uint64_t>(rnd, {100, 1000, 10000});
  o.dynamic_level_bytes = rnd->OneIn(2);
  o.target_file_size = 100;
  o.max_grandparent_overlap_bytes = OneOf<uint64_t>(rnd, {0, 300, 100000});
  o.tombstone_ratio_trigger = OneOf<double>(rnd, {0.3, 0.5, 1.5});
  o.tombstone_min_age_seconds = OneOf<uint64_t>(rnd, {0, 3600, 1000000});
  return o;
}

SizeTieredCompactionOptions RandomSizeTieredOptions(Random* rnd) {
  SizeTieredCompactionOptions o;
  o.min_threshold = 2 + static_cast<int>(rnd->Uniform(5));
  o.max_threshold = o.min_threshold + static_cast<int>(rnd->Uniform(10));
  o.bucket_low = OneOf<double>(rnd, {0.3, 0.5, 1});
  o.bucket_high = OneOf<double>(rnd, {1, 1.5, 3});
  o.max_space_amplification =
      OneOf<double>(rnd, {1.5, 2, 4, std::numeric_limits<double>::infinity()});
  o.tombstone_ratio_trigger = OneOf<double>(rnd, {0.3, 0.5, 2});
  o.tombstone_min_age_seconds = OneOf<uint64_t>(rnd, {0, 86400});
  return o;
}

FifoCompactionOptions RandomFifoOptions(Random* rnd) {
  FifoCompactionOptions o;
  o.max_age_seconds = OneOf<uint64_t>(rnd, {0, 1000, 100000});
  o.max_total_bytes = OneOf<uint64_t>(rnd, {1000, 100000, 10000000});
  if (o.max_age_seconds > 0 && rnd->OneIn(3)) o.max_total_bytes = 0;
  return o;
}

constexpr int kIterations = 3000;

TEST(PolicyPropertyTest, LeveledPicksAreValid) {
  const uint64_t seed = test::TestSeed(20240501);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  int picks = 0, level0_picks = 0, deeper_picks = 0, in_place = 0;
  for (int i = 0; i < kIterations; ++i) {
    SCOPED_TRACE(i);
    const CompactionPicture picture = RandomTree(&rnd, 10);
    const LeveledCompactionOptions options = RandomLeveledOptions(&rnd);
    auto policy = NewLeveledCompaction(options);
    const std::optional<CompactionPick> pick = policy->Pick(picture);
    ExpectSamePick(pick, policy->Pick(picture));
    if (Quiet(picture)) {
      bool due = false;
      for (double score : policy->LevelScores(picture)) due = due || score >= 1;
      if (due) {
        EXPECT_TRUE(pick) << "a level is due and nothing is in the way";
      }
    }
    if (!pick) continue;
    ++picks;
    ASSERT_OK(CheckCompactionPick(picture, *pick));
    ASSERT_FALSE(pick->drop_only);
    CheckLeveledShape(picture, *pick, options);
    if (HasFatalFailure()) return;
    level0_picks += pick->inputs.front().level == 0;
    deeper_picks += pick->inputs.front().level > 0;
    in_place += pick->inputs.front().level == pick->output_level;
  }
  // The trees exercise every kind of pick.
  EXPECT_GT(level0_picks, kIterations / 20);
  EXPECT_GT(deeper_picks, kIterations / 20);
  EXPECT_GT(in_place, 0);
  EXPECT_LT(picks, kIterations);
}

TEST(PolicyPropertyTest, SizeTieredPicksAreValid) {
  const uint64_t seed = test::TestSeed(20240502);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  int picks = 0, whole = 0;
  for (int i = 0; i < kIterations; ++i) {
    SCOPED_TRACE(i);
    const CompactionPicture picture = RandomTree(&rnd, 40);
    auto policy = NewSizeTieredCompaction(RandomSizeTieredOptions(&rnd));
    const std::optional<CompactionPick> pick = policy->Pick(picture);
    ExpectSamePick(pick, policy->Pick(picture));
    if (Quiet(picture) && policy->EstimatePendingBytes(picture) > 0) {
      EXPECT_TRUE(pick) << "pending bytes and nothing in the way";
    }
    if (!pick) continue;
    ++picks;
    ASSERT_OK(CheckCompactionPick(picture, *pick));
    ASSERT_EQ(pick->inputs.size(), 1u);
    EXPECT_EQ(pick->inputs[0].level, 0);
    EXPECT_EQ(pick->output_level, 0);
    EXPECT_FALSE(pick->drop_only);
    whole += pick->inputs[0].files.size() == picture.levels[0].size();
  }
  EXPECT_GT(picks, kIterations / 10);
  EXPECT_GT(whole, 0);
  EXPECT_LT(picks, kIterations);
}

TEST(PolicyPropertyTest, FifoPicksAreValid) {
  const uint64_t seed = test::TestSeed(20240503);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  int picks = 0;
  for (int i = 0; i < kIterations; ++i) {
    SCOPED_TRACE(i);
    const CompactionPicture picture = RandomTree(&rnd, 10);
    auto policy = NewFifoCompaction(RandomFifoOptions(&rnd));
    const std::optional<CompactionPick> pick = policy->Pick(picture);
    ExpectSamePick(pick, policy->Pick(picture));
    const uint64_t pending = policy->EstimatePendingBytes(picture);
    if (!pick) {
      if (Quiet(picture)) {
        EXPECT_EQ(pending, 0u);
      }
      continue;
    }
    ++picks;
    ASSERT_OK(CheckCompactionPick(picture, *pick));
    EXPECT_TRUE(pick->drop_only);
    uint64_t dropped = 0;
    for (const CompactionPick::Input& input : pick->inputs) {
      for (uint64_t n : input.files) dropped += Find(picture, input.level, n)->size;
    }
    if (Quiet(picture)) {
      EXPECT_EQ(dropped, pending);
    } else {
      EXPECT_LE(dropped, pending);
    }
  }
  EXPECT_GT(picks, kIterations / 10);
  EXPECT_LT(picks, kIterations);
}

}  // namespace
}  // namespace kvlsm
