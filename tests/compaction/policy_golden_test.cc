// The golden picks of the built-in compaction policies, read from tests/compaction/testdata/
// (its README gives the commands and the syntax of a tree). Each file is one policy's cases.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../../examples/custom_compaction_policy.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "compaction/compaction_test_util.h"
#include "compaction/leveled_policy.h"
#include "kvlsm/compaction_policy.h"
#include "testutil/datadriven.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

using test::DataDrivenArg;
using test::DataDrivenCase;
using test::FileSpec;

std::string TestDataPath(const std::string& name) {
  return absl::StrCat(KVLSM_COMPACTION_TESTDATA_DIR, "/", name);
}

// Options, set by name from `key=value` arguments.

bool ParseValue(const std::string& s, int* v) { return absl::SimpleAtoi(s, v); }
bool ParseValue(const std::string& s, uint64_t* v) { return absl::SimpleAtoi(s, v); }
bool ParseValue(const std::string& s, double* v) { return absl::SimpleAtod(s, v); }
bool ParseValue(const std::string& s, bool* v) { return absl::SimpleAtob(s, v); }

template <typename O>
using Setters = std::map<std::string, std::function<bool(O*, const std::string&)>>;

template <typename O, typename T>
typename Setters<O>::value_type Field(const char* name, T O::*member) {
  return {name, [member](O* o, const std::string& s) { return ParseValue(s, &(o->*member)); }};
}

const Setters<LeveledCompactionOptions>& LeveledSetters() {
  using O = LeveledCompactionOptions;
  static const auto* setters = new Setters<O>{
      Field("level0_file_trigger", &O::level0_file_trigger),
      Field("level_size_multiplier", &O::level_size_multiplier),
      Field("base_level_bytes", &O::base_level_bytes),
      Field("dynamic_level_bytes", &O::dynamic_level_bytes),
      Field("target_file_size", &O::target_file_size),
      Field("max_grandparent_overlap_bytes", &O::max_grandparent_overlap_bytes),
      Field("tombstone_ratio_trigger", &O::tombstone_ratio_trigger),
      Field("tombstone_min_age_seconds", &O::tombstone_min_age_seconds),
  };
  return *setters;
}

const Setters<SizeTieredCompactionOptions>& SizeTieredSetters() {
  using O = SizeTieredCompactionOptions;
  static const auto* setters = new Setters<O>{
      Field("min_threshold", &O::min_threshold),
      Field("max_threshold", &O::max_threshold),
      Field("bucket_low", &O::bucket_low),
      Field("bucket_high", &O::bucket_high),
      Field("max_space_amplification", &O::max_space_amplification),
      Field("tombstone_ratio_trigger", &O::tombstone_ratio_trigger),
      Field("tombstone_min_age_seconds", &O::tombstone_min_age_seconds),
  };
  return *setters;
}

const Setters<FifoCompactionOptions>& FifoSetters() {
  using O = FifoCompactionOptions;
  static const auto* setters = new Setters<O>{
      Field("max_total_bytes", &O::max_total_bytes),
      Field("max_age_seconds", &O::max_age_seconds),
  };
  return *setters;
}

// The constructor arguments of example::TwoLevelPolicy (examples/custom_compaction_policy.h).
struct TwoLevelOptions {
  int trigger = 2;
  uint64_t target_file_size = uint64_t{64} << 20;
  absl::Status Validate() const { return absl::OkStatus(); }
};

const Setters<TwoLevelOptions>& TwoLevelSetters() {
  using O = TwoLevelOptions;
  static const auto* setters = new Setters<O>{
      Field("trigger", &O::trigger),
      Field("target_file_size", &O::target_file_size),
  };
  return *setters;
}

// The options of `args`, applied in order over the defaults, and validated.
template <typename O>
absl::StatusOr<O> ParseOptions(const Setters<O>& setters, const std::vector<DataDrivenArg>& args) {
  O options;
  for (const DataDrivenArg& arg : args) {
    const auto it = setters.find(arg.key);
    if (it == setters.end()) return absl::InvalidArgumentError("unknown option " + arg.key);
    if (!it->second(&options, arg.value)) {
      return absl::InvalidArgumentError(absl::StrCat("bad value for ", arg.key, ": ", arg.value));
    }
  }
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  return options;
}

// A policy, and what each of its picks must satisfy beyond CheckCompactionPick.
struct PolicyUnderTest {
  std::shared_ptr<const CompactionPolicy> policy;
  std::function<void(const CompactionPick&)> check_pick;
};

void CheckLeveledPick(const LeveledCompactionOptions& o, const CompactionPick& pick) {
  EXPECT_EQ(pick.target_file_size, o.target_file_size);
  EXPECT_EQ(pick.max_grandparent_overlap_bytes, o.max_grandparent_overlap_bytes);
  EXPECT_FALSE(pick.drop_only);
}

void CheckSizeTieredPick(const CompactionPick& pick) {
  EXPECT_EQ(pick.target_file_size, 0u);
  EXPECT_TRUE(pick.grandparent_files.empty());
  EXPECT_FALSE(pick.allow_trivial_move);
}

void CheckFifoPick(const CompactionPick& pick) {
  EXPECT_TRUE(pick.drop_only);
  EXPECT_EQ(pick.output_level, -1);
}

absl::StatusOr<PolicyUnderTest> MakeLeveled(const std::vector<DataDrivenArg>& args) {
  absl::StatusOr<LeveledCompactionOptions> o = ParseOptions(LeveledSetters(), args);
  if (!o.ok()) return o.status();
  return PolicyUnderTest{NewLeveledCompaction(*o),
                         [o = *o](const CompactionPick& pick) { CheckLeveledPick(o, pick); }};
}

absl::StatusOr<PolicyUnderTest> MakeSizeTiered(const std::vector<DataDrivenArg>& args) {
  absl::StatusOr<SizeTieredCompactionOptions> o = ParseOptions(SizeTieredSetters(), args);
  if (!o.ok()) return o.status();
  return PolicyUnderTest{NewSizeTieredCompaction(*o), CheckSizeTieredPick};
}

absl::StatusOr<PolicyUnderTest> MakeFifo(const std::vector<DataDrivenArg>& args) {
  absl::StatusOr<FifoCompactionOptions> o = ParseOptions(FifoSetters(), args);
  if (!o.ok()) return o.status();
  return PolicyUnderTest{NewFifoCompaction(*o), CheckFifoPick};
}

void CheckTwoLevelPick(const TwoLevelOptions& o, const CompactionPick& pick) {
  EXPECT_EQ(pick.target_file_size, o.target_file_size);
  ASSERT_FALSE(pick.inputs.empty());
  EXPECT_EQ(pick.reason, absl::StrCat("level 0 holds ", pick.inputs[0].files.size(), " tables"));
}

absl::StatusOr<PolicyUnderTest> MakeTwoLevel(const std::vector<DataDrivenArg>& args) {
  absl::StatusOr<TwoLevelOptions> o = ParseOptions(TwoLevelSetters(), args);
  if (!o.ok()) return o.status();
  return PolicyUnderTest{std::make_shared<example::TwoLevelPolicy>(o->trigger, o->target_file_size),
                         [o = *o](const CompactionPick& pick) { CheckTwoLevelPick(o, pick); }};
}

absl::StatusOr<PolicyUnderTest> MakePolicy(const std::string& name,
                                           const std::vector<DataDrivenArg>& args) {
  if (name == "leveled") return MakeLeveled(args);
  if (name == "size-tiered") return MakeSizeTiered(args);
  if (name == "fifo") return MakeFifo(args);
  if (name == "two-level") return MakeTwoLevel(args);
  return absl::InvalidArgumentError("unknown policy " + name);
}

// Trees, from the lines of `define`.

// "[a-c]" into its smallest and largest keys.
bool ParseRange(const std::string& range, std::string* smallest, std::string* largest) {
  if (range.size() < 2 || range.front() != '[' || range.back() != ']') return false;
  std::vector<std::string> keys = absl::StrSplit(range.substr(1, range.size() - 2), '-');
  if (keys.size() != 2) return false;
  *smallest = keys[0];
  *largest = keys[1];
  return true;
}

// "L3:" or "L3" into 3; "drop" into -1.
bool ParseLevel(std::string word, int* level) {
  if (word == "drop") return (*level = -1, true);
  if (!word.empty() && word.back() == ':') word.pop_back();
  return word.size() > 1 && word[0] == 'L' && absl::SimpleAtoi(word.substr(1), level) &&
         *level >= 0 && *level < test::kTestLevels;
}

// One attribute of a table: size=, deletions=, age= or busy.
bool ParseAttribute(const std::string& word, FileSpec* spec) {
  if (word == "busy") return (spec->busy = true);
  std::vector<std::string> kv = absl::StrSplit(word, absl::MaxSplits('=', 1));
  if (kv.size() != 2) return false;
  if (kv[0] == "size") return absl::SimpleAtoi(kv[1], &spec->size);
  if (kv[0] == "deletions") return absl::SimpleAtoi(kv[1], &spec->deletions);
  if (kv[0] == "age") return absl::SimpleAtoi(kv[1], &spec->age);
  return false;
}

// "L1: 10:[a-c] size=400 deletions=60 age=7200 busy": one table, appended to its level.
bool ParseTable(const std::vector<std::string>& words, std::vector<std::vector<FileSpec>>* levels) {
  int level;
  FileSpec spec{};
  if (words.size() < 2) return false;
  std::vector<std::string> id = absl::StrSplit(words[1], absl::MaxSplits(':', 1));
  if (!ParseLevel(words[0], &level) || id.size() != 2 || !absl::SimpleAtoi(id[0], &spec.number) ||
      !ParseRange(id[1], &spec.smallest, &spec.largest)) {
    return false;
  }
  for (size_t i = 2; i < words.size(); ++i) {
    if (!ParseAttribute(words[i], &spec)) return false;
  }
  if (levels->size() <= static_cast<size_t>(level)) levels->resize(level + 1);
  (*levels)[level].push_back(spec);
  return true;
}

// "running: L1->L2 [b-b]", or "running: L0->drop [a-z]".
bool ParseRunning(const std::vector<std::string>& words, std::vector<RunningCompaction>* out) {
  RunningCompaction r;
  std::vector<std::string> levels = absl::StrSplit(words.size() == 3 ? words[1] : "", "->");
  if (words.size() != 3 || levels.size() != 2 || !ParseLevel(levels[0], &r.start_level) ||
      !ParseLevel(levels[1], &r.output_level) || !ParseRange(words[2], &r.smallest, &r.largest)) {
    return false;
  }
  out->push_back(r);
  return true;
}

// The picture of a `define` input, or an error naming the bad line.
absl::StatusOr<CompactionPicture> ParsePicture(const std::string& input) {
  std::vector<std::vector<FileSpec>> levels;
  std::vector<RunningCompaction> running;
  const std::vector<std::string> lines = absl::StrSplit(input, '\n', absl::SkipWhitespace());
  for (const std::string& line : lines) {
    const std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    const bool ok =
        words[0] == "running:" ? ParseRunning(words, &running) : ParseTable(words, &levels);
    if (!ok) return absl::InvalidArgumentError(absl::StrCat("cannot parse \"", line, "\""));
  }
  return test::MakePicture(levels, std::move(running));
}

// Picks, from the input of `check`: "[drop] L<level>:<file>,... ... [-> L<level>]
// [gp:<file>,...] [move]", the syntax of DescribePick; a drop's output level defaults to -1.

bool ParseFiles(const std::string& list, std::vector<uint64_t>* files) {
  for (const std::string& number :
       std::vector<std::string>(absl::StrSplit(list, ',', absl::SkipEmpty()))) {
    files->emplace_back();
    if (!absl::SimpleAtoi(number, &files->back())) return false;
  }
  return true;
}

// "L<level>:<file>,..." (any level, so that a check may see one out of range).
bool ParseInput(const std::string& word, CompactionPick::Input* input) {
  std::vector<std::string> parts = absl::StrSplit(word, absl::MaxSplits(':', 1));
  return parts.size() == 2 && parts[0].size() > 1 && parts[0][0] == 'L' &&
         absl::SimpleAtoi(parts[0].substr(1), &input->level) && ParseFiles(parts[1], &input->files);
}

bool ParsePickWord(const std::vector<std::string>& words, size_t* i, CompactionPick* pick) {
  const std::string& word = words[*i];
  if (word == "drop") return (pick->drop_only = true);
  if (word == "move") return (pick->allow_trivial_move = true);
  if (word.rfind("gp:", 0) == 0) return ParseFiles(word.substr(3), &pick->grandparent_files);
  if (word == "->") {
    return ++*i < words.size() && words[*i].size() > 1 && words[*i][0] == 'L' &&
           absl::SimpleAtoi(words[*i].substr(1), &pick->output_level);
  }
  pick->inputs.emplace_back();
  return ParseInput(word, &pick->inputs.back());
}

absl::StatusOr<CompactionPick> ParsePick(const std::string& text) {
  const std::vector<std::string> words =
      absl::StrSplit(text, absl::ByAnyChar(" \n"), absl::SkipEmpty());
  CompactionPick pick;
  for (size_t i = 0; i < words.size(); ++i) {
    if (!ParsePickWord(words, &i, &pick)) {
      return absl::InvalidArgumentError(absl::StrCat("cannot parse the pick \"", text, "\""));
    }
  }
  return pick;
}

// The commands.
class PolicyTestData {
 public:
  std::string Run(const DataDrivenCase& c) {
    if (c.command == "options") return Options(c);
    if (c.command == "define") return Define(c);
    if (c.command == "pick") return Pick(c);
    if (c.command == "pending") return Pending(c);
    if (c.command == "check") return Check(c);
    if (c.command == "targets") return Targets(c);
    ADD_FAILURE() << "unknown command " << c.command;
    return "";
  }

 private:
  // options <policy> [<option>=<value>]..., more settings in the input: the policy of the
  // commands that follow.
  std::string Options(const DataDrivenCase& c) {
    EXPECT_FALSE(c.args.empty()) << "options needs a policy";
    if (c.args.empty()) return "";
    policy_ = c.args[0].key;
    options_.assign(c.args.begin() + 1, c.args.end());
    for (DataDrivenArg& arg : test::ParseDataDrivenArgs(c.input)) options_.push_back(arg);
    const absl::StatusOr<PolicyUnderTest> policy = MakePolicy(policy_, options_);
    return policy.ok() ? "ok" : policy.status().ToString();
  }

  std::string Define(const DataDrivenCase& c) {
    absl::StatusOr<CompactionPicture> picture = ParsePicture(c.input);
    if (!picture.ok()) return picture.status().ToString();
    picture_ = *std::move(picture);
    return "";
  }

  // The policy of `options`, with the settings of this command on top.
  absl::StatusOr<PolicyUnderTest> Policy(const DataDrivenCase& c) const {
    std::vector<DataDrivenArg> args = options_;
    args.insert(args.end(), c.args.begin(), c.args.end());
    return MakePolicy(policy_, args);
  }

  // pick [<option>=<value>]...: the pick, as DescribePick prints it.
  std::string Pick(const DataDrivenCase& c) {
    const absl::StatusOr<PolicyUnderTest> policy = Policy(c);
    if (!policy.ok()) return policy.status().ToString();
    const std::optional<CompactionPick> pick = policy->policy->Pick(picture_);
    if (pick) {
      EXPECT_OK(CheckCompactionPick(picture_, *pick));
      EXPECT_FALSE(pick->reason.empty());
      policy->check_pick(*pick);
    }
    return test::DescribePick(pick);
  }

  // pending [<option>=<value>]...: EstimatePendingBytes.
  std::string Pending(const DataDrivenCase& c) {
    const absl::StatusOr<PolicyUnderTest> policy = Policy(c);
    if (!policy.ok()) return policy.status().ToString();
    return absl::StrCat(policy->policy->EstimatePendingBytes(picture_));
  }

  // targets [<option>=<value>]...: the leveled policy's base level and level targets.
  std::string Targets(const DataDrivenCase& c) const {
    if (policy_ != "leveled") return "targets needs options leveled";
    std::vector<DataDrivenArg> args = options_;
    args.insert(args.end(), c.args.begin(), c.args.end());
    const absl::StatusOr<LeveledCompactionOptions> o = ParseOptions(LeveledSetters(), args);
    if (!o.ok()) return o.status().ToString();
    const compaction::LevelTargets t = compaction::ComputeLevelTargets(picture_, *o);
    return absl::StrCat("base level: ", t.base_level, "\ntargets: ", absl::StrJoin(t.bytes, " "));
  }

  // check: CheckCompactionPick of the pick in the input: "ok", or the status it returns.
  std::string Check(const DataDrivenCase& c) {
    const absl::StatusOr<CompactionPick> pick = ParsePick(c.input);
    if (!pick.ok()) return pick.status().ToString();
    const absl::Status s = CheckCompactionPick(picture_, *pick);
    return s.ok() ? "ok" : s.ToString();
  }

  std::string policy_;
  std::vector<DataDrivenArg> options_;
  CompactionPicture picture_ = test::MakePicture({});
};

void RunPolicyFile(const std::string& name) {
  PolicyTestData data;
  test::RunDataDrivenFile(TestDataPath(name), [&](const DataDrivenCase& c) { return data.Run(c); });
}

TEST(LeveledPolicyTest, GoldenPicks) { RunPolicyFile("leveled"); }
TEST(SizeTieredPolicyTest, GoldenPicks) { RunPolicyFile("size_tiered"); }
TEST(FifoPolicyTest, GoldenPicks) { RunPolicyFile("fifo"); }
TEST(CheckPickTest, GoldenPicks) { RunPolicyFile("check_pick"); }
TEST(CustomCompactionTest, GoldenPicks) { RunPolicyFile("two_level"); }

}  // namespace
}  // namespace kvlsm
