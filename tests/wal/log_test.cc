#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "testutil/testutil.h"
#include "util/coding.h"
#include "util/hash.h"
#include "util/random.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace kvlsm {
namespace {

using DropKind = LogReader::DropKind;
constexpr uint64_t kLogNumber = 42;

// A WritableFile appending to a string the test owns; counts Append calls and can be told to
// fail.
class StringSink : public WritableFile {
 public:
  explicit StringSink(std::string* contents) : contents_(contents) {}
  absl::Status Append(std::string_view data) override {
    ++appends;
    if (fail_appends) return absl::InternalError("injected append failure");
    contents_->append(data);
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status Sync() override {
    ++syncs;
    return absl::OkStatus();
  }
  absl::Status Close() override { return absl::OkStatus(); }

  int appends = 0;
  int syncs = 0;
  bool fail_appends = false;

 private:
  std::string* const contents_;
};

// A SequentialFile over a string the test owns; can fail reads after `fail_after` bytes.
class StringSource : public SequentialFile {
 public:
  explicit StringSource(std::string_view contents) : contents_(contents) {}
  absl::Status Read(size_t n, std::string_view* result, char* scratch) override {
    if (pos_ >= fail_after) return absl::InternalError("injected read failure");
    const size_t len = std::min(n, contents_.size() - pos_);
    std::copy_n(contents_.data() + pos_, len, scratch);
    *result = std::string_view(scratch, len);
    pos_ += len;
    return absl::OkStatus();
  }
  absl::Status Skip(uint64_t n) override {
    pos_ += std::min<uint64_t>(n, contents_.size() - pos_);
    return absl::OkStatus();
  }
  size_t fail_after = SIZE_MAX;

 private:
  std::string_view contents_;
  size_t pos_ = 0;
};

struct Drop {
  size_t bytes;
  uint64_t offset;
  DropKind kind;
  std::string message;
};

class RecordingReporter : public LogReader::Reporter {
 public:
  void Corruption(size_t bytes, const absl::Status& reason, uint64_t offset,
                  DropKind kind) override {
    EXPECT_EQ(reason.code(), absl::StatusCode::kDataLoss);
    drops.push_back({bytes, offset, kind, std::string(reason.message())});
  }
  size_t Count(DropKind kind) const {
    return std::count_if(drops.begin(), drops.end(), [&](const Drop& d) { return d.kind == kind; });
  }
  std::vector<Drop> drops;
};

struct ReadResult {
  std::vector<std::string> records;
  std::vector<uint64_t> offsets;  // LastRecordOffset() after each record.
  std::vector<Drop> drops;
  absl::Status status;
};

ReadResult ReadAll(std::string_view contents, uint64_t log_number = kLogNumber,
                   size_t fail_after = SIZE_MAX) {
  auto source = std::make_unique<StringSource>(contents);
  source->fail_after = fail_after;
  RecordingReporter reporter;
  LogReader reader(std::move(source), &reporter, log_number);
  ReadResult result;
  std::string scratch;
  std::string_view record;
  while (reader.ReadRecord(&record, &scratch)) {
    result.records.emplace_back(record);
    result.offsets.push_back(reader.LastRecordOffset());
  }
  EXPECT_FALSE(reader.ReadRecord(&record, &scratch)) << "the end of a log must be sticky";
  result.drops = std::move(reporter.drops);
  result.status = reader.status();
  return result;
}

// Where a record lies in the file: its first header (after any trailer padding) and end.
struct Extent {
  uint64_t start;
  uint64_t end;
};

// Writes `records` to a fresh log; fills *extents when given.
std::string WriteLog(const std::vector<std::string>& records,
                     std::vector<Extent>* extents = nullptr, uint64_t log_number = kLogNumber) {
  std::string contents;
  LogWriter writer(std::make_unique<StringSink>(&contents), log_number);
  for (const std::string& r : records) {
    uint64_t before = writer.size();
    EXPECT_OK(writer.AddRecord(r));
    if (extents != nullptr) {
      const uint64_t leftover = log::kBlockSize - before % log::kBlockSize;
      if (leftover < log::kHeaderSize) before += leftover;
      extents->push_back({before, writer.size()});
    }
  }
  EXPECT_EQ(writer.size(), contents.size());
  EXPECT_OK(writer.Close());
  return contents;
}

std::vector<std::string> RandomRecords(Random* rnd, int n, size_t max_len) {
  std::vector<std::string> records;
  for (int i = 0; i < n; ++i) {
    records.push_back(test::RandomString(rnd, rnd->Uniform(max_len + 1), /*binary=*/true));
  }
  return records;
}

// True when `sub` is a subsequence of `all`.
bool IsSubsequence(const std::vector<std::string>& sub, const std::vector<std::string>& all) {
  size_t j = 0;
  for (const std::string& s : sub) {
    while (j < all.size() && all[j] != s) ++j;
    if (j == all.size()) return false;
    ++j;
  }
  return true;
}

// Rewrites the header of the fragment at `offset` (type, length, log number) and fixes its
// checksum, so that the reader's structural checks, not the checksum, see the change.
void RewriteFragment(std::string* log, size_t offset, uint8_t type, uint16_t length,
                     uint32_t log_number) {
  char* h = log->data() + offset;
  EncodeFixed16(h + log::kLengthOffset, length);
  h[log::kTypeOffset] = static_cast<char>(type);
  EncodeFixed32(h + log::kLogNumberOffset, log_number);
  const uint32_t header_check = Checksum32(
      std::string_view(h + log::kLengthOffset, log::kHeaderCheckOffset - log::kLengthOffset));
  EncodeFixed16(h + log::kHeaderCheckOffset, static_cast<uint16_t>(header_check));
  const size_t payload = std::min<size_t>(length, log->size() - offset - log::kHeaderSize);
  EncodeFixed32(h, Checksum32(std::string_view(h + log::kTypeOffset,
                                               log::kHeaderSize - log::kTypeOffset),
                              std::string_view(h + log::kHeaderSize, payload)));
}

// The worked example of docs/format.md ("Write-ahead log"), byte for byte.
TEST(LogTest, FormatMatchesTheDocumentedExample) {
  const std::string log = WriteLog({"hello", "", "kvlsm!"}, nullptr, /*log_number=*/7);
  const std::string expected(
      "\x92\x04\xcf\x03\x05\x00\x01\x07\x00\x00\x00\xd7\x0fhello"
      "\x60\x52\x89\x43\x00\x00\x01\x07\x00\x00\x00\xc8\xfe"
      "\xb0\xa0\x1b\xf4\x06\x00\x01\x07\x00\x00\x00\x3c\x7bkvlsm!",
      50);
  EXPECT_EQ(log, expected);
  EXPECT_EQ(Hash64(std::string_view("\x01\x07\x00\x00\x00\xd7\x0fhello", 12)),
            0x13981b1c03cf0492ull);
  EXPECT_EQ(Hash64(std::string_view("\x05\x00\x01\x07\x00\x00\x00", 7)) & 0xffff, 0x0fd7u);
  EXPECT_EQ(ReadAll(log, 7).records, (std::vector<std::string>{"hello", "", "kvlsm!"}));
}

TEST(LogTest, EmptyFileHasNoRecords) {
  ReadResult r = ReadAll("");
  EXPECT_TRUE(r.records.empty());
  EXPECT_TRUE(r.drops.empty());
  EXPECT_OK(r.status);
}

TEST(LogTest, EmptyRecordRoundTrips) {
  std::string log = WriteLog({"", "x", ""});
  EXPECT_EQ(log.size(), 3 * log::kHeaderSize + 1);
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{"", "x", ""}));
  EXPECT_TRUE(r.drops.empty());
}

TEST(LogTest, SmallRecordsRoundTripWithOffsets) {
  std::string log = WriteLog({"foo", "bar", "", "xxxx"});
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{"foo", "bar", "", "xxxx"}));
  EXPECT_EQ(r.offsets, (std::vector<uint64_t>{0, 16, 32, 45}));
  EXPECT_TRUE(r.drops.empty());
}

TEST(LogTest, RecordFillingExactlyOneBlock) {
  const std::string big(log::kBlockSize - log::kHeaderSize, 'b');
  std::string log = WriteLog({big, "next"});
  EXPECT_EQ(log.size(), log::kBlockSize + log::kHeaderSize + 4);
  EXPECT_EQ(static_cast<uint8_t>(log[log::kTypeOffset]), log::kFullType);
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{big, "next"}));
  EXPECT_EQ(r.offsets, (std::vector<uint64_t>{0, log::kBlockSize}));
}

TEST(LogTest, RecordOfBlockSizeSpansTwoBlocks) {
  const std::string big(log::kBlockSize, 'c');
  std::string log = WriteLog({big});
  ASSERT_EQ(log.size(), log::kBlockSize + 2 * log::kHeaderSize);
  EXPECT_EQ(static_cast<uint8_t>(log[log::kTypeOffset]), log::kFirstType);
  EXPECT_EQ(static_cast<uint8_t>(log[log::kBlockSize + log::kTypeOffset]), log::kLastType);
  EXPECT_EQ(ReadAll(log).records, std::vector<std::string>{big});
}

TEST(LogTest, MultiBlockRecordUsesMiddleFragments) {
  Random rnd(301);
  const std::string huge = test::RandomString(&rnd, 3 * log::kBlockSize + 1000, true);
  std::string log = WriteLog({"a", huge, "z"});
  EXPECT_EQ(static_cast<uint8_t>(log[log::kHeaderSize + 1 + log::kTypeOffset]), log::kFirstType);
  EXPECT_EQ(static_cast<uint8_t>(log[log::kBlockSize + log::kTypeOffset]), log::kMiddleType);
  EXPECT_EQ(static_cast<uint8_t>(log[2 * log::kBlockSize + log::kTypeOffset]), log::kMiddleType);
  EXPECT_EQ(static_cast<uint8_t>(log[3 * log::kBlockSize + log::kTypeOffset]), log::kLastType);
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{"a", huge, "z"}));
  EXPECT_EQ(r.offsets[1], log::kHeaderSize + 1);
  EXPECT_TRUE(r.drops.empty());
}

TEST(LogTest, HeaderAtVeryEndOfBlockStartsAnEmptyFirstFragment) {
  // Leave exactly kHeaderSize bytes in the first block: the next record's FIRST fragment is a
  // bare header with no payload, and its bytes all go to the next block.
  const std::string filler(log::kBlockSize - 2 * log::kHeaderSize, 'f');
  std::string log = WriteLog({filler, "spill", "after"});
  const size_t header_at = log::kBlockSize - log::kHeaderSize;
  EXPECT_EQ(static_cast<uint8_t>(log[header_at + log::kTypeOffset]), log::kFirstType);
  EXPECT_EQ(log[header_at + log::kLengthOffset], 0);
  EXPECT_EQ(static_cast<uint8_t>(log[log::kBlockSize + log::kTypeOffset]), log::kLastType);
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{filler, "spill", "after"}));
  EXPECT_EQ(r.offsets[1], header_at);
  EXPECT_TRUE(r.drops.empty());
}

TEST(LogTest, ShortBlockTrailerIsZeroPaddedAndSkipped) {
  for (size_t left = 1; left < log::kHeaderSize; ++left) {
    SCOPED_TRACE(left);
    const std::string filler(log::kBlockSize - log::kHeaderSize - left, 'p');
    std::string log = WriteLog({filler, "next"});
    ASSERT_EQ(log.size(), log::kBlockSize + log::kHeaderSize + 4);
    EXPECT_EQ(log.substr(log::kBlockSize - left, left), std::string(left, '\0'));
    ReadResult r = ReadAll(log);
    EXPECT_EQ(r.records, (std::vector<std::string>{filler, "next"}));
    EXPECT_EQ(r.offsets[1], log::kBlockSize);
    EXPECT_TRUE(r.drops.empty());
  }
}

TEST(LogTest, ManyRandomRecordsRoundTrip) {
  const uint64_t seed = test::TestSeed(17);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  std::vector<std::string> records = RandomRecords(&rnd, 2000, 300);
  for (int i = 0; i < 5; ++i)
    records.insert(records.begin() + rnd.Uniform(records.size()),
                   test::RandomString(&rnd, rnd.Uniform(100000), true));
  std::vector<Extent> extents;
  std::string log = WriteLog(records, &extents);
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, records);
  ASSERT_EQ(r.offsets.size(), extents.size());
  for (size_t i = 0; i < extents.size(); ++i) EXPECT_EQ(r.offsets[i], extents[i].start);
  EXPECT_TRUE(r.drops.empty());
}

TEST(LogTest, EachRecordIsOneAppend) {
  std::string contents;
  auto sink = std::make_unique<StringSink>(&contents);
  StringSink* raw = sink.get();
  LogWriter writer(std::move(sink), kLogNumber);
  ASSERT_OK(writer.AddRecord(std::string(5 * log::kBlockSize, 'x')));
  ASSERT_OK(writer.AddRecord("small"));
  ASSERT_OK(writer.Sync());
  EXPECT_EQ(raw->appends, 2);
  EXPECT_EQ(raw->syncs, 1);
}

TEST(LogTest, AppendingWithInitialOffsetContinuesTheBlockLayout) {
  std::string contents;
  std::vector<std::string> records{std::string(log::kBlockSize - 100, 'a'), "b"};
  {
    LogWriter writer(std::make_unique<StringSink>(&contents), kLogNumber);
    for (const auto& r : records) ASSERT_OK(writer.AddRecord(r));
  }
  {
    LogWriter writer(std::make_unique<StringSink>(&contents), kLogNumber, contents.size());
    records.push_back(std::string(200, 'c'));  // Crosses the block boundary.
    ASSERT_OK(writer.AddRecord(records.back()));
    EXPECT_EQ(writer.size(), contents.size());
  }
  ReadResult r = ReadAll(contents);
  EXPECT_EQ(r.records, records);
  EXPECT_TRUE(r.drops.empty());
}

TEST(LogTest, FailedAppendIsSticky) {
  std::string contents;
  auto sink = std::make_unique<StringSink>(&contents);
  StringSink* raw = sink.get();
  LogWriter writer(std::move(sink), kLogNumber);
  ASSERT_OK(writer.AddRecord("ok"));
  raw->fail_appends = true;
  EXPECT_FALSE(writer.AddRecord("lost").ok());
  raw->fail_appends = false;
  EXPECT_FALSE(writer.AddRecord("after").ok());
  EXPECT_FALSE(writer.Sync().ok());
  EXPECT_EQ(raw->syncs, 0);
  EXPECT_FALSE(writer.Close().ok());
  EXPECT_EQ(writer.size(), log::kHeaderSize + 2);
}

TEST(LogTest, ChecksumMismatchIsDamageAndDropsTheRestOfTheBlock) {
  std::string log = WriteLog({"one", "two", "three"});
  log[log::kHeaderSize + 3 + log::kHeaderSize] ^= 1;  // First payload byte of "two".
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, std::vector<std::string>{"one"});
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kDamage);
  EXPECT_EQ(r.drops[0].offset, log::kHeaderSize + 3);
  EXPECT_EQ(r.drops[0].bytes, log.size() - (log::kHeaderSize + 3));
  EXPECT_NE(r.drops[0].message.find("checksum mismatch"), std::string::npos);
  EXPECT_NE(r.drops[0].message.find("offset 16"), std::string::npos) << r.drops[0].message;
}

TEST(LogTest, DamageInOneBlockResumesAtTheNextBlock) {
  const std::string a(log::kBlockSize - 100, 'a');
  const std::string b(300, 'b');  // FIRST in block 0, LAST in block 1.
  std::string log = WriteLog({a, b, "c", "d"});
  log[10] ^= 0x40;  // Damage "a".
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{"c", "d"}));
  ASSERT_EQ(r.drops.size(), 2u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kDamage);
  EXPECT_EQ(r.drops[0].offset, 0u);
  EXPECT_EQ(r.drops[0].bytes, log::kBlockSize);
  // The LAST fragment of "b" has lost its FIRST.
  EXPECT_EQ(r.drops[1].kind, DropKind::kDamage);
  EXPECT_EQ(r.drops[1].offset, log::kBlockSize);
  EXPECT_NE(r.drops[1].message.find("start is missing"), std::string::npos);
}

TEST(LogTest, LengthOverrunningItsBlockIsDamage) {
  std::string log = WriteLog({"one", "two"});
  RewriteFragment(&log, 0, log::kFullType, 40000, kLogNumber);
  ReadResult r = ReadAll(log);
  EXPECT_TRUE(r.records.empty());
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kDamage);
  EXPECT_NE(r.drops[0].message.find("overrunning its block"), std::string::npos);
}

TEST(LogTest, UnknownTypeWithValidChecksumIsDamageAndSkipsOneFragment) {
  std::string log = WriteLog({"one", "two", "three"});
  RewriteFragment(&log, log::kHeaderSize + 3, 9, 3, kLogNumber);
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{"one", "three"}));
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kDamage);
  EXPECT_EQ(r.drops[0].bytes, log::kHeaderSize + 3);
  EXPECT_NE(r.drops[0].message.find("unknown record type 9"), std::string::npos);
}

TEST(LogTest, MiddleWithoutFirstIsDamage) {
  std::string log = WriteLog({"one", "two", "three"});
  RewriteFragment(&log, log::kHeaderSize + 3, log::kMiddleType, 3, kLogNumber);
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{"one", "three"}));
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kDamage);
  EXPECT_EQ(r.drops[0].offset, log::kHeaderSize + 3);
}

TEST(LogTest, FirstFollowedByFullDropsThePartialRecordAsDamage) {
  std::string log = WriteLog({"one", "two", "three"});
  RewriteFragment(&log, 0, log::kFirstType, 3, kLogNumber);
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{"two", "three"}));
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kDamage);
  EXPECT_EQ(r.drops[0].offset, 0u);
  EXPECT_EQ(r.drops[0].bytes, log::kHeaderSize + 3);
}

TEST(LogTest, FirstWithoutLastAtEndOfFileIsTornTail) {
  std::string log = WriteLog({"one", std::string(log::kBlockSize, 'x')});
  log.resize(log::kBlockSize);  // Everything after the FIRST fragment is lost.
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, std::vector<std::string>{"one"});
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kTornTail);
  EXPECT_EQ(r.drops[0].offset, log::kHeaderSize + 3);
  EXPECT_EQ(r.drops[0].bytes, log::kBlockSize - (log::kHeaderSize + 3));
}

TEST(LogTest, TruncatedHeaderAndPayloadAreTornTails) {
  const std::string log = WriteLog({"one", "twotwotwo"});
  for (size_t cut : {log::kHeaderSize + 3 + 1, log::kHeaderSize + 3 + log::kHeaderSize + 4}) {
    ReadResult r = ReadAll(std::string_view(log).substr(0, cut));
    EXPECT_EQ(r.records, std::vector<std::string>{"one"});
    ASSERT_EQ(r.drops.size(), 1u);
    EXPECT_EQ(r.drops[0].kind, DropKind::kTornTail);
    EXPECT_EQ(r.drops[0].offset, log::kHeaderSize + 3);
    EXPECT_EQ(r.drops[0].bytes, cut - (log::kHeaderSize + 3));
  }
}

TEST(LogTest, LengthPastEndOfFileIsDamageWhenAValidFragmentFollows) {
  std::string log = WriteLog({"one", "two", "three"});
  RewriteFragment(&log, 0, log::kFullType, 1000, kLogNumber);
  ReadResult r = ReadAll(log);
  EXPECT_TRUE(r.records.empty());
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kDamage);
  EXPECT_NE(r.drops[0].message.find("valid fragment follows at offset 16"), std::string::npos)
      << r.drops[0].message;

  // The same length in the last fragment is what a torn write looks like.
  std::string log2 = WriteLog({"one", "two", "three"});
  RewriteFragment(&log2, 2 * log::kHeaderSize + 6, log::kFullType, 1000, kLogNumber);
  ReadResult r2 = ReadAll(log2);
  EXPECT_EQ(r2.records, (std::vector<std::string>{"one", "two"}));
  ASSERT_EQ(r2.drops.size(), 1u);
  EXPECT_EQ(r2.drops[0].kind, DropKind::kTornTail);
}

// A flipped bit in the length of the last fragment makes it seem to run past the end of
// the file, exactly like a write cut short; the header check tells them apart, so a synced
// record is never dropped silently as a torn tail.
TEST(LogTest, DamagedLengthInTheLastFragmentIsDamageNotATornTail) {
  std::string log = WriteLog({"one", "two", "three"});
  const size_t last = 2 * log::kHeaderSize + 6;
  log[last + log::kLengthOffset + 1] ^= 0x01;  // length += 256
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{"one", "two"}));
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kDamage);
  EXPECT_NE(r.drops[0].message.find("fails its check"), std::string::npos) << r.drops[0].message;
}

TEST(LogTest, ZeroFilledTailIsTornTail) {
  const std::string log = WriteLog({"one", "two"});
  for (size_t zeros : {size_t{1}, log::kHeaderSize, size_t{5000}, 3 * log::kBlockSize}) {
    SCOPED_TRACE(zeros);
    ReadResult r = ReadAll(log + std::string(zeros, '\0'));
    EXPECT_EQ(r.records, (std::vector<std::string>{"one", "two"}));
    ASSERT_EQ(r.drops.size(), 1u);
    EXPECT_EQ(r.drops[0].kind, DropKind::kTornTail);
    EXPECT_EQ(r.drops[0].offset, log.size());
    EXPECT_EQ(r.drops[0].bytes, zeros);
  }
}

TEST(LogTest, ZerosFollowedByRecordsAreDamage) {
  // A zeroed region up to a block boundary, then valid records: damage, then the records.
  std::string log = WriteLog({"one"});
  const size_t zeros_at = log.size();
  log.resize(log::kBlockSize, '\0');
  LogWriter writer(std::make_unique<StringSink>(&log), kLogNumber, log.size());
  ASSERT_OK(writer.AddRecord("two"));
  ReadResult r = ReadAll(log);
  EXPECT_EQ(r.records, (std::vector<std::string>{"one", "two"}));
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kDamage);
  EXPECT_EQ(r.drops[0].offset, zeros_at);
  EXPECT_EQ(r.drops[0].bytes, log::kBlockSize - zeros_at);

  // Zeros in the middle of a block hide the rest of that block.
  std::string log2 = WriteLog({"one", "two", "three"});
  std::fill_n(log2.begin() + log::kHeaderSize + 3, log::kHeaderSize, '\0');
  ReadResult r2 = ReadAll(log2);
  EXPECT_EQ(r2.records, std::vector<std::string>{"one"});
  ASSERT_EQ(r2.drops.size(), 1u);
  EXPECT_EQ(r2.drops[0].kind, DropKind::kDamage);
}

TEST(LogTest, ValidRecordOfAnotherLogEndsTheLog) {
  // A recycled file: our records, then an older log's records in the rest of the space.
  const std::string ours = WriteLog({"new1", "new2"}, nullptr, kLogNumber);
  const std::string old = WriteLog({"old1", "old2", "old3", "old4"}, nullptr, kLogNumber - 1);
  const std::string recycled = ours + old.substr(ours.size());
  ReadResult r = ReadAll(recycled);
  EXPECT_EQ(r.records, (std::vector<std::string>{"new1", "new2"}));
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].kind, DropKind::kTornTail);
  EXPECT_EQ(r.drops[0].offset, ours.size());
  EXPECT_NE(r.drops[0].message.find("belongs to log 41"), std::string::npos);
}

TEST(LogTest, ReadErrorIsStatusNotCorruption) {
  const std::string log = WriteLog({std::string(log::kBlockSize, 'x'), "y"});
  ReadResult r = ReadAll(log, kLogNumber, /*fail_after=*/log::kBlockSize);
  EXPECT_TRUE(r.records.empty());
  EXPECT_TRUE(r.drops.empty());
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInternal);
}

TEST(LogTest, NullReporterIsAllowed) {
  std::string log = WriteLog({std::string(log::kBlockSize - log::kHeaderSize, 'a'), "two"});
  log[log::kHeaderSize] ^= 1;
  LogReader reader(std::make_unique<StringSource>(log), nullptr, kLogNumber);
  std::string scratch;
  std::string_view record;
  ASSERT_TRUE(reader.ReadRecord(&record, &scratch));
  EXPECT_EQ(record, "two");
  EXPECT_FALSE(reader.ReadRecord(&record, &scratch));
}

// The corruption sweeps. For a log and every offset: flip that byte (or cut the file there)
// and check that the reader returns exactly a subsequence of the records, loses nothing it
// should not, and reports every loss with the right kind.
class CorruptionSweep {
 public:
  CorruptionSweep(std::vector<std::string> records)
      : records_(std::move(records)), log_(WriteLog(records_, &extents_)) {}

  size_t size() const { return log_.size(); }

  void Flip(size_t offset, uint8_t mask) {
    SCOPED_TRACE(absl::StrFormat("flip offset %d mask %02x", offset, mask));
    std::string damaged = log_;
    damaged[offset] ^= static_cast<char>(mask);
    ReadResult r = ReadAll(damaged);
    ASSERT_TRUE(IsSubsequence(r.records, records_));
    const int hit = RecordAt(offset);
    if (hit < 0) {
      // A block trailer: covered by no checksum, part of no record.
      EXPECT_EQ(r.records, records_);
      EXPECT_TRUE(r.drops.empty());
      return;
    }
    // The damaged record is gone, and so is nothing that lies wholly outside the damaged
    // block (a record sharing that block may go with it).
    EXPECT_LT(std::count(r.records.begin(), r.records.end(), records_[hit]),
              std::count(records_.begin(), records_.end(), records_[hit]));
    const uint64_t block = offset / log::kBlockSize;
    for (size_t i = 0; i < records_.size(); ++i) {
      if (i == static_cast<size_t>(hit)) continue;
      const bool touches = extents_[i].start / log::kBlockSize <= block &&
                           (extents_[i].end - 1) / log::kBlockSize >= block;
      if (!touches) {
        EXPECT_NE(std::find(r.records.begin(), r.records.end(), records_[i]), r.records.end())
            << "record " << i << " was lost";
      }
    }
    bool covered = false;
    for (const Drop& d : r.drops) {
      EXPECT_NE(d.message.find("offset"), std::string::npos);
      EXPECT_LE(d.offset + d.bytes, damaged.size());
      if (d.offset <= offset && offset < d.offset + d.bytes) {
        covered = true;
        // Only a longer length in the last fragment of the file is indistinguishable from a
        // write cut short by a crash.
        const bool last_length = static_cast<size_t>(hit) == records_.size() - 1 &&
                                 offset >= LastFragmentStart() + log::kLengthOffset &&
                                 offset < LastFragmentStart() + log::kTypeOffset;
        if (!last_length) {
          EXPECT_EQ(d.kind, DropKind::kDamage) << d.message;
        }
      }
    }
    EXPECT_TRUE(covered) << "no report covers the damaged byte";
  }

  void Truncate(size_t cut) {
    SCOPED_TRACE(absl::StrFormat("truncate at %d", cut));
    ReadResult r = ReadAll(std::string_view(log_).substr(0, cut));
    std::vector<std::string> expected;
    bool torn = false;
    uint64_t torn_start = 0;
    for (size_t i = 0; i < records_.size(); ++i) {
      if (extents_[i].end <= cut) {
        expected.push_back(records_[i]);
      } else if (extents_[i].start < cut) {
        torn = true;
        torn_start = extents_[i].start;
      }
    }
    EXPECT_EQ(r.records, expected);
    if (torn) {
      ASSERT_EQ(r.drops.size(), 1u);
      EXPECT_EQ(r.drops[0].kind, DropKind::kTornTail) << r.drops[0].message;
      EXPECT_EQ(r.drops[0].offset, torn_start);
      EXPECT_EQ(r.drops[0].offset + r.drops[0].bytes, cut);
    } else {
      EXPECT_TRUE(r.drops.empty()) << r.drops[0].message;
    }
  }

 private:
  // The record whose bytes (headers and payload, not trailers) include offset, or -1.
  int RecordAt(size_t offset) const {
    for (size_t i = 0; i < extents_.size(); ++i) {
      if (offset < extents_[i].start || offset >= extents_[i].end) continue;
      const size_t in_block = offset % log::kBlockSize;
      const size_t block_end = offset - in_block + log::kBlockSize;
      // Inside the record's range, but in a trailer between two of its fragments?
      if (block_end - offset < log::kHeaderSize && block_end < extents_[i].end &&
          IsTrailer(offset)) {
        return -1;
      }
      return static_cast<int>(i);
    }
    return -1;
  }
  bool IsTrailer(size_t offset) const {
    // Walk the fragments of the block holding offset.
    size_t pos = offset - offset % log::kBlockSize;
    const size_t block_end = pos + log::kBlockSize;
    while (pos + log::kHeaderSize <= block_end && pos < log_.size()) {
      const size_t length = DecodeFixed16(log_.data() + pos + log::kLengthOffset);
      pos += log::kHeaderSize + length;
    }
    return offset >= pos;
  }
  uint64_t LastFragmentStart() const {
    const Extent& e = extents_.back();
    uint64_t start = e.end - 1 - (e.end - 1) % log::kBlockSize;
    return std::max(start, e.start);
  }

  std::vector<std::string> records_;
  std::vector<Extent> extents_;
  std::string log_;
};

TEST(LogCorruptionTest, FlipEveryByteOfASmallLog) {
  const uint64_t seed = test::TestSeed(101);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  CorruptionSweep sweep(RandomRecords(&rnd, 8, 120));
  for (size_t offset = 0; offset < sweep.size(); ++offset) {
    ASSERT_NO_FATAL_FAILURE(sweep.Flip(offset, static_cast<uint8_t>(1 + rnd.Uniform(255))));
  }
}

TEST(LogCorruptionTest, TruncateAtEveryOffsetOfASmallLog) {
  const uint64_t seed = test::TestSeed(102);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  CorruptionSweep sweep(RandomRecords(&rnd, 8, 120));
  for (size_t cut = 0; cut <= sweep.size(); ++cut) ASSERT_NO_FATAL_FAILURE(sweep.Truncate(cut));
}

// A log whose records straddle a block boundary (with a multi-fragment record and a trailer):
// every offset within 64 bytes of the block boundaries, and a stride elsewhere.
TEST(LogCorruptionTest, SweepAcrossBlockBoundaries) {
  const uint64_t seed = test::TestSeed(103);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  std::vector<std::string> records = RandomRecords(&rnd, 4, 200);
  size_t used = 0;
  for (const auto& r : records) used += log::kHeaderSize + r.size();
  // Fill block 0 up to 5 bytes short of its end (a trailer), then a record of 3 fragments.
  records.push_back(std::string(log::kBlockSize - used - log::kHeaderSize - 5, 'f'));
  records.push_back(test::RandomString(&rnd, log::kBlockSize + 500, true));
  for (auto& r : RandomRecords(&rnd, 4, 200)) records.push_back(std::move(r));
  CorruptionSweep sweep(records);
  ASSERT_GT(sweep.size(), 2 * log::kBlockSize);
  auto near_boundary = [](size_t offset) {
    const size_t in_block = offset % log::kBlockSize;
    return in_block < 64 || in_block > log::kBlockSize - 64;
  };
  for (size_t offset = 0; offset < sweep.size(); ++offset) {
    if (!near_boundary(offset) && offset % 499 != 0) continue;
    ASSERT_NO_FATAL_FAILURE(sweep.Flip(offset, static_cast<uint8_t>(1 + rnd.Uniform(255))));
    ASSERT_NO_FATAL_FAILURE(sweep.Truncate(offset));
  }
  ASSERT_NO_FATAL_FAILURE(sweep.Truncate(sweep.size()));
}

}  // namespace
}  // namespace kvlsm
