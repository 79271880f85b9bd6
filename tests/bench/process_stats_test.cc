#include "process_stats.h"

#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "testutil/testutil.h"
#include "text_file.h"

namespace kvlsm::bench {
namespace {

TEST(ProcessStatsTest, DirectoryBytesSumsEveryFileBelow) {
  const std::string dir = test::TempDir("process_stats_dir");
  std::filesystem::create_directories(dir + "/sub");
  ASSERT_OK(WriteTextFile(dir + "/a", std::string(1000, 'a')));
  ASSERT_OK(WriteTextFile(dir + "/sub/b", std::string(234, 'b')));
  absl::StatusOr<uint64_t> bytes = DirectoryBytes(dir);
  ASSERT_OK(bytes);
  EXPECT_EQ(*bytes, 1234u);
  EXPECT_FALSE(DirectoryBytes(dir + "/missing").ok());
}

TEST(ProcessStatsTest, WritesShowInTheIoCounters) {
  absl::StatusOr<IoCounters> before = ReadIoCounters();
  ASSERT_OK(before);
  ASSERT_OK(WriteTextFile(test::TempDir("process_stats_io") + "/f", std::string(1 << 20, 'x')));
  absl::StatusOr<IoCounters> after = ReadIoCounters();
  ASSERT_OK(after);
  EXPECT_GE(after->wchar - before->wchar, uint64_t{1} << 20);
}

TEST(ProcessStatsTest, PeakRssFollowsTouchedMemoryAndResets) {
  ASSERT_OK(ResetPeakRss());
  absl::StatusOr<uint64_t> start = PeakRssBytes();
  ASSERT_OK(start);
  {
    std::vector<char> block(64 << 20, 1);  // touched: resident
    absl::StatusOr<uint64_t> peak = PeakRssBytes();
    ASSERT_OK(peak);
    EXPECT_GE(*peak, *start + (60 << 20));
  }
  ASSERT_OK(ResetPeakRss());
  absl::StatusOr<uint64_t> reset = PeakRssBytes();
  ASSERT_OK(reset);
  EXPECT_LT(*reset, *start + (32 << 20));
}

}  // namespace
}  // namespace kvlsm::bench
