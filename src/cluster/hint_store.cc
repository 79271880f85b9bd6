#include "cluster/hint_store.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "cluster/canonical_coding.h"
#include "cluster/replica_store.h"
#include "util/coding.h"

namespace kvlsm::cluster {
namespace {

constexpr uint8_t kHintVersion = 1;

std::string HintKey(uint64_t id) {
  std::string key(9, '\0');
  key[0] = key_space::kHint;
  for (int i = 0; i < 8; ++i) key[1 + i] = static_cast<char>(id >> (8 * (7 - i)));
  return key;
}

// Parses a DB key of the hint space; false when malformed.
bool ParseHintKey(std::string_view key, uint64_t* id) {
  if (key.size() != 9 || key[0] != key_space::kHint) return false;
  *id = 0;
  for (int i = 1; i < 9; ++i) *id = (*id << 8) | static_cast<uint8_t>(key[i]);
  return true;
}

// Splits a stored hint value; the state stays encoded in *state.
absl::Status ParseHintValue(uint64_t id, std::string_view value, HintStore::Hint* hint,
                            std::string_view* state) {
  std::string_view key;
  if (value.empty() || static_cast<uint8_t>(value[0]) != kHintVersion) {
    return absl::DataLossError(absl::StrCat("hint ", id, ": unknown format version"));
  }
  value.remove_prefix(1);
  if (!GetCanonicalVarint64(&value, &hint->owner) ||
      !GetCanonicalVarint64(&value, &hint->created_micros) ||
      !GetCanonicalLengthPrefixed(&value, &key)) {
    return absl::DataLossError(absl::StrCat("hint ", id, ": truncated or overlong header"));
  }
  hint->key.assign(key.data(), key.size());
  *state = value;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<HintStore>> HintStore::Open(DB* db,
                                                           const WriteOptions& write_options,
                                                           const HintStoreOptions& options,
                                                           uint64_t now_micros) {
  std::unique_ptr<HintStore> store(new HintStore(db, write_options, options));
  ReadOptions read_options;
  read_options.lower_bound = std::string(1, key_space::kHint);
  read_options.upper_bound = std::string(1, key_space::kHint + 1);
  std::unique_ptr<Iterator> it = db->NewIterator(read_options);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t id = 0;
    if (!ParseHintKey(it->key(), &id)) {
      return absl::DataLossError(
          absl::StrCat("hint space holds a key of ", it->key().size(), " bytes"));
    }
    Hint hint;
    std::string_view state;
    if (absl::Status s = ParseHintValue(id, it->value(), &hint, &state); !s.ok()) return s;
    if (absl::StatusOr<DvvSet> decoded = DvvSet::Decode(state); !decoded.ok()) {
      return absl::DataLossError(
          absl::StrCat("hint ", id, ": ", std::string(decoded.status().message())));
    }
    hint.created_micros = std::min(hint.created_micros, now_micros);
    hint.bytes = it->key().size() + it->value().size();
    store->next_id_ = std::max(store->next_id_, id + 1);
    store->Index(id, std::move(hint));
  }
  if (absl::Status s = it->status(); !s.ok()) return s;
  return store;
}

void HintStore::Index(uint64_t id, Hint hint) {
  bytes_ += hint.bytes;
  by_key_.emplace(hint.key, id);
  hints_.emplace(id, std::move(hint));
}

absl::Status HintStore::Add(NodeId owner, std::string_view key, const DvvSet& state,
                            uint64_t now_micros) {
  const uint64_t id = next_id_;
  std::string value;
  value.push_back(static_cast<char>(kHintVersion));
  PutVarint64(&value, owner);
  PutVarint64(&value, now_micros);
  PutLengthPrefixed(&value, key);
  state.EncodeTo(&value);
  const std::string db_key = HintKey(id);
  const uint64_t size = db_key.size() + value.size();
  if (bytes_ + size > options_.max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("hint store full: ", bytes_, " bytes held, a hint of ", size,
                     " bytes would exceed the bound of ", options_.max_bytes));
  }
  if (absl::Status s = db_->Put(write_options_, db_key, value); !s.ok()) return s;
  ++next_id_;
  Index(id, Hint{owner, std::string(key), now_micros, size});
  return absl::OkStatus();
}

absl::StatusOr<DvvSet> HintStore::Load(uint64_t id) {
  if (!contains(id)) return absl::NotFoundError(absl::StrCat("no hint ", id));
  std::string value;
  if (absl::Status s = db_->Get(ReadOptions(), HintKey(id), &value); !s.ok()) return s;
  Hint parsed;
  std::string_view state;
  if (absl::Status s = ParseHintValue(id, value, &parsed, &state); !s.ok()) return s;
  absl::StatusOr<DvvSet> decoded = DvvSet::Decode(state);
  if (!decoded.ok()) {
    return absl::DataLossError(
        absl::StrCat("hint ", id, ": ", std::string(decoded.status().message())));
  }
  return decoded;
}

absl::Status HintStore::Remove(uint64_t id) {
  auto it = hints_.find(id);
  if (it == hints_.end()) return absl::OkStatus();
  if (absl::Status s = db_->Delete(write_options_, HintKey(id)); !s.ok()) return s;
  auto [first, last] = by_key_.equal_range(it->second.key);
  for (auto k = first; k != last; ++k) {
    if (k->second == id) {
      by_key_.erase(k);
      break;
    }
  }
  bytes_ -= it->second.bytes;
  hints_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<size_t> HintStore::Expire(uint64_t now_micros) {
  std::vector<uint64_t> expired;
  for (const auto& [id, hint] : hints_) {
    if (now_micros > hint.created_micros &&
        now_micros - hint.created_micros > options_.max_age_micros) {
      expired.push_back(id);
    }
  }
  for (uint64_t id : expired) {
    if (absl::Status s = Remove(id); !s.ok()) return s;
  }
  return expired.size();
}

std::vector<uint64_t> HintStore::IdsFor(NodeId owner, size_t limit,
                                        const std::vector<uint64_t>& skip) const {
  std::vector<uint64_t> ids;
  for (const auto& [id, hint] : hints_) {
    if (ids.size() >= limit) break;
    if (hint.owner == owner && !std::binary_search(skip.begin(), skip.end(), id)) {
      ids.push_back(id);
    }
  }
  return ids;
}

std::vector<NodeId> HintStore::Owners() const {
  std::set<NodeId> owners;
  for (const auto& [id, hint] : hints_) owners.insert(hint.owner);
  return std::vector<NodeId>(owners.begin(), owners.end());
}

absl::StatusOr<DvvSet> HintStore::JoinedStateOf(std::string_view key) {
  DvvSet joined;
  auto [first, last] = by_key_.equal_range(std::string(key));
  std::vector<uint64_t> ids;
  for (auto it = first; it != last; ++it) ids.push_back(it->second);
  for (uint64_t id : ids) {
    absl::StatusOr<DvvSet> state = Load(id);
    if (!state.ok()) return state.status();
    if (absl::Status s = joined.Sync(*state); !s.ok()) return s;
  }
  return joined;
}

}  // namespace kvlsm::cluster
