#include "kvlsm/cluster/merkle.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kvlsm/cluster/merkle_exchange.h"
#include "testutil/testutil.h"

namespace kvlsm::cluster {
namespace {

using test::SeedTrace;
using test::TestSeed;

using Data = std::map<std::string, std::string>;

// An Iterator over a std::map, standing in for a DB (optionally failing at the end).
class MapIterator : public Iterator {
 public:
  explicit MapIterator(const Data* data, absl::Status error = absl::OkStatus())
      : data_(data), it_(data->end()), error_(std::move(error)) {}
  bool Valid() const override { return it_ != data_->end(); }
  void SeekToFirst() override { it_ = data_->begin(); }
  void SeekToLast() override { it_ = data_->empty() ? data_->end() : std::prev(data_->end()); }
  void Seek(std::string_view target) override { it_ = data_->lower_bound(std::string(target)); }
  void SeekForPrev(std::string_view target) override {
    it_ = data_->upper_bound(std::string(target));
    it_ = it_ == data_->begin() ? data_->end() : std::prev(it_);
  }
  void Next() override { ++it_; }
  void Prev() override { it_ = it_ == data_->begin() ? data_->end() : std::prev(it_); }
  std::string_view key() const override { return it_->first; }
  std::string_view value() const override { return it_->second; }
  absl::Status status() const override { return Valid() ? absl::OkStatus() : error_; }

 private:
  const Data* data_;
  Data::const_iterator it_;
  absl::Status error_;
};

MerkleTree NewTree(const MerkleOptions& options, TokenRange range) {
  absl::StatusOr<MerkleTree> tree = MerkleTree::Create(options, range);
  EXPECT_OK(tree);
  return *std::move(tree);
}

// Every node hash of two trees of the same shape.
bool SameHashes(const MerkleTree& a, const MerkleTree& b) {
  for (int level = 0; level <= a.options().depth; ++level) {
    for (uint64_t i = 0; i < a.LevelWidth(level); ++i) {
      if (a.Hash(level, i) != b.Hash(level, i)) return false;
    }
  }
  return true;
}

// Runs an exchange between two replicas, passing every message through its encoding.
struct ExchangeResult {
  std::vector<std::string> keys;
  MerkleExchange::Stats stats;
};
ExchangeResult RunExchange(const MerkleTree& initiator, const Data& initiator_data,
                           const MerkleTree& responder, const Data& responder_data) {
  MerkleExchange exchange(&initiator);
  while (!exchange.done()) {
    std::string request_bytes;
    exchange.NextRequest().EncodeTo(&request_bytes);
    absl::StatusOr<MerkleRequest> request = MerkleRequest::Decode(request_bytes);
    EXPECT_OK(request);
    if (!request.ok()) break;
    MapIterator responder_entries(&responder_data);
    absl::StatusOr<MerkleResponse> response =
        AnswerMerkleRequest(responder, *request, &responder_entries);
    EXPECT_OK(response);
    if (!response.ok()) break;
    std::string response_bytes;
    response->EncodeTo(&response_bytes);
    absl::StatusOr<MerkleResponse> decoded = MerkleResponse::Decode(response_bytes);
    EXPECT_OK(decoded);
    if (!decoded.ok()) break;
    MapIterator local_entries(&initiator_data);
    const absl::Status handled = exchange.HandleResponse(*decoded, &local_entries);
    EXPECT_OK(handled);
    if (!handled.ok()) break;
  }
  return ExchangeResult{exchange.differing_keys(), exchange.stats()};
}

TEST(MerkleTreeTest, OptionsAreValidated) {
  MerkleOptions options;
  options.fanout = 1;
  EXPECT_EQ(MerkleTree::Create(options, TokenRange{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.fanout = 257;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options.fanout = 2;
  options.depth = 27;  // 2^27 leaves
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options.depth = 26;
  EXPECT_OK(options.Validate());
  options.depth = -1;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MerkleTreeTest, IncrementalUpdatesMatchABuildWhateverTheOrder) {
  const uint64_t seed = TestSeed(701);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (int round = 0; round < 50; ++round) {
    MerkleOptions options;
    options.fanout = 2 + static_cast<int>(rnd.Uniform(7));
    options.depth = static_cast<int>(rnd.Uniform(5));
    options.seed = rnd.OneIn(2) ? 0 : rnd.Next();
    const TokenRange range{rnd.Next(), rnd.OneIn(2) ? rnd.Next() : 0};
    Data data;
    for (int i = 0; i < 300; ++i)
      data[absl::StrCat("k", rnd.Uniform(1000))] = test::RandomString(&rnd, 8);
    // Insert in a random order, with detours: some keys first get another value.
    std::vector<std::pair<std::string, std::string>> entries(data.begin(), data.end());
    for (size_t i = entries.size() - 1; i > 0; --i)
      std::swap(entries[i], entries[rnd.Uniform(i + 1)]);
    MerkleTree incremental = NewTree(options, range);
    for (const auto& [key, value] : entries) {
      if (rnd.OneIn(4)) {
        incremental.Update(key, std::nullopt, "detour");
        incremental.Update(key, "detour", value);
      } else {
        incremental.Update(key, std::nullopt, value);
      }
    }
    MapIterator it(&data);
    absl::StatusOr<MerkleTree> built = MerkleTree::Build(options, range, &it);
    ASSERT_OK(built);
    ASSERT_TRUE(SameHashes(incremental, *built)) << "round " << round;
    // Removing everything brings every hash back to 0.
    for (const auto& [key, value] : data) incremental.Update(key, value, std::nullopt);
    ASSERT_TRUE(SameHashes(incremental, NewTree(options, range)));
  }
}

TEST(MerkleTreeTest, KeysOutsideTheRangeAreIgnored) {
  const Token mid = Token{1} << 63;
  MerkleTree tree = NewTree(MerkleOptions(), TokenRange{0, mid});
  int inside = 0;
  Data data;
  for (int i = 0; i < 200; ++i) {
    const std::string key = absl::StrCat("key", i);
    data[key] = "v";
    const bool covered = KeyToken(key) <= mid && KeyToken(key) > 0;
    EXPECT_EQ(tree.Covers(key), covered);
    EXPECT_EQ(tree.Update(key, std::nullopt, "v"), covered);
    inside += covered;
  }
  EXPECT_GT(inside, 50);
  EXPECT_LT(inside, 150);
  MapIterator it(&data);
  absl::StatusOr<MerkleTree> built = MerkleTree::Build(MerkleOptions(), TokenRange{0, mid}, &it);
  ASSERT_OK(built);
  EXPECT_EQ(built->RootHash(), tree.RootHash());
}

TEST(MerkleTreeTest, LeavesTileTheRange) {
  const uint64_t seed = TestSeed(702);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (int round = 0; round < 200; ++round) {
    MerkleOptions options;
    options.fanout = 2 + static_cast<int>(rnd.Uniform(5));
    options.depth = static_cast<int>(rnd.Uniform(4));
    const Token start = rnd.Next();
    // Small ranges too, so that some leaves are empty.
    const Token size = rnd.OneIn(2) ? 1 + rnd.Uniform(50) : (rnd.Next() | 1);
    const TokenRange range{start, start + size};
    const MerkleTree tree = NewTree(options, range);
    Token expected_start = range.start;
    for (uint64_t leaf = 0; leaf < tree.leaf_count(); ++leaf) {
      if (tree.LeafIsEmpty(leaf)) {
        ASSERT_EQ(expected_start, range.end);  // only trailing leaves may be empty
        continue;
      }
      const TokenRange leaf_range = tree.LeafRange(leaf);
      ASSERT_EQ(leaf_range.start, expected_start);
      ASSERT_EQ(tree.LeafOf(leaf_range.start + 1), leaf);
      ASSERT_EQ(tree.LeafOf(leaf_range.end), leaf);
      expected_start = leaf_range.end;
    }
    ASSERT_EQ(expected_start, range.end);
    for (int i = 0; i < 20; ++i) {
      const Token token = range.start + 1 + rnd.Uniform(size);
      ASSERT_TRUE(tree.LeafRange(tree.LeafOf(token)).Contains(token));
    }
  }
  // A single leaf over the whole ring.
  MerkleOptions flat;
  flat.depth = 0;
  const MerkleTree whole = NewTree(flat, TokenRange{5, 5});
  EXPECT_EQ(whole.LeafOf(1), 0u);
  EXPECT_EQ(whole.LeafOf(~Token{0}), 0u);
  EXPECT_TRUE(whole.LeafRange(0).IsWholeRing());
}

TEST(MerkleTreeTest, BuildReportsIteratorErrors) {
  Data data = {{"a", "1"}};
  MapIterator it(&data, absl::DataLossError("bad block"));
  EXPECT_EQ(MerkleTree::Build(MerkleOptions(), TokenRange{}, &it).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(MerkleExchangeTest, DiffIsExactlyTheKeysWhoseValuesDiffer) {
  const uint64_t seed = TestSeed(703);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  constexpr int kCases = 10000;
  int with_differences = 0;
  for (int c = 0; c < kCases; ++c) {
    MerkleOptions options;
    const int fanouts[] = {2, 3, 4, 8, 16};
    options.fanout = fanouts[rnd.Uniform(5)];
    options.depth = static_cast<int>(rnd.Uniform(options.fanout >= 8 ? 3 : 6));
    const TokenRange range = rnd.OneIn(3) ? TokenRange{7, 7} : TokenRange{rnd.Next(), rnd.Next()};
    Data base;
    const int keys = static_cast<int>(rnd.Uniform(60));
    for (int i = 0; i < keys; ++i) base[absl::StrCat("k", rnd.Uniform(200))] = "v";
    Data a = base, b = base;
    const int changes = static_cast<int>(rnd.Uniform(8));
    for (int i = 0; i < changes; ++i) {
      Data& side = rnd.OneIn(2) ? a : b;
      const std::string key = absl::StrCat("k", rnd.Uniform(200));
      if (rnd.OneIn(3)) {
        side.erase(key);
      } else {
        side[key] = absl::StrCat("x", rnd.Uniform(3));
      }
    }
    // Each tree is built by updates in its own random order: the base first, then the
    // changes as (old value -> new value) updates.
    const auto build = [&](const Data& final_data) {
      MerkleTree tree = NewTree(options, range);
      std::vector<std::string> order;
      for (const auto& [key, value] : base) order.push_back(key);
      for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rnd.Uniform(i)]);
      for (const std::string& key : order) tree.Update(key, std::nullopt, base.at(key));
      for (const auto& [key, value] : final_data) {
        auto it = base.find(key);
        if (it == base.end()) {
          tree.Update(key, std::nullopt, value);
        } else if (it->second != value) {
          tree.Update(key, it->second, value);
        }
      }
      for (const auto& [key, value] : base) {
        if (!final_data.count(key)) tree.Update(key, value, std::nullopt);
      }
      return tree;
    };
    const MerkleTree tree_a = build(a), tree_b = build(b);
    std::vector<std::string> expected;
    std::set<std::string> all;
    for (const auto& [key, value] : a) all.insert(key);
    for (const auto& [key, value] : b) all.insert(key);
    for (const std::string& key : all) {
      if (!range.Contains(KeyToken(key))) continue;
      auto ia = a.find(key), ib = b.find(key);
      if (ia == a.end() || ib == b.end() || ia->second != ib->second) expected.push_back(key);
    }
    const ExchangeResult result = RunExchange(tree_a, a, tree_b, b);
    ASSERT_EQ(result.keys, expected)
        << "case " << c << " fanout " << options.fanout << " depth " << options.depth;
    with_differences += !expected.empty();
  }
  EXPECT_GT(with_differences, kCases / 2);
}

TEST(MerkleExchangeTest, EqualReplicasExchangeOneHash) {
  Data data;
  for (int i = 0; i < 1000; ++i) data[absl::StrCat("k", i)] = "v";
  MapIterator it(&data);
  absl::StatusOr<MerkleTree> tree = MerkleTree::Build(MerkleOptions(), TokenRange{}, &it);
  ASSERT_OK(tree);
  const ExchangeResult result = RunExchange(*tree, data, *tree, data);
  EXPECT_TRUE(result.keys.empty());
  EXPECT_EQ(result.stats.rounds, 1u);
  EXPECT_EQ(result.stats.tree_hashes, 1u);
}

TEST(MerkleExchangeTest, HashesExchangedGrowWithDifferencesNotKeys) {
  // The benchmark's target (100 differences among 10M keys in at most 5,000 hashes, 50
  // per difference) at test size: 10 differences among 100,000 keys in at most 500.
  const uint64_t seed = TestSeed(704);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  Data a, b;
  for (int i = 0; i < 100000; ++i) a[absl::StrCat("key", i)] = "value";
  b = a;
  std::set<std::string> changed;
  while (changed.size() < 10) {
    const std::string key = absl::StrCat("key", rnd.Uniform(100000));
    b[key] = "changed";
    changed.insert(key);
  }
  MerkleOptions options;
  options.depth = 8;  // 65,536 leaves: about 1.5 keys per leaf
  MapIterator ia(&a), ib(&b);
  absl::StatusOr<MerkleTree> ta = MerkleTree::Build(options, TokenRange{}, &ia);
  absl::StatusOr<MerkleTree> tb = MerkleTree::Build(options, TokenRange{}, &ib);
  ASSERT_OK(ta);
  ASSERT_OK(tb);
  const ExchangeResult result = RunExchange(*ta, a, *tb, b);
  EXPECT_EQ(result.keys, std::vector<std::string>(changed.begin(), changed.end()));
  const uint64_t hashes = result.stats.tree_hashes + result.stats.entry_hashes;
  EXPECT_LE(hashes, 500u) << "tree " << result.stats.tree_hashes << " entries "
                          << result.stats.entry_hashes;
  EXPECT_EQ(result.stats.rounds, 10u);  // root, 8 levels, leaf entries
}

TEST(MerkleExchangeTest, ResponderRefusesAnotherShape) {
  const MerkleTree tree = NewTree(MerkleOptions(), TokenRange{1, 2});
  MerkleRequest request;
  request.range = TokenRange{1, 3};
  request.fanout = 4;
  request.depth = 10;
  EXPECT_EQ(AnswerMerkleRequest(tree, request, nullptr).status().code(),
            absl::StatusCode::kFailedPrecondition);
  request.range = TokenRange{1, 2};
  request.level = 11;
  EXPECT_EQ(AnswerMerkleRequest(tree, request, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.level = 2;
  request.nodes = {4};  // level 1 has nodes 0..3
  EXPECT_EQ(AnswerMerkleRequest(tree, request, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.nodes = {3};
  EXPECT_OK(AnswerMerkleRequest(tree, request, nullptr));
  request.type = MerkleMessageType::kLeafEntriesRequest;
  request.nodes = {tree.leaf_count()};
  EXPECT_EQ(AnswerMerkleRequest(tree, request, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MerkleExchangeTest, InitiatorRejectsResponsesThatDoNotAnswer) {
  MerkleTree local = NewTree(MerkleOptions(), TokenRange{});
  local.Update("a", std::nullopt, "1");
  MerkleExchange exchange(&local);
  MerkleResponse response;
  response.level = 1;  // the first request is for level 0
  response.hashes = {1};
  EXPECT_EQ(exchange.HandleResponse(response, nullptr).code(), absl::StatusCode::kInvalidArgument);
  response.level = 0;
  response.hashes = {1, 2};
  EXPECT_EQ(exchange.HandleResponse(response, nullptr).code(), absl::StatusCode::kInvalidArgument);
  response.hashes = {12345};  // differs from the local root
  ASSERT_OK(exchange.HandleResponse(response, nullptr));
  EXPECT_FALSE(exchange.done());
  EXPECT_EQ(exchange.NextRequest().level, 1u);
  response.type = MerkleMessageType::kLeafEntriesResponse;
  EXPECT_EQ(exchange.HandleResponse(response, nullptr).code(), absl::StatusCode::kInvalidArgument);
}

TEST(MerkleExchangeTest, MessagesRoundTrip) {
  const uint64_t seed = TestSeed(705);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (int i = 0; i < 1000; ++i) {
    MerkleRequest request;
    request.type =
        rnd.OneIn(2) ? MerkleMessageType::kLevelRequest : MerkleMessageType::kLeafEntriesRequest;
    request.range = TokenRange{rnd.Next(), rnd.Next()};
    request.fanout = static_cast<uint32_t>(rnd.Uniform(300));
    request.depth = static_cast<uint32_t>(rnd.Uniform(40));
    if (request.type == MerkleMessageType::kLevelRequest) {
      request.level = static_cast<uint32_t>(rnd.Uniform(40));
    }
    uint64_t node = 0;
    for (int n = static_cast<int>(rnd.Uniform(20)); n > 0; --n) {
      node += 1 + rnd.Uniform(1000);
      request.nodes.push_back(node);
    }
    std::string encoded;
    request.EncodeTo(&encoded);
    absl::StatusOr<MerkleRequest> decoded = MerkleRequest::Decode(encoded);
    ASSERT_OK(decoded);
    ASSERT_EQ(*decoded, request);

    MerkleResponse response;
    if (rnd.OneIn(2)) {
      response.type = MerkleMessageType::kLevelResponse;
      response.level = static_cast<uint32_t>(rnd.Uniform(40));
      for (int n = static_cast<int>(rnd.Uniform(20)); n > 0; --n) {
        response.hashes.push_back(rnd.Next());
      }
    } else {
      response.type = MerkleMessageType::kLeafEntriesResponse;
      std::set<std::string> keys;
      for (int n = static_cast<int>(rnd.Uniform(20)); n > 0; --n) {
        keys.insert(test::RandomString(&rnd, rnd.Uniform(12), /*binary=*/true));
      }
      for (const std::string& key : keys) response.entries.push_back(KeyHash{key, rnd.Next()});
    }
    encoded.clear();
    response.EncodeTo(&encoded);
    absl::StatusOr<MerkleResponse> decoded_response = MerkleResponse::Decode(encoded);
    ASSERT_OK(decoded_response);
    ASSERT_EQ(*decoded_response, response);
  }
}

}  // namespace
}  // namespace kvlsm::cluster
