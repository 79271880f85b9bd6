// Both tools on damaged copies of a generated DB: every byte flip or truncation of a table
// half is caught by sstdump check and verify (exit status 1, the file named); damaged and
// truncated MANIFEST, WAL and CURRENT files are described or refused with a clear status;
// and no command crashes on any of them. Byte positions are sampled (seeded); with
// KVLSM_LONG_TESTS=1 every byte of every file is tried.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testutil/testutil.h"
#include "tools/tools_fixture.h"

namespace kvlsm::test {
namespace {

constexpr int kSampledPositions = 16;

// The offsets to damage in a file of `size` bytes: the first and last bytes and a seeded
// sample, or all of them for long runs.
std::vector<size_t> Positions(size_t size, uint64_t seed) {
  std::vector<size_t> positions;
  if (LongTestsEnabled()) {
    for (size_t i = 0; i < size; ++i) positions.push_back(i);
    return positions;
  }
  Random rnd(seed);
  positions = {0, size - 1};
  for (int i = 0; i < kSampledPositions; ++i) positions.push_back(rnd.Uniform(size));
  return positions;
}

std::string Name(const std::string& path) { return std::filesystem::path(path).filename(); }

// A tool run that must not crash, whatever it thinks of the file.
void ExpectNoCrash(const std::string& program, const std::vector<std::string>& args) {
  const ToolResult result = RunTool(program, args);
  EXPECT_EQ(result.signal, 0) << args.back() << "\n" << Describe(result);
  EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1) << Describe(result);
}

class DamagedFilesTest : public ToolsTest {
 protected:
  void SetUp() override { dir_ = CopyOfDb("damaged-" + std::to_string(counter_++)); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Applies `damage` to the copy of `name`, runs `check`, and restores the file.
  void WithDamaged(const std::string& name, const std::function<void(std::string*)>& damage,
                   const std::function<void()>& check) {
    const std::string path = dir_ + "/" + name;
    const std::string original = ReadBytes(path);
    std::string damaged = original;
    damage(&damaged);
    WriteBytes(path, damaged);
    check();
    WriteBytes(path, original);
  }

  std::string CurrentManifest() {
    const std::string current = ReadBytes(dir_ + "/CURRENT");
    return current.substr(0, current.size() - 1);
  }

  std::string dir_;
  static inline int counter_ = 0;
};

TEST_F(DamagedFilesTest, EveryFlippedOrTruncatedTableByteIsCaught) {
  const uint64_t seed = TestSeed(301);
  SCOPED_TRACE(SeedTrace(seed));
  const std::string sst = Name(FilesWithSuffix(dir_, ".sst").front());
  const std::string idx = sst.substr(0, sst.size() - 4) + ".idx";
  for (const std::string& name : {sst, idx}) {
    const size_t size = ReadBytes(dir_ + "/" + name).size();
    auto caught = [&](const std::string& what) {
      SCOPED_TRACE(name + " " + what);
      for (const char* command : {"--command=check", "--command=verify"}) {
        const ToolResult result = Sstdump({command, dir_ + "/" + sst}, 1);
        EXPECT_NE(result.err.find(dir_ + "/"), std::string::npos) << result.err;
      }
      for (const char* command : {"--command=scan", "--command=raw", "--command=props"}) {
        ExpectNoCrash(SstdumpPath(), {command, "--json", dir_ + "/" + idx});
      }
    };
    for (size_t pos : Positions(size, seed)) {
      WithDamaged(
          name, [pos](std::string* b) { (*b)[pos] ^= 0x20; },
          [&] { caught("byte " + std::to_string(pos) + " flipped"); });
    }
    for (size_t keep : {size_t{0}, size_t{19}, size / 2, size - 1}) {
      WithDamaged(
          name, [keep](std::string* b) { b->resize(keep); },
          [&] { caught("cut to " + std::to_string(keep) + " bytes"); });
    }
  }
  // Through the DB as a whole: verify names the damaged table.
  WithDamaged(
      sst, [](std::string* b) { (*b)[b->size() / 2] ^= 0x01; },
      [&] {
        const nlohmann::json verify = InspectJson({dir_, "verify"}, 1);
        EXPECT_EQ(verify["problem_count"], 1);
        EXPECT_NE(verify["problems"][0].get<std::string>().find(sst), std::string::npos) << verify;
      });
}

TEST_F(DamagedFilesTest, MissingHalfOfAPairIsNamed) {
  const std::string sst = FilesWithSuffix(dir_, ".sst").front();
  const std::string idx = sst.substr(0, sst.size() - 4) + ".idx";
  const std::string idx_bytes = ReadBytes(idx);
  std::filesystem::remove(idx);
  ToolResult result = Sstdump({"--command=check", sst}, 1);
  EXPECT_NE(result.err.find(idx + ": missing (the index half of table " + sst + ")"),
            std::string::npos)
      << result.err;
  const nlohmann::json verify = InspectJson({dir_, "verify"}, 1);
  EXPECT_NE(verify["problems"][0].get<std::string>().find(idx + ": missing"), std::string::npos)
      << verify;
  bool listed_missing = false;
  const nlohmann::json files = InspectJson({dir_, "files"}, 1);
  for (const auto& f : files["files"]) {
    listed_missing |= f["path"] == idx && f["state"] == "missing";
  }
  EXPECT_TRUE(listed_missing);
  Inspect({dir_, "scan"}, 1);  // The read-only open checks that every table is there.

  WriteBytes(idx, idx_bytes);
  std::filesystem::remove(sst);
  result = Sstdump({"--command=scan", idx}, 1);
  EXPECT_NE(result.err.find(sst + ": missing (the data half of table " + idx + ")"),
            std::string::npos)
      << result.err;
}

TEST_F(DamagedFilesTest, DamagedManifestIsReportedWithItsOffset) {
  const uint64_t seed = TestSeed(302);
  SCOPED_TRACE(SeedTrace(seed));
  const std::string manifest = CurrentManifest();
  const size_t size = ReadBytes(dir_ + "/" + manifest).size();
  for (size_t pos : Positions(size, seed)) {
    WithDamaged(
        manifest, [pos](std::string* b) { (*b)[pos] ^= 0x08; },
        [&] {
          SCOPED_TRACE("byte " + std::to_string(pos));
          // Every byte of a small MANIFEST is covered by a fragment's checksum.
          const ToolResult result = Inspect({dir_, "manifest"}, 1);
          EXPECT_NE(result.err.find(manifest), std::string::npos) << result.err;
          EXPECT_NE(result.err.find("offset"), std::string::npos) << result.err;
          Inspect({dir_, "verify"}, 1);
          ExpectNoCrash(InspectPath(), {dir_, "files"});
          ExpectNoCrash(InspectPath(), {dir_, "stats"});
        });
  }
  for (size_t keep : {size_t{0}, size_t{10}, size / 2, size - 1}) {
    WithDamaged(
        manifest, [keep](std::string* b) { b->resize(keep); },
        [&] {
          SCOPED_TRACE("cut to " + std::to_string(keep));
          for (const char* command : {"manifest", "verify", "files", "stats", "scan"}) {
            ExpectNoCrash(InspectPath(), {dir_, command, "--json"});
          }
        });
  }
  // A torn last edit never took effect: reported, not a failure.
  WithDamaged(
      manifest, [size](std::string* b) { b->resize(size - 1); },
      [&] {
        const nlohmann::json out = InspectJson({dir_, "manifest"});
        ASSERT_EQ(out["drops"].size(), 1u);
        EXPECT_EQ(out["drops"][0]["kind"], "torn tail");
      });
  WithDamaged(
      "CURRENT", [](std::string* b) { *b = "MANIFEST-9"; },
      [&] {
        const ToolResult result = Inspect({dir_, "manifest"}, 1);
        EXPECT_NE(result.err.find("CURRENT: does not name a MANIFEST"), std::string::npos)
            << result.err;
      });
}

TEST_F(DamagedFilesTest, DamagedWalIsReportedAndSalvageStillReads) {
  const uint64_t seed = TestSeed(303);
  SCOPED_TRACE(SeedTrace(seed));
  std::string wal;
  for (const std::string& path : FilesWithSuffix(dir_, ".log")) {
    if (!ReadBytes(path).empty()) wal = Name(path);
  }
  ASSERT_FALSE(wal.empty());
  const size_t size = ReadBytes(dir_ + "/" + wal).size();
  for (size_t pos : Positions(size, seed)) {
    WithDamaged(
        wal, [pos](std::string* b) { (*b)[pos] ^= 0x10; },
        [&] {
          SCOPED_TRACE("byte " + std::to_string(pos));
          const ToolResult result = Inspect({dir_, "wal"}, 1);
          EXPECT_NE(result.err.find(wal), std::string::npos) << result.err;
          Inspect({dir_, "verify"}, 1);
          Inspect({dir_, "get", "key00001"}, 1);  // The read-only open refuses the damage.
          // --salvage skips the damaged records; the tables' keys are there.
          EXPECT_EQ(Inspect({dir_, "get", "--salvage", "key00001"}).out,
                    "\"" + db().model.at("key00001") + "\"\n");
        });
  }
  // Cut inside the last record: a torn tail, what a crash leaves. Not damage.
  WithDamaged(
      wal, [size](std::string* b) { b->resize(size - 3); },
      [&] {
        const nlohmann::json out = InspectJson({dir_, "wal"});
        ASSERT_EQ(out["wal_files"].size(), 1u);
        EXPECT_EQ(out["wal_files"][0]["drops"][0]["kind"], "torn tail");
        EXPECT_EQ(out["wal_files"][0]["record_count"].get<size_t>(), db().wal_keys.size() - 1);
        Inspect({dir_, "verify"});
        Inspect({dir_, "get", "key00301"});
      });
}

}  // namespace
}  // namespace kvlsm::test
