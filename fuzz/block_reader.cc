// Fuzz target: Block and BlockIter (src/table/block.h), the reader of data and index
// blocks.
//
// Input: mode:u8, then
//   mode bit 0 clear: the rest is a block's payload, read as it is (as happens when a
//     block's checksum is not verified): every iterator call must stay inside the block
//     and end Valid or with an OK/DataLoss status; with internal keys, a Valid key has
//     its 8-byte trailer.
//   mode bit 0 set: a block built by BlockBuilder from entries the input describes
//     (restart interval, then entries: length-prefixed key and value), read back: the
//     reader must return exactly those entries in both directions, and Seek/SeekForPrev
//     must land where std::lower_bound/upper_bound say.
// mode bit 1 selects internal keys (InternalKeyComparator) instead of plain bytewise keys.
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/dbformat.h"
#include "fuzz/fuzz_util.h"
#include "kvlsm/comparator.h"
#include "table/block.h"
#include "table/block_builder.h"

namespace {

using kvlsm::fuzz::FuzzInput;
using Entries = std::vector<std::pair<std::string, std::string>>;

// Entries are bounded so that a hostile block cannot make the target slow.
constexpr int kMaxSteps = 4096;

struct Reader {
  const kvlsm::InternalKeyComparator internal{kvlsm::BytewiseComparator()};
  bool internal_keys = false;

  std::unique_ptr<kvlsm::Iterator> NewIterator(const kvlsm::Block& block) const {
    return internal_keys ? block.NewIterator(&internal)
                         : block.NewIterator(kvlsm::BytewiseComparator());
  }
  int Compare(std::string_view a, std::string_view b) const {
    return internal_keys ? internal.Compare(a, b) : a.compare(b);
  }
  // A target must be a well-formed key for the iterator.
  bool UsableTarget(std::string_view key) const { return !internal_keys || key.size() >= 8; }
};

void CheckPosition(const Reader& reader, const kvlsm::Iterator& it) {
  if (it.Valid()) {
    FUZZ_CHECK(!reader.internal_keys || it.key().size() >= 8);
  } else {
    FUZZ_CHECK(it.status().ok() || absl::IsDataLoss(it.status()));
  }
}

// Walks the block in one direction, checking every position; returns what it saw.
Entries Walk(const Reader& reader, kvlsm::Iterator* it, bool forward, absl::Status* status) {
  Entries seen;
  forward ? it->SeekToFirst() : it->SeekToLast();
  for (int steps = 0; it->Valid() && steps < kMaxSteps; ++steps) {
    CheckPosition(reader, *it);
    seen.emplace_back(std::string(it->key()), std::string(it->value()));
    forward ? it->Next() : it->Prev();
  }
  CheckPosition(reader, *it);
  *status = it->status();
  return seen;
}

void ReadArbitraryBlock(const Reader& reader, std::string_view payload) {
  kvlsm::BlockContents contents;
  contents.data = payload;
  const kvlsm::Block block(std::move(contents));
  std::unique_ptr<kvlsm::Iterator> it = reader.NewIterator(block);
  absl::Status status;
  const Entries forward = Walk(reader, it.get(), /*forward=*/true, &status);
  Walk(reader, it.get(), /*forward=*/false, &status);
  for (const auto& [key, value] : forward) {
    if (!reader.UsableTarget(key)) continue;
    it->Seek(key);
    CheckPosition(reader, *it);
    if (it->Valid()) it->Prev();
    CheckPosition(reader, *it);
    it->SeekForPrev(key);
    CheckPosition(reader, *it);
    if (it->Valid()) it->Next();
    CheckPosition(reader, *it);
  }
}

void CheckBuiltBlock(const Reader& reader, FuzzInput* in) {
  const int restart_interval = 1 + static_cast<int>(in->Below(16));
  Entries entries;
  while (!in->empty() && entries.size() < 200) {
    std::string key(in->LengthPrefixed(24));
    if (reader.internal_keys) {
      kvlsm::AppendInternalKey(&key, "", in->Short(), static_cast<kvlsm::ValueType>(in->Below(3)));
    }
    entries.emplace_back(std::move(key), std::string(in->LengthPrefixed(40)));
  }
  const auto less = [&](const auto& a, const auto& b) {
    return reader.Compare(a.first, b.first) < 0;
  };
  const auto same = [&](const auto& a, const auto& b) {
    return reader.Compare(a.first, b.first) == 0;
  };
  std::stable_sort(entries.begin(), entries.end(), less);
  entries.erase(std::unique(entries.begin(), entries.end(), same), entries.end());

  kvlsm::BlockBuilder builder(restart_interval);
  for (const auto& [key, value] : entries) builder.Add(key, value);
  const std::string bytes(builder.Finish());
  kvlsm::BlockContents contents;
  contents.data = bytes;
  const kvlsm::Block block(std::move(contents));
  std::unique_ptr<kvlsm::Iterator> it = reader.NewIterator(block);

  absl::Status status;
  FUZZ_CHECK(Walk(reader, it.get(), /*forward=*/true, &status) == entries);
  FUZZ_CHECK_OK(status);
  Entries backward = Walk(reader, it.get(), /*forward=*/false, &status);
  FUZZ_CHECK_OK(status);
  std::reverse(backward.begin(), backward.end());
  FUZZ_CHECK(backward == entries);

  // Targets: every key, and keys the input names.
  std::vector<std::string> targets;
  for (const auto& entry : entries) targets.push_back(entry.first);
  for (int i = 0; i < 8; ++i) {
    std::string target(in->LengthPrefixed(24));
    if (reader.internal_keys) {
      kvlsm::AppendInternalKey(&target, "", in->Short(), kvlsm::kTypeForSeek);
    }
    targets.push_back(std::move(target));
  }
  for (const std::string& target : targets) {
    const std::pair<std::string, std::string> probe(target, "");
    auto lower = std::lower_bound(entries.begin(), entries.end(), probe, less);
    it->Seek(target);
    FUZZ_CHECK_OK(it->status());
    FUZZ_CHECK(it->Valid() == (lower != entries.end()));
    if (it->Valid()) FUZZ_CHECK(it->key() == lower->first && it->value() == lower->second);

    auto upper = std::upper_bound(entries.begin(), entries.end(), probe, less);
    it->SeekForPrev(target);
    FUZZ_CHECK_OK(it->status());
    FUZZ_CHECK(it->Valid() == (upper != entries.begin()));
    if (it->Valid()) FUZZ_CHECK(it->key() == std::prev(upper)->first);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  Reader reader;
  reader.internal_keys = mode & 2;
  if (mode & 1) {
    CheckBuiltBlock(reader, &in);
  } else {
    ReadArbitraryBlock(reader, in.Rest());
  }
  return 0;
}
