#include "kvlsm/cluster/sibling_merge_operator.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kvlsm/cluster/dvv_set.h"
#include "testutil/testutil.h"

namespace kvlsm::cluster {
namespace {

using test::SeedTrace;
using test::TestSeed;

std::string Encode(const DvvSet& set) {
  std::string encoded;
  set.EncodeTo(&encoded);
  return encoded;
}

// Random states of one key as replicas would store them, and the deltas of the puts
// that produced them.
std::vector<std::string> RandomOperands(Random* rnd, int count) {
  std::vector<DvvSet> replicas(3);
  std::vector<Context> contexts(3);
  std::vector<std::string> operands;
  for (int i = 0; i < count; ++i) {
    const size_t r = rnd->Uniform(3);
    const size_t w = rnd->Uniform(3);
    if (rnd->OneIn(4)) contexts[w] = replicas[rnd->Uniform(3)].Read().context;
    DvvSet delta;
    contexts[w] = *replicas[r].Put(contexts[w], absl::StrCat("v", i), 10 + r, &delta);
    operands.push_back(rnd->OneIn(2) ? Encode(delta) : Encode(replicas[r]));
  }
  return operands;
}

std::string FullMerge(const MergeOperator& op, std::optional<std::string_view> existing,
                      const std::vector<std::string>& operands) {
  std::vector<std::string_view> views(operands.begin(), operands.end());
  std::string result;
  EXPECT_OK(op.FullMerge("key", existing, views, &result));
  return result;
}

TEST(SiblingMergeOperatorTest, NameIsStable) {
  EXPECT_STREQ(NewSiblingMergeOperator()->Name(), "kvlsm.dist.DvvSetSync");
}

TEST(SiblingMergeOperatorTest, FullMergeIsTheSyncOfEverything) {
  const uint64_t seed = TestSeed(601);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  const auto op = NewSiblingMergeOperator();
  for (int round = 0; round < 300; ++round) {
    const std::vector<std::string> operands = RandomOperands(&rnd, 1 + rnd.Uniform(8));
    DvvSet expected;
    for (const std::string& operand : operands) {
      ASSERT_OK(expected.Sync(*DvvSet::Decode(operand)));
    }
    ASSERT_EQ(FullMerge(*op, std::nullopt, operands), Encode(expected));
    // With the first operand as the stored value instead.
    const std::vector<std::string> rest(operands.begin() + 1, operands.end());
    if (!rest.empty()) {
      ASSERT_EQ(FullMerge(*op, operands[0], rest), Encode(expected));
    }
  }
}

TEST(SiblingMergeOperatorTest, OrderOfOperandsDoesNotMatter) {
  const uint64_t seed = TestSeed(602);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  const auto op = NewSiblingMergeOperator();
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> operands = RandomOperands(&rnd, 2 + rnd.Uniform(6));
    const std::string first = FullMerge(*op, std::nullopt, operands);
    for (size_t i = operands.size() - 1; i > 0; --i) {
      std::swap(operands[i], operands[rnd.Uniform(i + 1)]);
    }
    ASSERT_EQ(FullMerge(*op, std::nullopt, operands), first);
  }
}

TEST(SiblingMergeOperatorTest, PartialMergeAgreesWithFullMerge) {
  const uint64_t seed = TestSeed(603);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  const auto op = NewSiblingMergeOperator();
  for (int round = 0; round < 300; ++round) {
    const std::vector<std::string> operands = RandomOperands(&rnd, 3);
    std::string combined;
    ASSERT_TRUE(op->PartialMerge("key", operands[1], operands[2], &combined));
    ASSERT_EQ(FullMerge(*op, operands[0], {combined}),
              FullMerge(*op, operands[0], {operands[1], operands[2]}));
  }
}

TEST(SiblingMergeOperatorTest, DamagedValuesFailWithDataLoss) {
  const auto op = NewSiblingMergeOperator();
  DvvSet good;
  ASSERT_OK(good.Put(Context(), "v", 1));
  const std::string encoded = Encode(good);
  const std::string damaged = encoded.substr(0, encoded.size() - 1);
  std::string result = "untouched";
  const std::vector<std::string_view> operands = {damaged};
  absl::Status s = op->FullMerge("user\x01key", std::nullopt, operands, &result);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("user\\x01key"), std::string::npos) << s;
  EXPECT_NE(s.message().find("operand #0"), std::string::npos) << s;
  const std::vector<std::string_view> good_operands = {encoded};
  s = op->FullMerge("k", std::string_view("\xff"), good_operands, &result);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("stored sibling set"), std::string::npos) << s;
  std::string combined;
  EXPECT_FALSE(op->PartialMerge("k", encoded, damaged, &combined));
  EXPECT_FALSE(op->PartialMerge("k", damaged, encoded, &combined));
}

}  // namespace
}  // namespace kvlsm::cluster
