#include "cluster/replica_store.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cluster/canonical_coding.h"
#include "kvlsm/cluster/sibling_merge_operator.h"
#include "kvlsm/write_batch.h"
#include "util/coding.h"

namespace kvlsm::cluster {
namespace {

// The data space of a DB iterator, with the space byte taken off each key.
class DataSpaceIterator : public Iterator {
 public:
  explicit DataSpaceIterator(std::unique_ptr<Iterator> base) : base_(std::move(base)) {}

  bool Valid() const override { return base_->Valid(); }
  void SeekToFirst() override { base_->SeekToFirst(); }
  void SeekToLast() override { base_->SeekToLast(); }
  void Seek(std::string_view target) override { base_->Seek(ReplicaStore::DataKey(target)); }
  void SeekForPrev(std::string_view target) override {
    base_->SeekForPrev(ReplicaStore::DataKey(target));
  }
  void Next() override { base_->Next(); }
  void Prev() override { base_->Prev(); }
  std::string_view key() const override { return base_->key().substr(1); }
  std::string_view value() const override { return base_->value(); }
  absl::Status status() const override { return base_->status(); }

 private:
  std::unique_ptr<Iterator> base_;
};

absl::StatusOr<DvvSet> DecodeStored(std::string_view key, std::string_view value) {
  absl::StatusOr<DvvSet> state = DvvSet::Decode(value);
  if (state.ok()) return state;
  return absl::DataLossError(absl::StrFormat("stored state of a key of %d bytes: %s", key.size(),
                                             std::string(state.status().message())));
}

// The DB key of `key` in key space `space`.
std::string SpaceKey(char space, std::string_view key) {
  std::string out;
  out.reserve(key.size() + 1);
  out.push_back(space);
  out.append(key.data(), key.size());
  return out;
}

}  // namespace

std::string ReplicaStore::DataKey(std::string_view key) { return SpaceKey(key_space::kData, key); }

std::string ReplicaStore::IssuedKey(std::string_view key) {
  return SpaceKey(key_space::kIssued, key);
}

absl::StatusOr<std::unique_ptr<ReplicaStore>> ReplicaStore::Open(
    const ReplicaStoreOptions& options) {
  if (absl::Status s = options.merkle.Validate(); !s.ok()) return s;
  Options db_options;
  db_options.create_if_missing = true;
  db_options.env = options.env;
  db_options.merge_operator = NewSiblingMergeOperator();
  db_options.write_buffer_size = options.write_buffer_size;
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(db_options, options.path);
  if (!db.ok()) return db.status();
  return std::unique_ptr<ReplicaStore>(new ReplicaStore(*std::move(db), options));
}

ReplicaStore::ReplicaStore(std::unique_ptr<DB> db, const ReplicaStoreOptions& options)
    : db_(std::move(db)), merkle_options_(options.merkle) {
  write_options_.sync = options.sync;
}

absl::StatusOr<DvvSet> ReplicaStore::Read(std::string_view key) {
  std::string value;
  absl::Status s = db_->Get(ReadOptions(), DataKey(key), &value);
  if (absl::IsNotFound(s)) return DvvSet();
  if (!s.ok()) return s;
  return DecodeStored(key, value);
}

absl::StatusOr<DvvSet> ReplicaStore::Apply(std::string_view key, const DvvSet& state,
                                           bool* changed) {
  if (changed != nullptr) *changed = false;
  const std::string data_key = DataKey(key);
  std::string old_value;
  std::optional<std::string_view> old_view;
  DvvSet joined;
  absl::Status s = db_->Get(ReadOptions(), data_key, &old_value);
  if (s.ok()) {
    absl::StatusOr<DvvSet> old_state = DecodeStored(key, old_value);
    if (!old_state.ok()) return old_state.status();
    joined = *std::move(old_state);
    old_view = old_value;
  } else if (!absl::IsNotFound(s)) {
    return s;
  }
  if (absl::Status sync = joined.Sync(state); !sync.ok()) return sync;
  std::string new_value;
  joined.EncodeTo(&new_value);
  if (old_view.has_value() && *old_view == new_value) return joined;
  if (absl::Status put = db_->Put(write_options_, data_key, new_value); !put.ok()) return put;
  if (changed != nullptr) *changed = true;
  const int index = RangeIndexOf(KeyToken(key));
  if (index >= 0) trees_[index].Update(key, old_view, new_value);
  return joined;
}

absl::StatusOr<uint64_t> ReplicaStore::IssuedFloor(std::string_view key) {
  std::string value;
  absl::Status s = db_->Get(ReadOptions(), IssuedKey(key), &value);
  if (absl::IsNotFound(s)) return 0;
  if (!s.ok()) return s;
  std::string_view input = value;
  uint64_t counter = 0;
  if (input.empty() || static_cast<uint8_t>(input[0]) != key_space::kIssuedFloorVersion) {
    return absl::DataLossError(
        absl::StrFormat("issued floor of a key of %d bytes: unknown format version", key.size()));
  }
  input.remove_prefix(1);
  if (!GetCanonicalVarint64(&input, &counter) || !input.empty()) {
    return absl::DataLossError(absl::StrFormat(
        "issued floor of a key of %d bytes: %d bytes that are not one canonical varint", key.size(),
        value.size() - 1));
  }
  return counter;
}

absl::StatusOr<size_t> ReplicaStore::DropHandedOff(const std::vector<HandedOff>& keys,
                                                   NodeId self) {
  WriteBatch batch;
  size_t dropped = 0;
  for (const HandedOff& handed_off : keys) {
    const std::string_view key = handed_off.key;
    if (Replicates(key)) continue;
    const std::string data_key = DataKey(key);
    std::string current;
    absl::Status s = db_->Get(ReadOptions(), data_key, &current);
    if (absl::IsNotFound(s)) continue;
    if (!s.ok()) return s;
    if (current != handed_off.sent) continue;  // changed since it was handed off
    absl::StatusOr<DvvSet> state = DecodeStored(key, current);
    if (!state.ok()) return state.status();
    absl::StatusOr<uint64_t> floor = IssuedFloor(key);
    if (!floor.ok()) return floor.status();
    batch.Delete(data_key);
    if (const uint64_t issued = state->history().MaxCounter(self); issued > *floor) {
      std::string value(1, static_cast<char>(key_space::kIssuedFloorVersion));
      PutVarint64(&value, issued);
      batch.Put(IssuedKey(key), value);
    }
    ++dropped;
  }
  if (dropped == 0) return 0;
  WriteOptions options = write_options_;
  options.sync = true;  // an issued floor must never be lost, whatever sync_writes says
  if (absl::Status w = db_->Write(options, &batch); !w.ok()) return w;
  return dropped;
}

absl::Status ReplicaStore::SetRanges(std::vector<TokenRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const TokenRange& a, const TokenRange& b) { return a.end < b.end; });
  std::vector<MerkleTree> trees;
  trees.reserve(ranges.size());
  for (const TokenRange& range : ranges) {
    absl::StatusOr<MerkleTree> tree = MerkleTree::Create(merkle_options_, range);
    if (!tree.ok()) return tree.status();
    trees.push_back(*std::move(tree));
  }
  ranges_ = std::move(ranges);
  trees_ = std::move(trees);
  std::unique_ptr<Iterator> it = NewDataIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const int index = RangeIndexOf(KeyToken(it->key()));
    if (index >= 0) trees_[index].Update(it->key(), std::nullopt, it->value());
  }
  return it->status();
}

const MerkleTree* ReplicaStore::TreeFor(TokenRange range) const {
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), range.end,
                             [](const TokenRange& r, Token end) { return r.end < end; });
  if (it == ranges_.end() || *it != range) return nullptr;
  return &trees_[it - ranges_.begin()];
}

int ReplicaStore::RangeIndexOf(Token token) const {
  if (ranges_.empty()) return -1;
  // Ranges are disjoint, so the one holding token is the one whose end comes first
  // clockwise from token.
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), token,
                             [](const TokenRange& r, Token t) { return r.end < t; });
  if (it == ranges_.end()) it = ranges_.begin();
  return it->Contains(token) ? static_cast<int>(it - ranges_.begin()) : -1;
}

std::unique_ptr<Iterator> ReplicaStore::NewDataIterator() {
  ReadOptions read_options;
  read_options.lower_bound = std::string(1, key_space::kData);
  read_options.upper_bound = std::string(1, key_space::kData + 1);
  read_options.fill_cache = false;
  return std::make_unique<DataSpaceIterator>(db_->NewIterator(read_options));
}

}  // namespace kvlsm::cluster
