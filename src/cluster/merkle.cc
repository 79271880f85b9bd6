#include "kvlsm/cluster/merkle.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cluster/format.h"
#include "util/hash.h"

namespace kvlsm::cluster {
namespace {

// fanout^depth, or 0 when it exceeds merkle_format::kMaxLeaves.
uint64_t LeavesFor(int fanout, int depth) {
  uint64_t leaves = 1;
  for (int level = 0; level < depth; ++level) {
    leaves *= static_cast<uint64_t>(fanout);
    if (leaves > merkle_format::kMaxLeaves) return 0;
  }
  return leaves;
}

}  // namespace

absl::Status MerkleOptions::Validate() const {
  if (fanout < merkle_format::kMinFanout || fanout > merkle_format::kMaxFanout) {
    return absl::InvalidArgumentError(
        absl::StrCat("MerkleOptions.fanout ", fanout, " is outside [2, 256]"));
  }
  if (depth < 0 || depth > merkle_format::kMaxDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("MerkleOptions.depth ", depth, " is outside [0, 32]"));
  }
  if (LeavesFor(fanout, depth) == 0) {
    return absl::InvalidArgumentError(absl::StrCat("MerkleOptions: fanout ", fanout, " and depth ",
                                                   depth, " give more than 2^26 leaves"));
  }
  return absl::OkStatus();
}

MerkleTree::MerkleTree(const MerkleOptions& options, TokenRange range)
    : options_(options), range_(range), leaf_count_(LeavesFor(options.fanout, options.depth)) {
  uint64_t width = 1, total = 0;
  for (int level = 0; level <= options_.depth; ++level) {
    level_offsets_.push_back(total);
    total += width;
    width *= static_cast<uint64_t>(options_.fanout);
  }
  nodes_.assign(total, 0);
  // Leaves of ceil(range size / leaves) tokens; the range may hold 2^64 tokens.
  const unsigned __int128 size = range_.IsWholeRing()
                                     ? (static_cast<unsigned __int128>(1) << 64)
                                     : static_cast<unsigned __int128>(range_.end - range_.start);
  const unsigned __int128 leaf_width = (size + leaf_count_ - 1) / leaf_count_;
  leaf_width_ = leaf_width >> 64 ? 0 : static_cast<uint64_t>(leaf_width);
}

absl::StatusOr<MerkleTree> MerkleTree::Create(const MerkleOptions& options, TokenRange range) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return MerkleTree(options, range);
}

absl::StatusOr<MerkleTree> MerkleTree::Build(const MerkleOptions& options, TokenRange range,
                                             Iterator* entries) {
  absl::StatusOr<MerkleTree> created = Create(options, range);
  if (!created.ok()) return created.status();
  MerkleTree tree = *std::move(created);
  // Sum into the leaves, then fill the levels above bottom-up.
  const uint64_t leaf_base = tree.level_offsets_.back();
  for (entries->SeekToFirst(); entries->Valid(); entries->Next()) {
    const Token token = KeyToken(entries->key());
    if (!range.Contains(token)) continue;
    tree.nodes_[leaf_base + tree.LeafOf(token)] +=
        Hash64(entries->value(), options.seed == 0 ? token : Hash64(entries->key(), options.seed));
  }
  if (absl::Status s = entries->status(); !s.ok()) return s;
  const uint64_t fanout = static_cast<uint64_t>(options.fanout);
  for (int level = options.depth - 1; level >= 0; --level) {
    const uint64_t base = tree.level_offsets_[level];
    const uint64_t child_base = tree.level_offsets_[level + 1];
    for (uint64_t i = 0; i < tree.LevelWidth(level); ++i) {
      uint64_t sum = 0;
      for (uint64_t c = 0; c < fanout; ++c) sum += tree.nodes_[child_base + i * fanout + c];
      tree.nodes_[base + i] = sum;
    }
  }
  return tree;
}

uint64_t MerkleTree::LevelWidth(int level) const {
  return level == options_.depth ? leaf_count_ : level_offsets_[level + 1] - level_offsets_[level];
}

uint64_t MerkleTree::EntryHash(std::string_view key, std::string_view value) const {
  return Hash64(value, options_.seed == 0 ? KeyToken(key) : Hash64(key, options_.seed));
}

uint64_t MerkleTree::LeafOf(Token token) const {
  if (leaf_width_ == 0) return 0;
  return static_cast<Token>(token - range_.start - 1) / leaf_width_;
}

TokenRange MerkleTree::LeafRange(uint64_t leaf) const {
  if (leaf_width_ == 0) return range_;
  const unsigned __int128 size = range_.IsWholeRing()
                                     ? (static_cast<unsigned __int128>(1) << 64)
                                     : static_cast<unsigned __int128>(range_.end - range_.start);
  const unsigned __int128 begin =
      std::min<unsigned __int128>(static_cast<unsigned __int128>(leaf) * leaf_width_, size);
  const unsigned __int128 end = std::min<unsigned __int128>(begin + leaf_width_, size);
  return TokenRange{range_.start + static_cast<Token>(begin),
                    range_.start + static_cast<Token>(end)};
}

bool MerkleTree::LeafIsEmpty(uint64_t leaf) const {
  if (leaf_width_ == 0) return false;
  const unsigned __int128 size = range_.IsWholeRing()
                                     ? (static_cast<unsigned __int128>(1) << 64)
                                     : static_cast<unsigned __int128>(range_.end - range_.start);
  return static_cast<unsigned __int128>(leaf) * leaf_width_ >= size;
}

void MerkleTree::AddToPath(uint64_t leaf, uint64_t delta) {
  uint64_t index = leaf;
  const uint64_t fanout = static_cast<uint64_t>(options_.fanout);
  for (int level = options_.depth; level >= 0; --level) {
    nodes_[level_offsets_[level] + index] += delta;
    index /= fanout;
  }
}

bool MerkleTree::Update(std::string_view key, std::optional<std::string_view> old_value,
                        std::optional<std::string_view> new_value) {
  const Token token = KeyToken(key);
  if (!range_.Contains(token)) return false;
  const uint64_t key_hash = options_.seed == 0 ? token : Hash64(key, options_.seed);
  uint64_t delta = 0;
  if (new_value.has_value()) delta += Hash64(*new_value, key_hash);
  if (old_value.has_value()) delta -= Hash64(*old_value, key_hash);
  if (delta != 0) AddToPath(LeafOf(token), delta);
  return true;
}

}  // namespace kvlsm::cluster
