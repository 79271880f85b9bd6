// CURRENT, read and written in one place (base/current_file.h): the messages recovery,
// DB::OpenReadOnly and kvlsm-inspect give for each way CURRENT can be wrong.
#include "base/current_file.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "base/filename.h"
#include "kvlsm/env.h"
#include "testutil/testutil.h"

namespace kvlsm {
namespace {

class CurrentFileTest : public testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(env_->CreateDirIfMissing(kDb)); }

  void WriteCurrent(const std::string& contents) {
    ASSERT_OK(WriteStringToFile(env_.get(), contents, CurrentFileName(kDb), /*sync=*/false));
  }

  const std::string kDb = "/db";
  std::unique_ptr<Env> env_ = NewMemEnv();
};

TEST_F(CurrentFileTest, SetThenReadNamesTheManifest) {
  ASSERT_OK(SetCurrentFile(env_.get(), kDb, 5));
  auto name = ReadCurrentFile(env_.get(), kDb);
  ASSERT_OK(name);
  EXPECT_EQ(*name, "MANIFEST-000005");
  auto number = ReadCurrentManifestNumber(env_.get(), kDb);
  ASSERT_OK(number);
  EXPECT_EQ(*number, 5u);
  std::string contents;
  ASSERT_OK(ReadFileToString(env_.get(), CurrentFileName(kDb), &contents));
  EXPECT_EQ(contents, "MANIFEST-000005\n");
  EXPECT_FALSE(env_->FileExists(TempFileName(kDb, 5)));  // Renamed over CURRENT.
  ASSERT_OK(SetCurrentFile(env_.get(), kDb, 1234567));
  EXPECT_EQ(*ReadCurrentFile(env_.get(), kDb), "MANIFEST-1234567");
}

TEST_F(CurrentFileTest, MissingIsNotFoundNamingTheDb) {
  auto name = ReadCurrentFile(env_.get(), kDb);
  EXPECT_TRUE(absl::IsNotFound(name.status())) << name.status();
  EXPECT_EQ(name.status().message(), "/db: no kvlsm DB here (/db/CURRENT does not exist)");
}

TEST_F(CurrentFileTest, EmptyIsDataLoss) {
  WriteCurrent("");
  auto name = ReadCurrentFile(env_.get(), kDb);
  EXPECT_TRUE(absl::IsDataLoss(name.status())) << name.status();
  EXPECT_EQ(name.status().message(), "/db/CURRENT: does not name a MANIFEST (0 bytes)");
}

TEST_F(CurrentFileTest, NoNewlineIsDataLoss) {
  WriteCurrent("MANIFEST-000005");
  auto name = ReadCurrentFile(env_.get(), kDb);
  EXPECT_TRUE(absl::IsDataLoss(name.status())) << name.status();
  EXPECT_EQ(name.status().message(), "/db/CURRENT: does not name a MANIFEST (15 bytes)");
}

TEST_F(CurrentFileTest, AnotherFileOrGarbageIsDataLoss) {
  for (const std::string contents : {"000005.log\n", "MANIFEST-\n", "MANIFEST-5x\n", "\n",
                                     "MANIFEST-000005\n\n", "MANIFEST-000005\nMANIFEST-6\n"}) {
    WriteCurrent(contents);
    auto number = ReadCurrentManifestNumber(env_.get(), kDb);
    EXPECT_TRUE(absl::IsDataLoss(number.status())) << contents << ": " << number.status();
    EXPECT_TRUE(test::MessageContains(number.status(), "does not name a MANIFEST")) << contents;
  }
}

TEST_F(CurrentFileTest, NamingAMissingManifestIsTheManifestReadersBusiness) {
  // CURRENT itself is well formed; ManifestReplay reports the missing MANIFEST
  // (tests/manifest/manifest_replay_test.cc).
  WriteCurrent("MANIFEST-000009\n");
  auto name = ReadCurrentFile(env_.get(), kDb);
  ASSERT_OK(name);
  EXPECT_EQ(*name, "MANIFEST-000009");
  EXPECT_FALSE(env_->FileExists(kDb + "/" + *name));
}

}  // namespace
}  // namespace kvlsm
