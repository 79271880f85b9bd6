// kvlsm-inspect run as a process over a generated DB (tables from flushes, a CompactRange,
// updates left in the WAL): what it shows matches what was written, --json parses, read
// commands write nothing and work beside a process that has the DB open.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "kvlsm/db.h"
#include "testutil/testutil.h"
#include "tools/tools_fixture.h"

namespace kvlsm::test {
namespace {

using Model = std::map<std::string, std::string>;

// Every file in `dir` with its size and modification time: what a read-only command must
// leave as it is.
std::map<std::string, std::pair<uintmax_t, std::filesystem::file_time_type>> DirState(
    const std::string& dir) {
  std::map<std::string, std::pair<uintmax_t, std::filesystem::file_time_type>> state;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    state[entry.path().string()] = {entry.file_size(), entry.last_write_time()};
  }
  return state;
}

Model ScanModel(const nlohmann::json& scan) {
  Model model;
  for (const auto& e : scan["entries"]) {
    model[absl::HexStringToBytes(e["key"].get<std::string>())] =
        absl::HexStringToBytes(e["value"].get<std::string>());
  }
  return model;
}

class InspectTest : public ToolsTest {};

TEST_F(InspectTest, GetReadsTablesAndTheWal) {
  const std::string& path = db().path;
  for (const std::string key : {"key00150", "key00050", "key00310"}) {
    const ToolResult result = Inspect({path, "get", key});
    EXPECT_EQ(result.out, "\"" + db().model.at(key) + "\"\n");
  }
  const nlohmann::json found =
      InspectJson({path, "get", "--hex", absl::BytesToHexString(BinaryKey())});
  EXPECT_TRUE(found["found"].get<bool>());
  EXPECT_EQ(absl::HexStringToBytes(found["value"].get<std::string>()), db().model.at(BinaryKey()));
  // Deleted in a table (key00120) and in the WAL (key00000): not found, exit status 1.
  for (const char* key : {"key00120", "key00000"}) {
    const nlohmann::json missing = InspectJson({path, "get", key}, 1);
    EXPECT_FALSE(missing["found"].get<bool>());
    EXPECT_FALSE(missing["ok"].get<bool>());
  }
}

TEST_F(InspectTest, ScanShowsTheLiveDataAndHonoursTheRange) {
  EXPECT_EQ(ScanModel(InspectJson({db().path, "scan", "--hex"})), db().model);
  Model expected;
  for (const auto& [key, value] : db().model) {
    if (key >= "key00095" && key < "key00160") expected[key] = value;
  }
  EXPECT_EQ(ScanModel(InspectJson({db().path, "scan", "--hex",
                                   "--from=" + absl::BytesToHexString("key00095"),
                                   "--to=" + absl::BytesToHexString("key00160")})),
            expected);
  const nlohmann::json prefix = InspectJson({db().path, "scan", "--prefix=key003", "--limit=5"});
  ASSERT_EQ(prefix["entries"].size(), 5u);
  EXPECT_EQ(prefix["entries"][0]["key"], "key00300");
  EXPECT_EQ(prefix["count"], 5);
  const ToolResult text = Inspect({db().path, "scan", "--from=key00310", "--limit=1"});
  EXPECT_EQ(text.out, "\"key00310\" => \"" + db().model.at("key00310") + "\"\n");
}

TEST_F(InspectTest, ManifestDescribesEveryTableWhateverTheLevels) {
  const nlohmann::json manifest = InspectJson({db().path, "manifest", "--edits"});
  EXPECT_EQ(manifest["comparator"], "kvlsm.BytewiseComparator");
  EXPECT_TRUE(manifest["problems"].empty());
  EXPECT_EQ(manifest["levels"].size(), 7u);
  // Every table named by the MANIFEST is on disk with the recorded size, and every .sst on
  // disk is named (the DB was closed cleanly).
  std::set<std::string> named;
  uint64_t entries = 0;
  for (const auto& level : manifest["levels"]) {
    for (const auto& t : level["tables"]) {
      const std::string sst = db().path + "/" + t["table"].get<std::string>() + ".sst";
      named.insert(sst);
      EXPECT_EQ(std::filesystem::file_size(sst), t["data_size"].get<uint64_t>());
      EXPECT_LE(t["smallest_seqno"].get<uint64_t>(), t["largest_seqno"].get<uint64_t>());
      EXPECT_LE(t["largest_seqno"].get<uint64_t>(), manifest["last_sequence"].get<uint64_t>());
      entries += t["entries"].get<uint64_t>();
    }
  }
  const std::vector<std::string> on_disk = FilesWithSuffix(db().path, ".sst");
  EXPECT_EQ(named, std::set<std::string>(on_disk.begin(), on_disk.end()));
  EXPECT_GE(entries, db().flushed_model.size());
  EXPECT_EQ(manifest["table_count"].get<size_t>(), named.size());
  EXPECT_EQ(manifest["edit_count"].get<size_t>(), manifest["edits"].size());
  // The WAL's updates come after everything the MANIFEST records.
  EXPECT_EQ(manifest["last_sequence"].get<uint64_t>() + db().wal_keys.size(), db().last_sequence);
}

TEST_F(InspectTest, WalListsTheUpdatesNotYetInTables) {
  const nlohmann::json wal = InspectJson({db().path, "wal", "--entries"});
  std::vector<std::string> keys;
  uint64_t previous = 0;
  for (const auto& file : wal["wal_files"]) {
    if (file["state"] != "live") continue;
    for (const auto& record : file["records"]) {
      EXPECT_GT(record["sequence"].get<uint64_t>(), previous);
      previous = record["sequence"];
      for (const auto& u : record["updates"]) keys.push_back(u["key"]);
    }
  }
  EXPECT_EQ(keys, db().wal_keys);
  EXPECT_EQ(previous, db().last_sequence);
  const ToolResult text = Inspect({db().path, "wal", "--limit=1"});
  EXPECT_NE(text.out.find("record_count=" + std::to_string(db().wal_keys.size())),
            std::string::npos)
      << text.out;
}

TEST_F(InspectTest, FilesJudgesLiveOrphanAndForeign) {
  const std::string dir = CopyOfDb("inspect-files");
  WriteBytes(dir + "/000999.dbtmp", "left by a crash");
  WriteBytes(dir + "/notes.txt", "an operator's notes");
  const nlohmann::json files = InspectJson({dir, "files"});
  std::map<std::string, std::string> state;
  for (const auto& f : files["files"]) {
    state[std::filesystem::path(f["path"].get<std::string>()).filename()] = f["state"];
  }
  EXPECT_EQ(state["000999.dbtmp"], "orphan");
  EXPECT_EQ(state["notes.txt"], "foreign");
  EXPECT_EQ(state["CURRENT"], "live");
  for (const std::string& sst : FilesWithSuffix(dir, ".sst")) {
    EXPECT_EQ(state[std::filesystem::path(sst).filename()], "live") << sst;
  }
  std::filesystem::remove_all(dir);
}

TEST_F(InspectTest, StatsAndVerifyOnAHealthyDb) {
  const nlohmann::json stats = InspectJson({db().path, "stats"});
  EXPECT_EQ(stats["properties"]["kvlsm.last-sequence"], std::to_string(db().last_sequence));
  EXPECT_NE(stats["stats"].get<std::string>().find("read-only"), std::string::npos);
  uint64_t files = 0;
  for (int level = 0; level < 7; ++level) {
    files += std::stoull(
        stats["properties"]["kvlsm.num-files-at-level" + std::to_string(level)].get<std::string>());
  }
  EXPECT_EQ(files, FilesWithSuffix(db().path, ".sst").size());

  const nlohmann::json verify = InspectJson({db().path, "verify"});
  EXPECT_EQ(verify["problem_count"], 0);
  EXPECT_EQ(verify["tables_verified"].get<size_t>(), files);
  EXPECT_EQ(verify["wal_files_verified"].get<size_t>(), 1u);
  for (const auto& t : verify["tables"]) EXPECT_TRUE(t["ok"].get<bool>()) << t;
}

TEST_F(InspectTest, ReadCommandsChangeNothing) {
  const auto before = DirState(db().path);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"get", "key00001"},
                                             {"scan"},
                                             {"manifest"},
                                             {"wal"},
                                             {"files"},
                                             {"stats"},
                                             {"verify"}}) {
    std::vector<std::string> full = {db().path};
    full.insert(full.end(), args.begin(), args.end());
    Inspect(full);
  }
  EXPECT_EQ(DirState(db().path), before);
}

TEST_F(InspectTest, ReadCommandsWorkBesideTheProcessThatHasTheDbOpen) {
  const std::string dir = CopyOfDb("inspect-beside");
  auto db_or = DB::Open(db().options, dir);
  ASSERT_OK(db_or);
  std::unique_ptr<DB> running = *std::move(db_or);
  ASSERT_OK(running->Put(WriteOptions(), "written-while-open", "yes"));
  EXPECT_EQ(Inspect({dir, "get", "written-while-open"}).out, "\"yes\"\n");
  Inspect({dir, "verify"});
  Inspect({dir, "manifest"});
  Model expected = db().model;
  expected["written-while-open"] = "yes";
  EXPECT_EQ(ScanModel(InspectJson({dir, "scan", "--hex"})), expected);
  // A writing command needs the lock, which the running DB holds.
  const ToolResult put = Inspect({dir, "put", "--write", "k", "v"}, 1);
  EXPECT_NE(put.err.find("in use"), std::string::npos) << put.err;
  running.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(InspectTest, PutDeleteAndCompactChangeTheDb) {
  const std::string dir = CopyOfDb("inspect-write");
  Inspect({dir, "put", "k", "v"}, 2);  // Not without --write.
  EXPECT_EQ(Inspect({dir, "put", "--write", "k", "v"}).out, "OK\n");
  EXPECT_EQ(Inspect({dir, "get", "k"}).out, "\"v\"\n");
  Inspect({dir, "delete", "--write", "key00050"});
  Inspect({dir, "get", "key00050"}, 1);
  const nlohmann::json compact = InspectJson({dir, "compact"});
  EXPECT_EQ(compact["files_per_level_after"].size(), 7u);
  Model expected = db().model;
  expected["k"] = "v";
  expected.erase("key00050");
  EXPECT_EQ(ScanModel(InspectJson({dir, "scan", "--hex"})), expected);
  EXPECT_EQ(InspectJson({dir, "verify"})["problem_count"], 0);
  std::filesystem::remove_all(dir);
}

TEST_F(InspectTest, HelpAndUsageErrors) {
  const ToolResult help = Inspect({"--help"});
  for (const char* command :
       {"get", "scan", "put", "delete", "manifest", "wal", "files", "stats", "verify", "compact"}) {
    EXPECT_NE(help.out.find(std::string("  ") + command), std::string::npos) << command;
  }
  EXPECT_NE(Inspect({"wal", "--help"}).out.find("--entries"), std::string::npos);
  EXPECT_NE(Inspect({db().path, "scan", "--help"}).out.find("--prefix"), std::string::npos);
  const std::string& path = db().path;
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {path},
                                             {path, "bogus"},
                                             {path, "get"},
                                             {path, "get", "a", "b"},
                                             {path, "scan", "--edits"},
                                             {path, "scan", "--limit=-1"},
                                             {path, "get", "--hex", "not-hex"},
                                             {path, "wal", "--file=notes.txt"},
                                             {path, "delete", "k"}}) {
    const ToolResult result = Inspect(args, 2);
    EXPECT_NE(result.err.find("--help"), std::string::npos) << result.err;
  }
  const ToolResult no_db = Inspect({"/nonexistent/db", "manifest"}, 1);
  EXPECT_NE(no_db.err.find("no kvlsm DB"), std::string::npos) << no_db.err;
  Inspect({"/nonexistent/db", "get", "k"}, 1);
}

}  // namespace
}  // namespace kvlsm::test
