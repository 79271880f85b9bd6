// Corruption sweep: a small DB (two tables, a MANIFEST with several edits, a WAL with
// writes not yet flushed), and for each of its files (CURRENT, the MANIFEST, the WAL, each
// .sst, each .idx) one bit flipped in every byte (a dense sample of a large file), then the
// DB is opened and read on a copy. Each open and each read must either succeed with the
// right data or return DataLoss naming the damaged file, never crash or return a wrong
// value; and the damage must be found (every byte of these files is covered by a
// checksum or checked on open). The WAL is also opened with kPointInTimeRecovery, which
// must keep exactly the writes before the damaged record (docs/format.md).
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "reliability/db_image.h"
#include "reliability/intercept_env.h"
#include "reliability/sweep_db.h"
#include "reliability/workload.h"
#include "testutil/testutil.h"
#include "wal/log_reader.h"

namespace kvlsm::test {
namespace {

class CorruptionSweepTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    history_ = new History(SweepWorkload());
    std::unique_ptr<Env> env = NewMemEnv();
    ASSERT_OK(BuildSweepDb(env.get(), "/db", history_));
    image_ = new DbImage;
    ASSERT_OK(ReadImage(env.get(), "/db", image_));
  }
  static void TearDownTestSuite() {
    delete history_;
    delete image_;
  }

  // The names of the files of the given kind ("wal", "manifest", ...; see DbFileKind).
  static std::vector<std::string> FilesOfKind(std::string_view kind) {
    std::vector<std::string> names;
    for (const auto& [name, contents] : *image_) {
      if (DbFileKind(name) == kind) names.push_back(name);
    }
    return names;
  }

  struct Outcome {
    bool detected = false;  // Some open or read returned DataLoss.
    Model state;            // What the DB returned, when nothing was detected.
  };

  // Opens a copy of the DB whose file `name` holds `contents`, and reads everything.
  // Checks that every failure is DataLoss naming `name`, and that every value read is
  // right (against `expected`, when not null).
  static void OpenAndRead(const std::string& name, const std::string& contents,
                          WalRecoveryMode mode, const Model* expected, Outcome* outcome) {
    std::unique_ptr<Env> env = NewMemEnv();
    DbImage image = *image_;
    image[name] = contents;
    ASSERT_OK(WriteImage(env.get(), "/db", image));
    Options options = SweepOptions(env.get());
    options.wal_recovery_mode = mode;
    auto expect_data_loss = [&](const absl::Status& s) {
      EXPECT_TRUE(absl::IsDataLoss(s)) << s;
      EXPECT_TRUE(MessageContains(s, name)) << "the error does not name " << name << ": " << s;
      outcome->detected = true;
    };
    auto db = DB::Open(options, "/db");
    if (!db.ok()) return expect_data_loss(db.status());

    const absl::Status scan = ReadAll(db->get(), &outcome->state);
    if (!scan.ok()) expect_data_loss(scan);
    const Model& truth = expected != nullptr ? *expected : history_->Current();
    for (int k = 0; k < history_->options().num_keys; ++k) {
      const std::string key = WorkloadKey(k);
      std::string value;
      const absl::Status s = (*db)->Get(ReadOptions(), key, &value);
      auto it = truth.find(key);
      if (s.ok()) {
        ASSERT_NE(it, truth.end()) << key << " should not exist";
        ASSERT_EQ(value, it->second) << "wrong value for " << key;
      } else if (absl::IsNotFound(s)) {
        ASSERT_EQ(it, truth.end()) << key << " is missing, silently";
      } else {
        expect_data_loss(s);
      }
    }
    if (scan.ok() && expected != nullptr) {
      ASSERT_EQ(outcome->state, *expected) << DescribeDifference(*expected, outcome->state);
    }
  }

  // Flips a bit in every byte (or a dense sample) of each file of `kind` under the default
  // recovery mode: every flip must be detected, never read as a wrong value. Prints how
  // many bytes it flipped.
  static void SweepFiles(std::string_view kind) {
    const std::vector<std::string> names = FilesOfKind(kind);
    ASSERT_FALSE(names.empty()) << "no " << kind << " file";
    int flipped = 0;
    for (const std::string& name : names) {
      const std::string& original = image_->at(name);
      for (size_t pos : PositionsToFlip(original.size())) {
        SCOPED_TRACE(absl::StrFormat("%s: bit %d of byte %d flipped", name, pos % 8, pos));
        Outcome outcome;
        ASSERT_NO_FATAL_FAILURE(OpenAndRead(name, Flip(original, pos),
                                            WalRecoveryMode::kTolerateCorruptedTailRecords, nullptr,
                                            &outcome));
        ASSERT_TRUE(outcome.detected) << "damage went unnoticed";
        ++flipped;
      }
    }
    absl::PrintF("bytes flipped: %s %d (%d files)\n", kind, flipped, names.size());
  }

  static History* history_;
  static DbImage* image_;
};

History* CorruptionSweepTest::history_ = nullptr;
DbImage* CorruptionSweepTest::image_ = nullptr;

TEST_F(CorruptionSweepTest, UndamagedCopyReadsBack) {
  for (const auto& [name, contents] : *image_) {
    Outcome outcome;
    ASSERT_NO_FATAL_FAILURE(OpenAndRead(name, contents, WalRecoveryMode::kAbsoluteConsistency,
                                        &history_->Current(), &outcome));
    ASSERT_FALSE(outcome.detected);
  }
  EXPECT_EQ(FilesOfKind("sst").size(), 2u);
  EXPECT_EQ(FilesOfKind("idx").size(), 2u);
  EXPECT_EQ(FilesOfKind("wal").size(), 1u);
}

TEST_F(CorruptionSweepTest, EveryTableByteFlippedIsFound) {
  ASSERT_NO_FATAL_FAILURE(SweepFiles("sst"));
  ASSERT_NO_FATAL_FAILURE(SweepFiles("idx"));
}

TEST_F(CorruptionSweepTest, EveryManifestAndCurrentByteFlippedIsFound) {
  ASSERT_NO_FATAL_FAILURE(SweepFiles("manifest"));
  ASSERT_NO_FATAL_FAILURE(SweepFiles("current"));
}

TEST_F(CorruptionSweepTest, EveryWalByteFlippedIsFound) {
  ASSERT_NO_FATAL_FAILURE(SweepFiles("wal"));
}

// Under kPointInTimeRecovery a flip in WAL record i (write kSweepFlushedWrites + 1 + i) keeps
// exactly the writes before it.
TEST_F(CorruptionSweepTest, WalFlipUnderPointInTimeRecoveryKeepsExactlyTheEarlierWrites) {
  const std::string name = FilesOfKind("wal").front();
  const std::string& original = image_->at(name);
  // Where each record starts, from the undamaged log.
  std::unique_ptr<Env> env = NewMemEnv();
  ASSERT_OK(WriteStringToFile(env.get(), original, "/wal", false));
  auto file = env->NewSequentialFile("/wal");
  ASSERT_OK(file);
  LogReader reader(*std::move(file), nullptr, std::stoull(name));
  std::vector<uint64_t> starts;
  std::string scratch;
  std::string_view record;
  while (reader.ReadRecord(&record, &scratch)) starts.push_back(reader.LastRecordOffset());
  ASSERT_EQ(starts.size(), static_cast<size_t>(kSweepWalWrites));

  int flipped = 0;
  for (size_t pos = 0; pos < original.size(); ++pos) {
    SCOPED_TRACE(absl::StrFormat("%s: bit %d of byte %d flipped", name, pos % 8, pos));
    const size_t damaged_record =
        std::upper_bound(starts.begin(), starts.end(), pos) - starts.begin() - 1;
    const Model& expected = history_->StateAt(kSweepFlushedWrites + damaged_record);
    Outcome outcome;
    ASSERT_NO_FATAL_FAILURE(OpenAndRead(
        name, Flip(original, pos), WalRecoveryMode::kPointInTimeRecovery, &expected, &outcome));
    ASSERT_FALSE(outcome.detected);
    ++flipped;
  }
  std::printf("bytes flipped: WAL %d under point-in-time recovery\n", flipped);
}

}  // namespace
}  // namespace kvlsm::test
