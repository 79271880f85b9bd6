// WAL damage through the DB: for a small log, flip every byte and truncate at every
// offset, and open under every WalRecoveryMode. Never a crash, never a wrong value, and
// each mode behaves as options.h documents.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

constexpr int kWrites = 12;
using Files = std::map<std::string, std::string>;

std::string A(int i) { return "a" + std::to_string(i); }
std::string B(int i) { return "b" + std::to_string(i); }
std::string ValueA(int i) { return "value-a-" + std::to_string(i * 7919); }
std::string ValueB(int i) { return "value-b-" + std::to_string(i * 104729); }

// The outcome of an open: an error, or which writes are present.
struct Outcome {
  absl::Status status;
  std::vector<bool> present;  // present[i]: write i survived (both of its keys).
};

class DBWalCorruptionTest : public testing::Test {
 protected:
  void SetUp() override {
    auto env = NewMemEnv();
    Options options;
    options.env = env.get();
    options.create_if_missing = true;
    {
      auto db = DB::Open(options, "/db");
      ASSERT_OK(db);
      for (int i = 0; i < kWrites; ++i) {
        WriteBatch batch;  // Each write is one WAL record with two keys.
        batch.Put(A(i), ValueA(i));
        batch.Put(B(i), ValueB(i));
        ASSERT_OK((*db)->Write(WriteOptions(), &batch));
      }
    }
    auto children = env->GetChildren("/db");
    ASSERT_OK(children);
    for (const std::string& name : *children) {
      if (name == "LOCK" || name.starts_with("LOG")) continue;
      ASSERT_OK(ReadFileToString(env.get(), "/db/" + name, &files_[name]));
      if (name.ends_with(".log") && files_[name].size() > 0) log_name_ = name;
    }
    ASSERT_FALSE(log_name_.empty());
  }

  // Opens a copy of the DB whose log is replaced by `log`.
  Outcome Open(const std::string& log, WalRecoveryMode mode) {
    auto env = NewMemEnv();
    EXPECT_OK(env->CreateDirIfMissing("/db"));
    for (const auto& [name, contents] : files_) {
      EXPECT_OK(
          WriteStringToFile(env.get(), name == log_name_ ? log : contents, "/db/" + name, false));
    }
    Options options;
    options.env = env.get();
    options.wal_recovery_mode = mode;
    Outcome outcome;
    auto db = DB::Open(options, "/db");
    outcome.status = db.status();
    if (!db.ok()) return outcome;
    for (int i = 0; i < kWrites; ++i) {
      std::string a, b;
      absl::Status sa = (*db)->Get(ReadOptions(), A(i), &a);
      absl::Status sb = (*db)->Get(ReadOptions(), B(i), &b);
      // Never a wrong value, and a write is all or nothing.
      EXPECT_EQ(sa.ok(), sb.ok()) << "write " << i << " survived in part";
      if (sa.ok()) {
        EXPECT_EQ(a, ValueA(i));
      } else {
        EXPECT_TRUE(absl::IsNotFound(sa)) << sa;
      }
      if (sb.ok()) {
        EXPECT_EQ(b, ValueB(i));
      }
      outcome.present.push_back(sa.ok());
    }
    // A reopen after recovery must see the same state (what was dropped stays dropped).
    db->reset();
    auto again = DB::Open(options, "/db");
    EXPECT_OK(again);
    if (again.ok()) {
      for (int i = 0; i < kWrites; ++i) {
        std::string a;
        EXPECT_EQ((*again)->Get(ReadOptions(), A(i), &a).ok(), outcome.present[i]) << i;
      }
    }
    return outcome;
  }

  // The number of leading writes present, or -1 when what is present is not a prefix.
  static int Prefix(const Outcome& outcome) {
    int n = 0;
    while (n < kWrites && outcome.present[n]) ++n;
    for (int i = n; i < kWrites; ++i) {
      if (outcome.present[i]) return -1;
    }
    return n;
  }

  Files files_;
  std::string log_name_;
};

TEST_F(DBWalCorruptionTest, UndamagedLogRecoversEverything) {
  for (auto mode :
       {WalRecoveryMode::kTolerateCorruptedTailRecords, WalRecoveryMode::kAbsoluteConsistency,
        WalRecoveryMode::kPointInTimeRecovery, WalRecoveryMode::kSkipAnyCorruptedRecords}) {
    Outcome o = Open(files_[log_name_], mode);
    ASSERT_OK(o.status);
    EXPECT_EQ(Prefix(o), kWrites);
  }
}

TEST_F(DBWalCorruptionTest, TruncationAtEveryOffset) {
  const std::string& log = files_[log_name_];
  int bytes = 0;
  for (size_t cut = 0; cut < log.size(); ++cut, ++bytes) {
    SCOPED_TRACE("truncated to " + std::to_string(cut) + " bytes");
    const std::string truncated = log.substr(0, cut);
    // A cut leaves the records wholly before it: a prefix, in every forgiving mode.
    for (auto mode :
         {WalRecoveryMode::kTolerateCorruptedTailRecords, WalRecoveryMode::kPointInTimeRecovery,
          WalRecoveryMode::kSkipAnyCorruptedRecords}) {
      Outcome o = Open(truncated, mode);
      ASSERT_OK(o.status);
      const int prefix = Prefix(o);
      ASSERT_GE(prefix, 0);
      ASSERT_LT(prefix, kWrites);
    }
    Outcome strict = Open(truncated, WalRecoveryMode::kAbsoluteConsistency);
    if (!strict.status.ok()) {
      EXPECT_TRUE(absl::IsDataLoss(strict.status)) << strict.status;
      EXPECT_TRUE(test::MessageContains(strict.status, log_name_)) << strict.status;
    } else {
      EXPECT_GE(Prefix(strict), 0);  // Cut exactly between two records.
    }
  }
  std::printf("WAL truncation points tried: %d x 4 modes\n", bytes);
}

TEST_F(DBWalCorruptionTest, FlipOfEveryByte) {
  const std::string& log = files_[log_name_];
  for (size_t pos = 0; pos < log.size(); ++pos) {
    SCOPED_TRACE("flipped byte " + std::to_string(pos));
    std::string damaged = log;
    damaged[pos] ^= 0x10;

    // kAbsoluteConsistency: every byte belongs to a record, so any flip is DataLoss.
    Outcome strict = Open(damaged, WalRecoveryMode::kAbsoluteConsistency);
    ASSERT_TRUE(absl::IsDataLoss(strict.status)) << strict.status;

    // kTolerateCorruptedTailRecords: a flipped byte is damage, never a torn tail (the
    // header check protects the length), so it is DataLoss naming the log.
    Outcome tolerate = Open(damaged, WalRecoveryMode::kTolerateCorruptedTailRecords);
    ASSERT_TRUE(absl::IsDataLoss(tolerate.status)) << tolerate.status;
    EXPECT_TRUE(test::MessageContains(tolerate.status, log_name_)) << tolerate.status;

    // kPointInTimeRecovery: always opens, with the writes before the damage.
    Outcome pit = Open(damaged, WalRecoveryMode::kPointInTimeRecovery);
    ASSERT_OK(pit.status);
    ASSERT_GE(Prefix(pit), 0);
    ASSERT_LT(Prefix(pit), kWrites);

    // kSkipAnyCorruptedRecords: always opens; writes are whole or absent (checked in
    // Open), and at least one write is lost.
    Outcome skip = Open(damaged, WalRecoveryMode::kSkipAnyCorruptedRecords);
    ASSERT_OK(skip.status);
    int lost = 0;
    for (bool p : skip.present) lost += !p;
    ASSERT_GE(lost, 1);
  }
  std::printf("WAL bytes flipped: %zu x 4 modes\n", log.size());
}

}  // namespace
}  // namespace kvlsm
