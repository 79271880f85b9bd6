// The Merkle exchange encodings (docs/cluster.md, "Merkle exchange"):
//
//   request  := version:u8(=1) type:u8 range_start:fixed64 range_end:fixed64
//               fanout:varint32 depth:varint32 [level:varint32 if type == 1]
//               count:varint32 node_delta:varint64{count}
//   response := version:u8(=1) type:u8
//               type 2: level:varint32 count:varint32 hash:fixed64{count}
//               type 4: count:varint32 (key_length:varint32 key:bytes hash:fixed64){count}
//
// Node indices strictly increase (the first delta is the index itself, later ones >= 1);
// entries are in strictly increasing key order. Fixed-width integers are little-endian.
#include "kvlsm/cluster/merkle_exchange.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cluster/canonical_coding.h"
#include "cluster/format.h"
#include "util/coding.h"

namespace kvlsm::cluster {
namespace {

absl::Status Bad(const char* what_message, const std::string& detail) {
  return absl::InvalidArgumentError(absl::StrCat(what_message, ": ", detail));
}

bool IsRequestType(uint8_t type) {
  return type == static_cast<uint8_t>(MerkleMessageType::kLevelRequest) ||
         type == static_cast<uint8_t>(MerkleMessageType::kLeafEntriesRequest);
}

}  // namespace

void MerkleRequest::EncodeTo(std::string* dst) const {
  dst->push_back(static_cast<char>(merkle_format::kVersion));
  dst->push_back(static_cast<char>(type));
  PutFixed64(dst, range.start);
  PutFixed64(dst, range.end);
  PutVarint32(dst, fanout);
  PutVarint32(dst, depth);
  if (type == MerkleMessageType::kLevelRequest) PutVarint32(dst, level);
  PutVarint32(dst, static_cast<uint32_t>(nodes.size()));
  uint64_t previous = 0;
  for (uint64_t node : nodes) {
    PutVarint64(dst, node - previous);
    previous = node;
  }
}

absl::StatusOr<MerkleRequest> MerkleRequest::Decode(std::string_view input) {
  constexpr char kWhat[] = "Merkle request encoding";
  if (input.size() < 2) return Bad(kWhat, "truncated header");
  const uint8_t version = static_cast<uint8_t>(input[0]);
  const uint8_t type = static_cast<uint8_t>(input[1]);
  input.remove_prefix(2);
  if (version != merkle_format::kVersion) {
    return Bad(kWhat, absl::StrCat("unknown format version ", version));
  }
  if (!IsRequestType(type)) return Bad(kWhat, absl::StrCat("unknown message type ", type));
  MerkleRequest request;
  request.type = static_cast<MerkleMessageType>(type);
  uint32_t count = 0;
  if (!GetFixed64(&input, &request.range.start) || !GetFixed64(&input, &request.range.end) ||
      !GetCanonicalVarint32(&input, &request.fanout) ||
      !GetCanonicalVarint32(&input, &request.depth) ||
      (request.type == MerkleMessageType::kLevelRequest &&
       !GetCanonicalVarint32(&input, &request.level)) ||
      !GetCanonicalVarint32(&input, &count)) {
    return Bad(kWhat, "truncated or overlong header");
  }
  // Every node takes at least one byte: a count beyond the input is a lie.
  if (count > merkle_format::kMaxNodesPerMessage || count > input.size()) {
    return Bad(kWhat, absl::StrCat(count, " nodes in ", input.size(), " bytes"));
  }
  request.nodes.reserve(count);
  uint64_t node = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t delta = 0;
    if (!GetCanonicalVarint64(&input, &delta)) {
      return Bad(kWhat, absl::StrCat("node #", i, " truncated or overlong"));
    }
    if (i > 0 && (delta == 0 || node + delta < node)) {
      return Bad(kWhat, absl::StrCat("node #", i, ": nodes not strictly increasing"));
    }
    node += delta;
    request.nodes.push_back(node);
  }
  if (!input.empty()) return Bad(kWhat, absl::StrCat(input.size(), " trailing bytes"));
  return request;
}

void MerkleResponse::EncodeTo(std::string* dst) const {
  dst->push_back(static_cast<char>(merkle_format::kVersion));
  dst->push_back(static_cast<char>(type));
  if (type == MerkleMessageType::kLevelResponse) {
    PutVarint32(dst, level);
    PutVarint32(dst, static_cast<uint32_t>(hashes.size()));
    for (uint64_t hash : hashes) PutFixed64(dst, hash);
    return;
  }
  PutVarint32(dst, static_cast<uint32_t>(entries.size()));
  for (const KeyHash& entry : entries) {
    PutLengthPrefixed(dst, entry.key);
    PutFixed64(dst, entry.hash);
  }
}

absl::StatusOr<MerkleResponse> MerkleResponse::Decode(std::string_view input) {
  constexpr char kWhat[] = "Merkle response encoding";
  if (input.size() < 2) return Bad(kWhat, "truncated header");
  const uint8_t version = static_cast<uint8_t>(input[0]);
  const uint8_t type = static_cast<uint8_t>(input[1]);
  input.remove_prefix(2);
  if (version != merkle_format::kVersion) {
    return Bad(kWhat, absl::StrCat("unknown format version ", version));
  }
  MerkleResponse response;
  uint32_t count = 0;
  if (type == static_cast<uint8_t>(MerkleMessageType::kLevelResponse)) {
    response.type = MerkleMessageType::kLevelResponse;
    if (!GetCanonicalVarint32(&input, &response.level) || !GetCanonicalVarint32(&input, &count)) {
      return Bad(kWhat, "truncated or overlong header");
    }
    if (count > merkle_format::kMaxNodesPerMessage || count > input.size() / 8) {
      return Bad(kWhat, absl::StrCat(count, " hashes in ", input.size(), " bytes"));
    }
    response.hashes.resize(count);
    for (uint32_t i = 0; i < count; ++i) {
      response.hashes[i] = DecodeFixed64(input.data() + 8 * static_cast<size_t>(i));
    }
    input.remove_prefix(8 * static_cast<size_t>(count));
  } else if (type == static_cast<uint8_t>(MerkleMessageType::kLeafEntriesResponse)) {
    response.type = MerkleMessageType::kLeafEntriesResponse;
    if (!GetCanonicalVarint32(&input, &count)) return Bad(kWhat, "truncated or overlong header");
    // Every entry takes at least 9 bytes.
    if (count > merkle_format::kMaxEntriesPerMessage || count > input.size() / 9) {
      return Bad(kWhat, absl::StrCat(count, " entries in ", input.size(), " bytes"));
    }
    response.entries.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      std::string_view key;
      uint64_t hash = 0;
      if (!GetCanonicalLengthPrefixed(&input, &key) || !GetFixed64(&input, &hash)) {
        return Bad(kWhat, absl::StrCat("entry #", i, " truncated or overlong"));
      }
      if (key.size() > merkle_format::kMaxKeyBytes) {
        return Bad(kWhat, absl::StrCat("entry #", i, " has a key of ", key.size(), " bytes"));
      }
      if (i > 0 && !(response.entries.back().key < key)) {
        return Bad(kWhat, absl::StrCat("entry #", i, ": keys not strictly increasing"));
      }
      response.entries.push_back(KeyHash{std::string(key), hash});
    }
  } else {
    return Bad(kWhat, absl::StrCat("unknown message type ", type));
  }
  if (!input.empty()) return Bad(kWhat, absl::StrCat(input.size(), " trailing bytes"));
  return response;
}

absl::Status CollectLeafEntries(const MerkleTree& tree, std::span<const uint64_t> leaves,
                                Iterator* entries, std::vector<KeyHash>* out) {
  out->clear();
  if (leaves.empty()) return absl::OkStatus();
  for (entries->SeekToFirst(); entries->Valid(); entries->Next()) {
    const std::string_view key = entries->key();
    const Token token = KeyToken(key);
    if (!tree.range().Contains(token) ||
        !std::binary_search(leaves.begin(), leaves.end(), tree.LeafOf(token))) {
      continue;
    }
    out->push_back(KeyHash{std::string(key), tree.EntryHash(key, entries->value())});
  }
  if (absl::Status s = entries->status(); !s.ok()) return s;
  std::sort(out->begin(), out->end(),
            [](const KeyHash& a, const KeyHash& b) { return a.key < b.key; });
  return absl::OkStatus();
}

absl::StatusOr<MerkleResponse> AnswerMerkleRequest(const MerkleTree& tree,
                                                   const MerkleRequest& request,
                                                   Iterator* entries) {
  const MerkleOptions& options = tree.options();
  if (request.range != tree.range() || request.fanout != static_cast<uint32_t>(options.fanout) ||
      request.depth != static_cast<uint32_t>(options.depth)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Merkle request for range ", request.range.ToString(), " fanout ", request.fanout,
        " depth ", request.depth, " does not match this tree (range ", tree.range().ToString(),
        " fanout ", options.fanout, " depth ", options.depth, ")"));
  }
  if (!std::is_sorted(request.nodes.begin(), request.nodes.end()) ||
      std::adjacent_find(request.nodes.begin(), request.nodes.end()) != request.nodes.end()) {
    return absl::InvalidArgumentError("Merkle request: nodes not strictly increasing");
  }
  MerkleResponse response;
  if (request.type == MerkleMessageType::kLeafEntriesRequest) {
    response.type = MerkleMessageType::kLeafEntriesResponse;
    if (!request.nodes.empty() && request.nodes.back() >= tree.leaf_count()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Merkle request: leaf ", request.nodes.back(), " of ", tree.leaf_count()));
    }
    if (request.nodes.empty()) return response;
    if (entries == nullptr) {
      return absl::InvalidArgumentError("Merkle request for entries without data to scan");
    }
    if (absl::Status s = CollectLeafEntries(tree, request.nodes, entries, &response.entries);
        !s.ok()) {
      return s;
    }
    return response;
  }
  response.type = MerkleMessageType::kLevelResponse;
  response.level = request.level;
  if (request.level > static_cast<uint32_t>(options.depth)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Merkle request: level ", request.level, " below depth ", options.depth));
  }
  if (request.level == 0) {
    if (!request.nodes.empty()) {
      return absl::InvalidArgumentError("Merkle request: the root level takes no nodes");
    }
    response.hashes.push_back(tree.RootHash());
    return response;
  }
  const int parent_level = static_cast<int>(request.level) - 1;
  if (!request.nodes.empty() && request.nodes.back() >= tree.LevelWidth(parent_level)) {
    return absl::InvalidArgumentError(absl::StrCat("Merkle request: node ", request.nodes.back(),
                                                   " of level ", parent_level, " does not exist"));
  }
  const uint64_t fanout = static_cast<uint64_t>(options.fanout);
  response.hashes.reserve(request.nodes.size() * (fanout - 1));
  for (uint64_t parent : request.nodes) {
    for (uint64_t c = 0; c + 1 < fanout; ++c) {
      response.hashes.push_back(tree.Hash(static_cast<int>(request.level), parent * fanout + c));
    }
  }
  return response;
}

MerkleExchange::MerkleExchange(const MerkleTree* local) : local_(local) {}

MerkleRequest MerkleExchange::NextRequest() const {
  MerkleRequest request;
  request.range = local_->range();
  request.fanout = static_cast<uint32_t>(local_->options().fanout);
  request.depth = static_cast<uint32_t>(local_->options().depth);
  if (stage_ == Stage::kLeafEntries) {
    request.type = MerkleMessageType::kLeafEntriesRequest;
  } else {
    request.type = MerkleMessageType::kLevelRequest;
    request.level = level_;
  }
  request.nodes = differing_;
  return request;
}

absl::Status MerkleExchange::HandleResponse(const MerkleResponse& response,
                                            Iterator* local_entries) {
  std::string encoded;
  NextRequest().EncodeTo(&encoded);
  const uint64_t request_bytes = encoded.size();
  encoded.clear();
  response.EncodeTo(&encoded);
  const uint64_t response_bytes = encoded.size();
  absl::Status status = stage_ == Stage::kLeafEntries ? HandleLeafEntries(response, local_entries)
                                                      : HandleLevel(response);
  if (status.ok()) {
    ++stats_.rounds;
    stats_.request_bytes += request_bytes;
    stats_.response_bytes += response_bytes;
  }
  return status;
}

absl::Status MerkleExchange::HandleLevel(const MerkleResponse& response) {
  if (response.type != MerkleMessageType::kLevelResponse || response.level != level_) {
    return absl::InvalidArgumentError(
        absl::StrCat("Merkle exchange: expected hashes of level ", level_));
  }
  const int depth = local_->options().depth;
  const uint64_t fanout = static_cast<uint64_t>(local_->options().fanout);
  std::vector<uint64_t> differing, remote;
  if (level_ == 0) {
    if (response.hashes.size() != 1) {
      return absl::InvalidArgumentError("Merkle exchange: expected one root hash");
    }
    if (response.hashes[0] != local_->RootHash()) {
      differing.push_back(0);
      remote.push_back(response.hashes[0]);
    }
  } else {
    if (response.hashes.size() != differing_.size() * (fanout - 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("Merkle exchange: expected ", differing_.size() * (fanout - 1),
                       " hashes of level ", level_, ", got ", response.hashes.size()));
    }
    const int level = static_cast<int>(level_);
    for (size_t p = 0; p < differing_.size(); ++p) {
      uint64_t last = remote_hashes_[p];  // the parent is the sum of its children
      for (uint64_t c = 0; c < fanout; ++c) {
        uint64_t hash;
        if (c + 1 < fanout) {
          hash = response.hashes[p * (fanout - 1) + c];
          last -= hash;
        } else {
          hash = last;
        }
        const uint64_t child = differing_[p] * fanout + c;
        if (hash != local_->Hash(level, child)) {
          differing.push_back(child);
          remote.push_back(hash);
        }
      }
    }
  }
  stats_.tree_hashes += response.hashes.size();
  differing_.swap(differing);
  remote_hashes_.swap(remote);
  if (differing_.empty()) {
    stage_ = Stage::kDone;
  } else if (level_ == static_cast<uint32_t>(depth)) {
    stage_ = Stage::kLeafEntries;
  } else {
    ++level_;
  }
  return absl::OkStatus();
}

absl::Status MerkleExchange::HandleLeafEntries(const MerkleResponse& response,
                                               Iterator* local_entries) {
  if (response.type != MerkleMessageType::kLeafEntriesResponse) {
    return absl::InvalidArgumentError("Merkle exchange: expected leaf entries");
  }
  if (local_entries == nullptr) {
    return absl::InvalidArgumentError("Merkle exchange: leaf entries need the local data");
  }
  for (size_t i = 0; i < response.entries.size(); ++i) {
    const KeyHash& entry = response.entries[i];
    const Token token = KeyToken(entry.key);
    if (!local_->range().Contains(token) ||
        !std::binary_search(differing_.begin(), differing_.end(), local_->LeafOf(token))) {
      return absl::InvalidArgumentError(
          absl::StrCat("Merkle exchange: entry #", i, " lies outside the requested leaves"));
    }
    if (i > 0 && !(response.entries[i - 1].key < entry.key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("Merkle exchange: entry #", i, " out of key order"));
    }
  }
  std::vector<KeyHash> mine;
  if (absl::Status s = CollectLeafEntries(*local_, differing_, local_entries, &mine); !s.ok()) {
    return s;
  }
  // Keys on one side only, or with different hashes.
  const std::vector<KeyHash>& theirs = response.entries;
  size_t i = 0, j = 0;
  while (i < mine.size() || j < theirs.size()) {
    if (j == theirs.size() || (i < mine.size() && mine[i].key < theirs[j].key)) {
      differing_keys_.push_back(mine[i++].key);
    } else if (i == mine.size() || theirs[j].key < mine[i].key) {
      differing_keys_.push_back(theirs[j++].key);
    } else {
      if (mine[i].hash != theirs[j].hash) differing_keys_.push_back(mine[i].key);
      ++i;
      ++j;
    }
  }
  stats_.entry_hashes += theirs.size();
  stage_ = Stage::kDone;
  return absl::OkStatus();
}

}  // namespace kvlsm::cluster
