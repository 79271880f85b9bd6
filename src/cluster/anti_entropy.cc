#include "cluster/anti_entropy.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kvlsm::cluster {

struct AntiEntropy::Exchange {
  Exchange(uint64_t exchange_id, NodeId peer_id, MerkleTree tree_copy)
      : id(exchange_id), peer(peer_id), tree(std::move(tree_copy)), exchange(&tree) {}

  uint64_t id;
  NodeId peer;
  MerkleTree tree;  // a copy: the live tree changes with every write
  MerkleExchange exchange;
  std::vector<std::string> keys;  // once the trees are compared: the keys sent
  Clock::TimerId timer = 0;
};

AntiEntropy::AntiEntropy(NodeContext* context, uint64_t interval_micros, size_t max_keys,
                         uint64_t round_timeout_micros)
    : context_(context),
      interval_micros_(interval_micros),
      max_keys_(max_keys),
      round_timeout_micros_(round_timeout_micros) {}

AntiEntropy::~AntiEntropy() {
  context_->clock->Cancel(tick_timer_);
  if (exchange_ != nullptr) context_->clock->Cancel(exchange_->timer);
}

void AntiEntropy::Start() {
  if (interval_micros_ == 0) return;
  tick_timer_ = context_->clock->Schedule(interval_micros_, [this] {
    tick_timer_ = 0;
    Tick();
    Start();
  });
}

void AntiEntropy::Tick() {
  if (exchange_ != nullptr) return;
  std::vector<std::pair<TokenRange, NodeId>> pairs;
  std::vector<NodeId> replicas;
  const size_t n = static_cast<size_t>(context_->ring->options().replication_factor);
  for (const TokenRange& range : context_->store->ranges()) {
    context_->ring->PreferenceListForToken(range.end, n, 0, &replicas);
    for (NodeId peer : replicas) {
      if (peer != context_->self && context_->is_up(peer)) pairs.emplace_back(range, peer);
    }
  }
  if (pairs.empty()) return;
  const auto& [range, peer] = pairs[cursor_++ % pairs.size()];
  StartExchange(range, peer);
}

void AntiEntropy::StartExchange(TokenRange range, NodeId peer) {
  const MerkleTree* tree = context_->store->TreeFor(range);
  if (tree == nullptr) return;
  exchange_ = std::make_unique<Exchange>(context_->NextId(), peer, *tree);
  SendNextRequest();
}

void AntiEntropy::ArmTimeout() {
  context_->clock->Cancel(exchange_->timer);
  const uint64_t id = exchange_->id;
  exchange_->timer = context_->clock->Schedule(round_timeout_micros_, [this, id] {
    if (exchange_ == nullptr || exchange_->id != id) return;
    exchange_->timer = 0;
    Finish(absl::DeadlineExceededError("no answer in time"));
  });
}

void AntiEntropy::SendNextRequest() {
  context_->send(exchange_->peer, EncodeMessage(MerkleRequestMessage{
                                      exchange_->id, exchange_->exchange.NextRequest()}));
  ArmTimeout();
}

bool AntiEntropy::HandleMerkleResponse(NodeId from, const MerkleResponseMessage& message) {
  if (exchange_ == nullptr || exchange_->id != message.exchange_id || exchange_->peer != from ||
      !exchange_->keys.empty() || exchange_->exchange.done()) {
    return false;
  }
  if (!message.status.ok()) {
    Finish(message.status);
    return true;
  }
  std::unique_ptr<Iterator> local = context_->store->NewDataIterator();
  if (absl::Status s = exchange_->exchange.HandleResponse(message.response, local.get()); !s.ok()) {
    Finish(s);
    return true;
  }
  if (!exchange_->exchange.done()) {
    SendNextRequest();
    return true;
  }
  const MerkleExchange::Stats& stats = exchange_->exchange.stats();
  context_->stats->anti_entropy_hashes += stats.tree_hashes + stats.entry_hashes;
  if (exchange_->exchange.differing_keys().empty()) {
    Finish(absl::OkStatus());
  } else {
    SendKeyStates();
  }
  return true;
}

void AntiEntropy::SendKeyStates() {
  const std::vector<std::string>& differing = exchange_->exchange.differing_keys();
  const size_t count = std::min(differing.size(), max_keys_);
  KeyStatesRequest request{exchange_->id, {}};
  for (size_t i = 0; i < count; ++i) {
    absl::StatusOr<DvvSet> state = context_->store->Read(differing[i]);
    if (!state.ok()) continue;  // a damaged key is left for an operator; the rest go on
    exchange_->keys.push_back(differing[i]);
    request.entries.push_back(KeyState{differing[i], *std::move(state)});
  }
  if (request.entries.empty()) {
    Finish(absl::OkStatus());
    return;
  }
  context_->stats->anti_entropy_keys_sent += request.entries.size();
  context_->send(exchange_->peer, EncodeMessage(request));
  ArmTimeout();
}

bool AntiEntropy::HandleKeyStatesResponse(NodeId from, const KeyStatesResponse& message) {
  if (exchange_ == nullptr || exchange_->id != message.exchange_id || exchange_->peer != from ||
      exchange_->keys.empty()) {
    return false;
  }
  for (const KeyState& entry : message.entries) {
    // Only the keys asked about are taken.
    if (!std::binary_search(exchange_->keys.begin(), exchange_->keys.end(), entry.key)) continue;
    bool changed = false;
    if (context_->store->Apply(entry.key, entry.state, &changed).ok() && changed) {
      ++context_->stats->anti_entropy_keys_repaired;
    }
  }
  Finish(absl::OkStatus());
  return true;
}

void AntiEntropy::Finish(const absl::Status& status) {
  std::unique_ptr<Exchange> exchange = std::move(exchange_);
  context_->clock->Cancel(exchange->timer);
  if (status.ok()) {
    ++context_->stats->anti_entropy_exchanges;
    if (!exchange->keys.empty()) {
      const MerkleExchange::Stats& stats = exchange->exchange.stats();
      context_->trace(absl::StrFormat(
          "node %d: anti-entropy with node %d over %s: %d keys differed (%d hashes received)",
          context_->self, exchange->peer, exchange->tree.range().ToString(), exchange->keys.size(),
          stats.tree_hashes + stats.entry_hashes));
    }
  }
}

void AntiEntropy::AnswerMerkleRequest(NodeId from, const MerkleRequestMessage& message) {
  MerkleResponseMessage answer{message.exchange_id, absl::OkStatus(), {}};
  const MerkleTree* tree = context_->store->TreeFor(message.request.range);
  if (tree == nullptr) {
    answer.status = absl::FailedPreconditionError(absl::StrCat(
        "node ", context_->self, " keeps no tree for range ", message.request.range.ToString()));
  } else {
    std::unique_ptr<Iterator> data = context_->store->NewDataIterator();
    absl::StatusOr<MerkleResponse> response =
        ::kvlsm::cluster::AnswerMerkleRequest(*tree, message.request, data.get());
    if (response.ok()) {
      answer.response = *std::move(response);
    } else {
      answer.status = response.status();
    }
  }
  context_->send(from, EncodeMessage(answer));
}

void AntiEntropy::AnswerKeyStates(NodeId from, const KeyStatesRequest& message) {
  KeyStatesResponse answer{message.exchange_id, {}};
  for (const KeyState& entry : message.entries) {
    if (!context_->store->Replicates(entry.key)) continue;
    bool changed = false;
    absl::StatusOr<DvvSet> joined = context_->store->Apply(entry.key, entry.state, &changed);
    if (!joined.ok()) continue;
    if (changed) ++context_->stats->anti_entropy_keys_repaired;
    answer.entries.push_back(KeyState{entry.key, *std::move(joined)});
  }
  context_->stats->anti_entropy_keys_sent += answer.entries.size();
  context_->send(from, EncodeMessage(answer));
}

}  // namespace kvlsm::cluster
