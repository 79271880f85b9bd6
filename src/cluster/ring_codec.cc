// The ring's encoding (docs/cluster.md, "Ring"):
//
//   ring   := version:u8(=1) replication_factor:varint32 tokens_per_node:varint32
//             node_count:varint32 node{node_count}
//   node   := id:varint64 weight:fixed64 (IEEE-754 binary64 bits, little-endian)
//             zone_length:varint32 zone:bytes token_count:varint32
//             first_token:varint64 token_delta:varint64{token_count - 1}
//
// Nodes are in strictly increasing id order; a node's tokens strictly increase (every
// delta >= 1, no wrap). Token ownership is complete: no token appears twice.
#include <algorithm>
#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "cluster/canonical_coding.h"
#include "cluster/format.h"
#include "kvlsm/cluster/ring.h"
#include "util/coding.h"

namespace kvlsm::cluster {

void Ring::EncodeTo(std::string* dst) const {
  dst->push_back(static_cast<char>(ring_format::kVersion));
  PutVarint32(dst, static_cast<uint32_t>(options_.replication_factor));
  PutVarint32(dst, static_cast<uint32_t>(options_.tokens_per_node));
  PutVarint32(dst, static_cast<uint32_t>(nodes_.size()));
  std::vector<std::vector<Token>> tokens_by_node(nodes_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) tokens_by_node[owners_[i]].push_back(tokens_[i]);
  for (size_t index = 0; index < nodes_.size(); ++index) {
    const RingNode& node = nodes_[index];
    PutVarint64(dst, node.id);
    PutFixed64(dst, std::bit_cast<uint64_t>(node.weight));
    PutLengthPrefixed(dst, node.zone);
    const std::vector<Token>& tokens = tokens_by_node[index];
    PutVarint32(dst, static_cast<uint32_t>(tokens.size()));
    for (size_t t = 0; t < tokens.size(); ++t) {
      PutVarint64(dst, t == 0 ? tokens[0] : tokens[t] - tokens[t - 1]);
    }
  }
}

absl::StatusOr<Ring> Ring::Decode(std::string_view input) {
  const auto bad = [](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("ring encoding: ", what));
  };
  if (input.empty()) return bad("empty input");
  const uint8_t version = static_cast<uint8_t>(input[0]);
  input.remove_prefix(1);
  if (version != ring_format::kVersion) {
    return bad(absl::StrCat("unknown format version ", version, " (this build reads ",
                            ring_format::kVersion, ")"));
  }
  uint32_t replication_factor = 0, tokens_per_node = 0, node_count = 0;
  if (!GetCanonicalVarint32(&input, &replication_factor) ||
      !GetCanonicalVarint32(&input, &tokens_per_node) ||
      !GetCanonicalVarint32(&input, &node_count)) {
    return bad("truncated or overlong header");
  }
  RingOptions options;
  options.replication_factor = static_cast<int>(std::min<uint32_t>(replication_factor, 1 << 30));
  options.tokens_per_node = static_cast<int>(std::min<uint32_t>(tokens_per_node, 1 << 30));
  if (absl::Status s = options.Validate(); !s.ok()) return bad(std::string(s.message()));
  if (node_count > ring_format::kMaxNodes) {
    return bad(absl::StrCat("node count ", node_count, " exceeds ", ring_format::kMaxNodes));
  }
  Ring ring(options);
  std::vector<std::pair<Token, uint32_t>> all_tokens;
  for (uint32_t index = 0; index < node_count; ++index) {
    RingNode node;
    uint64_t weight_bits = 0;
    std::string_view zone;
    uint32_t token_count = 0;
    if (!GetCanonicalVarint64(&input, &node.id) || !GetFixed64(&input, &weight_bits) ||
        !GetCanonicalLengthPrefixed(&input, &zone) || !GetCanonicalVarint32(&input, &token_count)) {
      return bad(absl::StrCat("node #", index, " is truncated or overlong"));
    }
    node.weight = std::bit_cast<double>(weight_bits);
    if (!(node.weight >= ring_format::kMinWeight && node.weight <= ring_format::kMaxWeight)) {
      return bad(
          absl::StrCat("node ", node.id, " has weight ", node.weight, " outside [1/64, 64]"));
    }
    if (zone.size() > ring_format::kMaxZoneBytes) {
      return bad(absl::StrCat("node ", node.id, " has a zone of ", zone.size(), " bytes"));
    }
    node.zone = std::string(zone);
    if (!ring.nodes_.empty() && ring.nodes_.back().id >= node.id) {
      return bad(absl::StrCat("node ids not strictly increasing at node ", node.id));
    }
    if (token_count == 0 || token_count > ring_format::kMaxTokensPerNode) {
      return bad(absl::StrCat("node ", node.id, " has ", token_count, " tokens"));
    }
    if (all_tokens.size() + token_count > ring_format::kMaxTokens) {
      return bad(absl::StrCat("more than ", ring_format::kMaxTokens, " tokens"));
    }
    Token token = 0;
    for (uint32_t t = 0; t < token_count; ++t) {
      uint64_t delta = 0;
      if (!GetCanonicalVarint64(&input, &delta)) {
        return bad(absl::StrCat("node ", node.id, ": token #", t, " is truncated or overlong"));
      }
      if (t > 0 && (delta == 0 || token + delta < token)) {
        return bad(absl::StrCat("node ", node.id, ": tokens not strictly increasing"));
      }
      token = t == 0 ? delta : token + delta;
      all_tokens.emplace_back(token, index);
    }
    ring.nodes_.push_back(std::move(node));
  }
  if (!input.empty()) return bad(absl::StrCat(input.size(), " trailing bytes"));
  std::sort(all_tokens.begin(), all_tokens.end());
  for (size_t i = 1; i < all_tokens.size(); ++i) {
    if (all_tokens[i].first == all_tokens[i - 1].first) {
      return bad(absl::StrCat("token ", all_tokens[i].first, " is owned twice"));
    }
  }
  ring.tokens_.reserve(all_tokens.size());
  ring.owners_.reserve(all_tokens.size());
  for (const auto& [token, owner] : all_tokens) {
    ring.tokens_.push_back(token);
    ring.owners_.push_back(owner);
  }
  ring.RebuildIndexes();
  return ring;
}

}  // namespace kvlsm::cluster
