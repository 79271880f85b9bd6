// ManifestReplay (manifest/manifest_replay.h), what VersionSet::Recover and kvlsm-inspect
// both use to read a MANIFEST: the state it folds, the tables it leaves, and the damage
// it goes on past, each problem naming the MANIFEST and offset.
#include "manifest/manifest_replay.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/current_file.h"
#include "base/filename.h"
#include "kvlsm/comparator.h"
#include "kvlsm/env.h"
#include "testutil/testutil.h"
#include "wal/log_writer.h"

namespace kvlsm {
namespace {

FileMetaData Table(uint64_t number, std::string_view smallest, std::string_view largest,
                   SequenceNumber seqno) {
  FileMetaData f;
  f.number = number;
  f.data_size = 100 * number;
  f.index_size = 10;
  AppendInternalKey(&f.smallest, smallest, seqno, ValueType::kPut);
  AppendInternalKey(&f.largest, largest, seqno, ValueType::kPut);
  f.smallest_seqno = f.largest_seqno = seqno;
  return f;
}

VersionEdit Snapshot() {
  VersionEdit edit;
  edit.format_version = kManifestFormatVersion;
  edit.comparator = BytewiseComparator()->Name();
  edit.log_number = 3;
  edit.next_file_number = 10;
  edit.last_sequence = 50;
  return edit;
}

class ManifestReplayTest : public testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(env_->CreateDirIfMissing(kDb)); }

  // Writes MANIFEST-000002 holding `edits` and points CURRENT at it.
  void WriteManifest(const std::vector<VersionEdit>& edits) {
    auto file = env_->NewWritableFile(ManifestFileName(kDb, 2));
    ASSERT_OK(file.status());
    LogWriter writer(*std::move(file), 2);
    for (const VersionEdit& edit : edits) {
      std::string record;
      edit.EncodeTo(&record);
      ASSERT_OK(writer.AddRecord(record));
    }
    ASSERT_OK(writer.Close());
    ASSERT_OK(SetCurrentFile(env_.get(), kDb, 2));
  }

  std::string manifest() const { return ManifestFileName(kDb, 2); }

  const std::string kDb = "/db";
  std::unique_ptr<Env> env_ = NewMemEnv();
  const InternalKeyComparator comparator_{BytewiseComparator()};
  const Version empty_{&comparator_, nullptr};
};

TEST_F(ManifestReplayTest, FoldsFieldsAndAppliesTables) {
  VersionEdit first = Snapshot();
  first.AddFile(0, Table(5, "a", "z", 40));
  first.AddFile(1, Table(6, "m", "p", 10));
  first.AddFile(1, Table(4, "b", "c", 9));
  VersionEdit second;
  second.RemoveFile(0, 5);
  second.AddFile(1, Table(7, "d", "e", 40));
  second.last_sequence = 60;
  WriteManifest({first, second});

  ManifestReplay replay(env_.get(), kDb, &comparator_, nullptr, empty_);
  std::vector<uint64_t> offsets;
  ASSERT_OK(replay.Replay([&](uint64_t offset, const VersionEdit&) { offsets.push_back(offset); }));
  EXPECT_TRUE(replay.problems().empty()) << replay.problems().front();
  EXPECT_EQ(replay.manifest_number(), 2u);
  EXPECT_EQ(replay.manifest_path(), manifest());
  ASSERT_EQ(offsets.size(), 2u);
  EXPECT_EQ(offsets[0], 0u);
  EXPECT_GT(offsets[1], 0u);
  EXPECT_EQ(replay.state().last_sequence, 60u);
  EXPECT_EQ(replay.state().log_number, 3u);
  std::shared_ptr<Version> version;
  ASSERT_OK(replay.Finish(&version));
  EXPECT_EQ(version->NumFiles(0), 0);
  ASSERT_EQ(version->NumFiles(1), 3);
  EXPECT_EQ(version->files(1)[0]->number, 4u);  // By smallest key.
  EXPECT_EQ(version->files(1)[1]->number, 7u);
  EXPECT_EQ(version->files(1)[2]->number, 6u);
}

TEST_F(ManifestReplayTest, ManifestCurrentNamesIsMissing) {
  ASSERT_OK(SetCurrentFile(env_.get(), kDb, 9));
  ManifestReplay replay(env_.get(), kDb, &comparator_, nullptr, empty_);
  absl::Status s = replay.Replay();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "CURRENT names /db/MANIFEST-000009, which cannot be read"))
      << s;
}

TEST_F(ManifestReplayTest, NoCurrentIsNotFound) {
  ManifestReplay replay(env_.get(), kDb, &comparator_, nullptr, empty_);
  absl::Status s = replay.Replay();
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_TRUE(test::MessageContains(s, "no kvlsm DB here")) << s;
}

TEST_F(ManifestReplayTest, BadEditsAreProblemsAndTheRestStillApplies) {
  VersionEdit first = Snapshot();
  first.AddFile(1, Table(5, "a", "b", 1));
  VersionEdit bad;
  bad.RemoveFile(2, 5);  // Table 5 is in level 1.
  bad.AddFile(1, Table(5, "a", "b", 1));
  bad.AddFile(1, Table(8, "x", "y", 2));
  WriteManifest({first, bad});

  ManifestReplay replay(env_.get(), kDb, &comparator_, nullptr, empty_);
  ASSERT_OK(replay.Replay());
  ASSERT_EQ(replay.problems().size(), 2u);
  EXPECT_TRUE(absl::IsDataLoss(replay.problems()[0]));
  EXPECT_TRUE(test::MessageContains(replay.problems()[0], manifest() + ": record at byte "))
      << replay.problems()[0];
  EXPECT_TRUE(test::MessageContains(replay.problems()[0],
                                    "removes table 000005 from level 2, which does not hold it"));
  EXPECT_TRUE(test::MessageContains(replay.problems()[1], "adds table 000005 twice"));
  std::shared_ptr<Version> version;
  ASSERT_OK(replay.Finish(&version));
  EXPECT_EQ(version->NumFiles(1), 2);  // 5 stays, 8 is added.
}

TEST_F(ManifestReplayTest, MissingFieldsAreIncomplete) {
  VersionEdit edit = Snapshot();
  edit.comparator.reset();
  WriteManifest({edit});
  ManifestReplay replay(env_.get(), kDb, &comparator_, nullptr, empty_);
  ASSERT_OK(replay.Replay());
  ASSERT_EQ(replay.problems().size(), 1u);
  EXPECT_TRUE(test::MessageContains(replay.problems()[0], "incomplete")) << replay.problems()[0];
}

TEST_F(ManifestReplayTest, DamageIsAProblemButATornTailIsNot) {
  VersionEdit second;
  second.last_sequence = 70;
  VersionEdit third;
  third.last_sequence = 80;
  WriteManifest({Snapshot(), second, third});
  std::string bytes;
  ASSERT_OK(ReadFileToString(env_.get(), manifest(), &bytes));

  // Cut inside the last record: a torn tail, an edit that never took effect.
  ASSERT_OK(WriteStringToFile(env_.get(), bytes.substr(0, bytes.size() - 2), manifest(), false));
  {
    ManifestReplay replay(env_.get(), kDb, &comparator_, nullptr, empty_);
    ASSERT_OK(replay.Replay());
    EXPECT_TRUE(replay.problems().empty()) << replay.problems().front();
    ASSERT_EQ(replay.drops().size(), 1u);
    EXPECT_TRUE(replay.drops()[0].torn_tail);
    EXPECT_EQ(replay.state().last_sequence, 70u);
  }

  // A flipped byte in the first record's payload: damage, named with the MANIFEST.
  std::string damaged = bytes;
  damaged[13 + 10] ^= 0x20;  // Past the 13-byte header, inside the payload.
  ASSERT_OK(WriteStringToFile(env_.get(), damaged, manifest(), false));
  ManifestReplay replay(env_.get(), kDb, &comparator_, nullptr, empty_);
  ASSERT_OK(replay.Replay());
  ASSERT_FALSE(replay.problems().empty());
  EXPECT_TRUE(absl::IsDataLoss(replay.problems()[0]));
  EXPECT_TRUE(test::MessageContains(replay.problems()[0], manifest() + ": "))
      << replay.problems()[0];
}

TEST_F(ManifestReplayTest, OverlappingTablesFailFinishButStillGiveTheTables) {
  VersionEdit edit = Snapshot();
  edit.AddFile(2, Table(5, "a", "m", 1));
  edit.AddFile(2, Table(6, "k", "z", 2));
  WriteManifest({edit});
  ManifestReplay replay(env_.get(), kDb, &comparator_, nullptr, empty_);
  ASSERT_OK(replay.Replay());
  std::shared_ptr<Version> version;
  absl::Status s = replay.Finish(&version);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_TRUE(
      test::MessageContains(s, manifest() + ": tables 000005 and 000006 overlap in level 2"))
      << s;
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(version->NumFiles(2), 2);
}

}  // namespace
}  // namespace kvlsm
