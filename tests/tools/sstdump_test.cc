// kvlsm-sstdump run as a process over the tables of a generated DB: decoded entries match
// what was written, --json parses, flags and usage errors behave as --help says.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "testutil/testutil.h"
#include "tools/tools_fixture.h"

namespace kvlsm::test {
namespace {

class SstdumpTest : public ToolsTest {
 protected:
  static std::vector<std::string> Tables() { return FilesWithSuffix(db().path, ".sst"); }
};

TEST_F(SstdumpTest, ScanOfEveryTableGivesBackWhatWasFlushed) {
  const std::vector<std::string> tables = Tables();
  ASSERT_FALSE(tables.empty());
  std::vector<std::string> args = {"--command=scan", "--hex"};
  args.insert(args.end(), tables.begin(), tables.end());
  const nlohmann::json out = SstdumpJson(args);
  ASSERT_EQ(out.size(), tables.size());
  // The newest entry of each key across all tables decides, as in the DB.
  std::map<std::string, std::pair<uint64_t, nlohmann::json>> newest;
  uint64_t entries = 0;
  for (const auto& table : out) {
    EXPECT_TRUE(table["ok"].get<bool>()) << table;
    for (const auto& e : table["entries"]) {
      ++entries;
      const std::string key = absl::HexStringToBytes(e["key"].get<std::string>());
      const uint64_t sequence = e["sequence"];
      if (!newest.contains(key) || newest[key].first < sequence) newest[key] = {sequence, e};
    }
    EXPECT_EQ(table["count"].get<uint64_t>(), table["entries"].size());
  }
  std::map<std::string, std::string> live;
  for (const auto& [key, entry] : newest) {
    const std::string type = entry.second["type"];
    ASSERT_TRUE(type == "PUT" || type == "DELETE") << entry.second;
    if (type == "PUT") live[key] = absl::HexStringToBytes(entry.second["value"].get<std::string>());
  }
  EXPECT_EQ(live, db().flushed_model);
  EXPECT_GE(entries, db().flushed_model.size());
}

TEST_F(SstdumpTest, TextScanShowsKeySequenceTypeAndValue) {
  std::vector<std::string> args = {"--command=scan", "--prefix=key0015"};
  const std::vector<std::string> tables = Tables();
  args.insert(args.end(), tables.begin(), tables.end());
  const ToolResult result = Sstdump(args);
  EXPECT_NE(result.out.find("\"key00150\" @"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(" PUT => \"value-150-round-1-"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("\"key00160\""), std::string::npos) << result.out;
}

TEST_F(SstdumpTest, RangePrefixAndLimitSelectEntries) {
  // All tables together, so the keys asked for are somewhere.
  std::vector<std::string> args = {"--command=scan", "--from=key00010", "--to=key00020"};
  const std::vector<std::string> tables = Tables();
  args.insert(args.end(), tables.begin(), tables.end());
  std::set<std::string> keys;
  for (const auto& table : SstdumpJson(args)) {
    for (const auto& e : table["entries"]) keys.insert(e["key"].get<std::string>());
  }
  EXPECT_EQ(keys.size(), 10u);
  EXPECT_EQ(*keys.begin(), "key00010");
  EXPECT_EQ(*keys.rbegin(), "key00019");

  args = {"--command=scan", "--prefix=key002", "--limit=3"};
  args.insert(args.end(), tables.begin(), tables.end());
  for (const auto& table : SstdumpJson(args)) {
    EXPECT_LE(table["entries"].size(), 3u);
    for (const auto& e : table["entries"]) {
      EXPECT_TRUE(e["key"].get<std::string>().starts_with("key002")) << e;
    }
  }
}

TEST_F(SstdumpTest, HexKeysGoInAndComeOut) {
  std::vector<std::string> args = {"--command=scan", "--hex",
                                   "--from=" + absl::BytesToHexString(BinaryKey()), "--limit=1"};
  const std::vector<std::string> tables = Tables();
  args.insert(args.end(), tables.begin(), tables.end());
  bool found = false;
  for (const auto& table : SstdumpJson(args)) {
    for (const auto& e : table["entries"]) {
      found |= absl::HexStringToBytes(e["key"].get<std::string>()) == BinaryKey();
    }
  }
  EXPECT_TRUE(found);
  // Without --hex the key is shown escaped, never raw.
  args = {"--command=scan", "--limit=1"};
  args.insert(args.end(), tables.begin(), tables.end());
  const ToolResult text = Sstdump(args);
  EXPECT_NE(text.out.find("\\000\\001\\177\\200\\377bin"), std::string::npos) << text.out;
}

TEST_F(SstdumpTest, PropsDescribeTheTable) {
  for (const std::string& table : Tables()) {
    const nlohmann::json props = SstdumpJson({"--command=props", table})[0];
    const nlohmann::json scan = SstdumpJson({"--command=scan", table})[0];
    EXPECT_EQ(props["num_entries"].get<uint64_t>(), scan["count"].get<uint64_t>());
    EXPECT_EQ(props["comparator"], "kvlsm.BytewiseComparator");
    EXPECT_EQ(props["filter_policy"], "kvlsm.BlockedBloom");
    EXPECT_EQ(props["compression"], "zstd");
    EXPECT_GT(props["compression_ratio"].get<double>(), 1.0);
    EXPECT_EQ(props["data_size"].get<uint64_t>(), std::filesystem::file_size(table));
    EXPECT_EQ(props["format_version"], 1);
    EXPECT_GT(props["num_data_blocks"].get<uint64_t>(), 1u);
    EXPECT_LE(props["smallest_seqno"].get<uint64_t>(), props["largest_seqno"].get<uint64_t>());
    EXPECT_EQ(props["smallest_key"], scan["entries"].front()["key"]);
    EXPECT_EQ(props["largest_key"], scan["entries"].back()["key"]);
    EXPECT_FALSE(props["creation_time_utc"].get<std::string>().empty());
  }
}

TEST_F(SstdumpTest, CheckRawAndVerifyAgreeOnAHealthyTable) {
  const std::string table = Tables().front();
  const nlohmann::json props = SstdumpJson({"--command=props", table})[0];
  const nlohmann::json check = SstdumpJson({"--command=check", table})[0];
  EXPECT_TRUE(check["ok"].get<bool>());
  EXPECT_EQ(check["magic"], "kvlsmIDX");
  EXPECT_EQ(check["data_blocks_checked"], props["num_data_blocks"]);
  EXPECT_TRUE(check["problems"].empty());
  const nlohmann::json verify = SstdumpJson({"--command=verify", table})[0];
  EXPECT_EQ(verify["entries"], props["num_entries"]);
  const nlohmann::json raw = SstdumpJson({"--command=raw", table})[0];
  ASSERT_EQ(raw["data_blocks"].size(), props["num_data_blocks"].get<size_t>());
  uint64_t offset = 0;
  uint64_t entries = 0;
  for (const auto& block : raw["data_blocks"]) {
    EXPECT_EQ(block["offset"].get<uint64_t>(), offset);  // The blocks tile the .sst.
    offset += block["size"].get<uint64_t>() + 5;
    entries += block["entries"].get<uint64_t>();
    EXPECT_TRUE(block["compression"] == "zstd" || block["compression"] == "none") << block;
  }
  EXPECT_EQ(offset, props["data_size"].get<uint64_t>());
  EXPECT_EQ(entries, props["num_entries"].get<uint64_t>());
  EXPECT_EQ(SstdumpJson({"--command=raw", "--limit=2", table})[0]["data_blocks"].size(), 2u);
}

TEST_F(SstdumpTest, EitherHalfNamesThePairAndIndexDirFindsTheOther) {
  const std::string sst = Tables().front();
  const std::string idx = sst.substr(0, sst.size() - 4) + ".idx";
  const nlohmann::json by_sst = SstdumpJson({"--command=scan", sst})[0];
  const nlohmann::json by_idx = SstdumpJson({"--command=scan", idx})[0];
  EXPECT_EQ(by_sst["entries"], by_idx["entries"]);
  EXPECT_EQ(by_idx["sst"], sst);

  const std::string dir = CopyOfDb("sstdump-index-dir");
  const std::string index_dir = TempDir("sstdump-index-dir-idx");
  const std::string name = std::filesystem::path(idx).filename();
  std::filesystem::rename(dir + "/" + name, index_dir + "/" + name);
  const std::string moved_sst = dir + "/" + std::filesystem::path(sst).filename().string();
  const nlohmann::json apart =
      SstdumpJson({"--command=scan", "--index-dir=" + index_dir, moved_sst})[0];
  EXPECT_EQ(apart["entries"], by_sst["entries"]);
  EXPECT_EQ(apart["idx"], index_dir + "/" + name);
  // Without --index-dir the .idx is missing: damage named, not a crash.
  const ToolResult missing = Sstdump({"--command=check", moved_sst}, 1);
  EXPECT_NE(missing.err.find(dir + "/" + name + ": missing"), std::string::npos) << missing.err;
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(index_dir);
}

TEST_F(SstdumpTest, HelpAndUsageErrors) {
  const ToolResult help = Sstdump({"--help"});
  for (const char* command : {"check", "scan", "raw", "props", "verify", "--index-dir", "--hex"}) {
    EXPECT_NE(help.out.find(command), std::string::npos) << command;
  }
  EXPECT_NE(Sstdump({"--command=props", "--help"}).out.find("every property"), std::string::npos);
  const std::string table = Tables().front();
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {"--command=bogus", table},
           {"--bogus", table},
           {"--command=check", "--from=a", table},  // check takes no key range.
           {"--limit=many", table},
           {"--hex", "--from=xyz", table},
           {"--from=b", "--to=a", table},
           {"notes.txt"}}) {
    const ToolResult result = Sstdump(args, 2);
    EXPECT_NE(result.err.find("--help"), std::string::npos) << result.err;
  }
  const ToolResult missing = Sstdump({"/nonexistent/000001.sst"}, 1);
  EXPECT_NE(missing.err.find("/nonexistent/000001.sst"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace kvlsm::test
