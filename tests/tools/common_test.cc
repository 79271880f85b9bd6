// The tools' shared pieces: command-line parsing, key formats, key ranges and the progress
// bar's line. (The JSON writer they share with kvlsm-bench: tests/support.)
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/bytes_format.h"
#include "common/command_line.h"
#include "common/key_range.h"
#include "common/progress_bar.h"
#include "testutil/testutil.h"

namespace kvlsm::tools {
namespace {

constexpr FlagSpec kFlags[] = {{"from", "KEY", "first key"}, {"to", "KEY", "last key"},
                               {"prefix", "KEY", "prefix"},  {"limit", "N", "how many"},
                               {"json", "", "JSON"},         {"help", "", "help"}};

absl::StatusOr<CommandLine> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "tool");
  return CommandLine::Parse(static_cast<int>(args.size()), args.data(), kFlags);
}

TEST(CommandLineTest, FlagsAnywhereBothValueForms) {
  auto c = Parse({"db", "--from=a", "scan", "--limit", "5", "--json", "--", "--not-a-flag"});
  ASSERT_OK(c);
  EXPECT_EQ(c->positional(), (std::vector<std::string>{"db", "scan", "--not-a-flag"}));
  EXPECT_EQ(c->Value("from"), "a");
  EXPECT_EQ(*c->Uint("limit", 0), 5u);
  EXPECT_TRUE(c->Has("json"));
  EXPECT_FALSE(c->Has("help"));
  EXPECT_EQ(*c->Uint("absent", 7), 7u);  // Undeclared names are simply absent.
}

TEST(CommandLineTest, UsageErrorsNameTheFlag) {
  for (const auto& [args, text] : std::vector<std::pair<std::vector<const char*>, std::string>>{
           {{"--bogus"}, "--bogus"},
           {{"--json=yes"}, "takes no value"},
           {{"--from"}, "needs a value"},
           {{"-x"}, "'-x'"}}) {
    auto c = Parse(args);
    EXPECT_TRUE(absl::IsInvalidArgument(c.status())) << c.status();
    EXPECT_TRUE(test::MessageContains(c.status(), text)) << c.status();
  }
  auto c = Parse({"--limit=-3"});
  ASSERT_OK(c);
  EXPECT_TRUE(test::MessageContains(c->Uint("limit", 0).status(), "--limit=-3"));
  const std::string_view allowed[] = {"from"};
  EXPECT_TRUE(test::MessageContains(c->CheckFlagsFor("get", allowed), "get does not take --limit"));
  auto help = Parse({"-h"});
  ASSERT_OK(help);
  EXPECT_TRUE(help->Has("help"));
}

TEST(BytesFormatTest, TextEscapesAndHexRoundTrips) {
  const std::string binary("a\0\x7f\xff\"\\ b", 8);
  const BytesFormat text(false);
  EXPECT_EQ(text.Encode(binary), "a\\000\\177\\377\\\"\\\\ b");
  EXPECT_EQ(text.Show(""), "\"\"");
  EXPECT_EQ(*text.Decode("raw bytes", "KEY"), "raw bytes");
  const BytesFormat hex(true);
  EXPECT_EQ(hex.Encode(binary), "61007fff225c2062");
  EXPECT_EQ(*hex.Decode("61007FFF225c2062", "KEY"), binary);
  EXPECT_TRUE(test::MessageContains(hex.Decode("abc", "--from").status(), "--from"));
  EXPECT_TRUE(test::MessageContains(hex.Decode("zz", "KEY").status(), "position 0"));
}

TEST(KeyRangeTest, FromToPrefixAndLimit) {
  auto c = Parse({"--from=b", "--limit=2"});
  ASSERT_OK(c);
  auto range = KeyRange::FromCommandLine(*c, BytesFormat(false));
  ASSERT_OK(range);
  EXPECT_EQ(range->Start(), "b");
  EXPECT_FALSE(range->IsPast("zzz"));
  EXPECT_TRUE(range->LimitReached(2));
  range->to = "d";
  range->prefix = "c";
  EXPECT_EQ(range->Start(), "c");
  EXPECT_FALSE(range->IsPast("c1"));
  EXPECT_FALSE(range->IsPast("cz"));
  EXPECT_TRUE(range->IsPast("d"));
  range->prefix = "b";
  EXPECT_TRUE(range->IsPast("c"));
  auto bad = Parse({"--from=z"});
  ASSERT_OK(bad);
  EXPECT_OK(KeyRange::FromCommandLine(*bad, BytesFormat(false)));
  EXPECT_TRUE(absl::IsInvalidArgument(
      KeyRange::FromCommandLine(*bad, BytesFormat(true)).status()));  // "z" is not hex.
  auto reversed = Parse({"--from=z", "--to=a"});
  ASSERT_OK(reversed);
  EXPECT_TRUE(
      absl::IsInvalidArgument(KeyRange::FromCommandLine(*reversed, BytesFormat(false)).status()));
}

TEST(ProgressBarTest, LineShowsShareOrCount) {
  EXPECT_EQ(ProgressBar("verify", 200, "tables").Render(50),
            "verify [#####...............]  25%  50 of 200 tables");
  EXPECT_EQ(ProgressBar("verify", 10, "tables").Render(12),
            "verify [####################] 100%  12 of 10 tables");
  EXPECT_EQ(ProgressBar("scan", 0, "keys").Render(1234), "scan 1234 keys");
}

}  // namespace
}  // namespace kvlsm::tools
