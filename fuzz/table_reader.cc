// Fuzz target: TableReader (src/table/table_reader.h) over both files of a table, the
// .sst (data blocks) and the .idx (index, filter, properties, footer).
//
// Input: mode:u8, then
//   mode bit 0 clear: idx_size:u16, the .idx bytes, and the rest is the .sst. Open must
//     return a status (DataLoss, InvalidArgument) or a reader whose every call (scans both
//     ways, Get of each key found, VerifyChecksums, ApproximateOffsetOf) returns. Bit 1
//     rewrites the footer's checksum and the index, filter and properties blocks'
//     checksums to match their bytes, so that the fuzzer gets past them into the parsers;
//     bit 2 verifies data-block checksums on reads; bit 3 sets paranoid_checks.
//   mode bit 0 set: a table built by TableBuilder from entries the input describes (block
//     size, restart interval, filter, zstd; then user key, sequence, type, value per
//     entry), read back: the scan must return exactly the entries, Get must find the
//     newest visible version of every key at two snapshots, and VerifyChecksums must pass.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/dbformat.h"
#include "base/get_context.h"
#include "fuzz/fuzz_util.h"
#include "kvlsm/comparator.h"
#include "kvlsm/filter_policy.h"
#include "table/format.h"
#include "table/table_builder.h"
#include "table/table_reader.h"
#include "testutil/string_file.h"
#include "util/coding.h"
#include "util/hash.h"

namespace {

using kvlsm::fuzz::FuzzInput;

constexpr int kMaxSteps = 4096;

const kvlsm::InternalKeyComparator& Comparator() {
  static const kvlsm::InternalKeyComparator comparator(kvlsm::BytewiseComparator());
  return comparator;
}

const kvlsm::FilterPolicy* Filter() {
  static const std::shared_ptr<const kvlsm::FilterPolicy> policy = kvlsm::NewBloomFilterPolicy(10);
  return policy.get();
}

// Makes the footer's checksum, and the checksums of the blocks its handles name, match
// the bytes (see docs/format.md, "Footer").
void FixIndexFileChecksums(std::string* idx) {
  const size_t size = idx->size();
  if (size < kvlsm::Footer::kTailSize) return;
  char* tail = idx->data() + size - kvlsm::Footer::kTailSize;
  std::copy(kvlsm::kTableIndexMagic.begin(), kvlsm::kTableIndexMagic.end(), tail + 12);
  const uint32_t footer_size = kvlsm::DecodeFixed32(tail);
  if (footer_size < kvlsm::Footer::kTailSize || footer_size > size ||
      footer_size > kvlsm::Footer::kMaxSize) {
    return;
  }
  const size_t footer = size - footer_size;
  for (size_t h = 0; h < 3 && footer + 16 * h + 16 <= size - kvlsm::Footer::kTailSize; ++h) {
    const uint64_t offset = kvlsm::DecodeFixed64(idx->data() + footer + 16 * h);
    const uint64_t length = kvlsm::DecodeFixed64(idx->data() + footer + 16 * h + 8);
    if (offset > size || length > size - offset ||
        size - offset - length < kvlsm::kBlockTrailerSize) {
      continue;
    }
    char* trailer = idx->data() + offset + length;
    kvlsm::EncodeBlockTrailer(std::string_view(idx->data() + offset, length),
                              static_cast<kvlsm::CompressionType>(trailer[0]), trailer);
  }
  kvlsm::EncodeFixed32(tail + 8,
                       kvlsm::Checksum32(std::string_view(idx->data() + footer, footer_size - 12)));
}

absl::StatusOr<std::unique_ptr<kvlsm::TableReader>> OpenTable(const std::string& sst,
                                                              const std::string& idx,
                                                              bool paranoid) {
  kvlsm::TableReaderOptions options;
  options.comparator = &Comparator();
  options.filter_policy = Filter();
  options.paranoid_checks = paranoid;
  options.data_file_name = "000001.sst";
  options.index_file_name = "000001.idx";
  return kvlsm::TableReader::Open(
      options, std::make_unique<kvlsm::fuzz::StringRandomAccessFile>(sst), sst.size(),
      std::make_unique<kvlsm::fuzz::StringRandomAccessFile>(idx), idx.size());
}

bool Acceptable(const absl::Status& s) {
  return s.ok() || absl::IsDataLoss(s) || absl::IsInvalidArgument(s);
}

// A point lookup; *found is set when OK.
absl::Status Get(const kvlsm::TableReader& table, const kvlsm::ReadOptions& options,
                 std::string_view user_key, kvlsm::SequenceNumber snapshot, std::string* found) {
  kvlsm::GetContext ctx(nullptr, user_key, found);
  absl::Status s = table.Get(options, user_key, snapshot, &ctx);
  if (!s.ok()) return s;
  return ctx.Finish();
}

void ReadArbitraryTable(FuzzInput* in, uint8_t mode) {
  std::string idx(in->Bytes(in->Short()));
  const std::string sst(in->Rest());
  if (mode & 2) FixIndexFileChecksums(&idx);
  auto table = OpenTable(sst, idx, /*paranoid=*/mode & 8);
  if (!table.ok()) {
    FUZZ_CHECK(Acceptable(table.status()));
    return;
  }
  kvlsm::ReadOptions options;
  options.verify_checksums = mode & 4;
  std::unique_ptr<kvlsm::Iterator> it = (*table)->NewIterator(options);
  std::vector<std::string> keys;
  it->SeekToFirst();
  for (int steps = 0; it->Valid() && steps < kMaxSteps; ++steps, it->Next()) {
    keys.emplace_back(it->key());
  }
  FUZZ_CHECK(Acceptable(it->status()));
  it->SeekToLast();
  for (int steps = 0; it->Valid() && steps < kMaxSteps; ++steps) it->Prev();
  FUZZ_CHECK(Acceptable(it->status()));
  for (const std::string& key : keys) {
    std::string value;
    if (key.size() >= 8) {
      const absl::Status s =
          Get(**table, options, kvlsm::ExtractUserKey(key), kvlsm::kMaxSequenceNumber, &value);
      FUZZ_CHECK(Acceptable(s) || absl::IsNotFound(s));
      it->Seek(key);
      FUZZ_CHECK(Acceptable(it->status()));
    }
    (*table)->ApproximateOffsetOf(key);
  }
  FUZZ_CHECK(Acceptable((*table)->VerifyChecksums()));
}

void CheckBuiltTable(FuzzInput* in) {
  kvlsm::TableBuilderOptions options;
  options.comparator = &Comparator();
  options.block_size = 64 + in->Below(2048);
  options.block_restart_interval = 1 + static_cast<int>(in->Below(16));
  const uint8_t flags = in->Byte();
  options.filter_policy = flags & 1 ? Filter() : nullptr;
  options.compression = flags & 2 ? kvlsm::CompressionType::kZstd : kvlsm::CompressionType::kNone;
  options.file_number = 1;

  // Entries: internal key -> value, in comparator order.
  struct Less {
    bool operator()(const std::string& a, const std::string& b) const {
      return Comparator().Compare(a, b) < 0;
    }
  };
  std::map<std::string, std::string, Less> entries;
  while (!in->empty() && entries.size() < 500) {
    std::string key(in->LengthPrefixed(16));
    const bool is_delete = in->Below(4) == 0;
    kvlsm::AppendInternalKey(&key, "", in->Short(),
                             is_delete ? kvlsm::ValueType::kDelete : kvlsm::ValueType::kPut);
    std::string value = is_delete ? "" : std::string(in->LengthPrefixed(64));
    // Repetitive values, so that zstd has something to compress.
    if (!is_delete && flags & 4) value.resize(value.size() * 8, 'x');
    entries.emplace(std::move(key), std::move(value));
  }

  std::string sst, idx;
  kvlsm::test::StringWritableFile sst_file(&sst), idx_file(&idx);
  kvlsm::TableBuilder builder(options, &sst_file, &idx_file);
  for (const auto& [key, value] : entries) builder.Add(key, value);
  FUZZ_CHECK_OK(builder.Finish());

  auto table = OpenTable(sst, idx, /*paranoid=*/true);
  FUZZ_CHECK_OK(table.status());
  FUZZ_CHECK_OK((*table)->VerifyChecksums());
  std::unique_ptr<kvlsm::Iterator> it = (*table)->NewIterator(kvlsm::ReadOptions());
  auto expected = entries.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    FUZZ_CHECK(expected != entries.end());
    FUZZ_CHECK(it->key() == expected->first && it->value() == expected->second);
  }
  FUZZ_CHECK_OK(it->status());
  FUZZ_CHECK(expected == entries.end());

  // Get at two snapshots: the newest version at or below the snapshot decides.
  for (const kvlsm::SequenceNumber snapshot :
       {kvlsm::kMaxSequenceNumber, kvlsm::SequenceNumber{in->Short()}}) {
    std::map<std::string, const std::pair<const std::string, std::string>*> newest;
    for (const auto& entry : entries) {
      kvlsm::ParsedInternalKey parsed;
      FUZZ_CHECK(kvlsm::ParseInternalKey(entry.first, &parsed));
      if (parsed.sequence <= snapshot) newest.emplace(std::string(parsed.user_key), &entry);
    }
    for (const auto& entry : entries) {
      const std::string user_key(kvlsm::ExtractUserKey(entry.first));
      std::string value;
      const absl::Status s = Get(**table, kvlsm::ReadOptions(), user_key, snapshot, &value);
      auto found = newest.find(user_key);
      kvlsm::ParsedInternalKey parsed;
      if (found == newest.end() || (kvlsm::ParseInternalKey(found->second->first, &parsed) &&
                                    parsed.type == kvlsm::ValueType::kDelete)) {
        FUZZ_CHECK(absl::IsNotFound(s));
      } else {
        FUZZ_CHECK_OK(s);
        FUZZ_CHECK(value == found->second->second);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  if (mode & 1) {
    CheckBuiltTable(&in);
  } else {
    ReadArbitraryTable(&in, mode);
  }
  return 0;
}
