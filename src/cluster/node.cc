// Node: the message dispatch, the replica side of reads and writes, ring changes and
// liveness. The protocols live in their own files: coordinator, hinted_handoff,
// anti_entropy, range_streamer (docs/cluster.md, "Node").
#include "kvlsm/cluster/node.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "cluster/anti_entropy.h"
#include "cluster/coordinator.h"
#include "cluster/hint_store.h"
#include "cluster/hinted_handoff.h"
#include "cluster/messages.h"
#include "cluster/node_context.h"
#include "cluster/range_streamer.h"
#include "cluster/replica_store.h"

namespace kvlsm::cluster {

absl::Status NodeOptions::Validate() const {
  auto bad = [](const char* field, const char* why) {
    return absl::InvalidArgumentError(absl::StrCat("NodeOptions::", field, " ", why));
  };
  if (path.empty()) return bad("path", "is empty");
  if (absl::Status s = merkle.Validate(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("NodeOptions::merkle: ", s.message()));
  }
  if (request_timeout_micros == 0) return bad("request_timeout_micros", "is 0");
  if (hint_replay_interval_micros == 0) return bad("hint_replay_interval_micros", "is 0");
  if (hint_replay_batch == 0) return bad("hint_replay_batch", "is 0");
  if (anti_entropy_max_keys == 0) return bad("anti_entropy_max_keys", "is 0");
  if (stream_batch_bytes == 0) return bad("stream_batch_bytes", "is 0");
  return absl::OkStatus();
}

class Node::Impl {
 public:
  Impl(const NodeOptions& options, Ring ring, Transport* transport)
      : options_(options), ring_(std::move(ring)), transport_(transport) {}

  absl::Status Open(Clock* clock) {
    ReplicaStoreOptions store_options;
    store_options.path = options_.path;
    store_options.env = options_.env;
    store_options.sync = options_.sync_writes;
    store_options.write_buffer_size = options_.write_buffer_size;
    store_options.merkle = options_.merkle;
    absl::StatusOr<std::unique_ptr<ReplicaStore>> store = ReplicaStore::Open(store_options);
    if (!store.ok()) return store.status();
    store_ = *std::move(store);
    HintStoreOptions hint_options{options_.max_hint_bytes, options_.max_hint_age_micros};
    absl::StatusOr<std::unique_ptr<HintStore>> hints =
        HintStore::Open(store_->db(), store_->write_options(), hint_options, clock->NowMicros());
    if (!hints.ok()) return hints.status();
    hints_ = *std::move(hints);
    if (absl::Status s = store_->SetRanges(MyRanges()); !s.ok()) return s;

    context_.self = options_.id;
    context_.clock = clock;
    context_.store = store_.get();
    context_.hints = hints_.get();
    context_.ring = &ring_;
    context_.stats = &stats_;
    context_.send = [this](NodeId to, std::string bytes) {
      transport_->Send(to, std::move(bytes));
    };
    context_.is_up = [this](NodeId node) { return IsPeerUp(node); };
    context_.trace = [this](const std::string& line) {
      if (options_.trace) options_.trace(line);
    };
    const uint64_t timeout = options_.request_timeout_micros;
    coordinator_ = std::make_unique<Coordinator>(&context_, timeout);
    handoff_ = std::make_unique<HintedHandoff>(&context_, options_.hint_replay_interval_micros,
                                               options_.hint_replay_batch, timeout);
    anti_entropy_ = std::make_unique<AntiEntropy>(&context_, options_.anti_entropy_interval_micros,
                                                  options_.anti_entropy_max_keys, timeout);
    streamer_ = std::make_unique<RangeStreamer>(&context_, options_.stream_batch_bytes, timeout);
    handoff_->Start();
    anti_entropy_->Start();
    return absl::OkStatus();
  }

  // The token ranges (one per ring token) this node replicates.
  std::vector<TokenRange> MyRanges() const {
    std::vector<TokenRange> ranges;
    const std::vector<std::pair<Token, NodeId>> owners = ring_.TokenOwners();
    const size_t n = static_cast<size_t>(ring_.options().replication_factor);
    std::vector<NodeId> replicas;
    for (size_t i = 0; i < owners.size(); ++i) {
      const Token end = owners[i].first;
      const Token start = owners[(i + owners.size() - 1) % owners.size()].first;
      ring_.PreferenceListForToken(end, n, 0, &replicas);
      if (std::find(replicas.begin(), replicas.end(), options_.id) != replicas.end()) {
        ranges.push_back(TokenRange{start, end});
      }
    }
    return ranges;
  }

  absl::Status Receive(NodeId from, std::string_view bytes) {
    absl::Status s = Dispatch(from, bytes);
    if (!s.ok()) ++stats_.messages_rejected;
    return s;
  }

  absl::Status Dispatch(NodeId from, std::string_view bytes) {
    absl::StatusOr<Envelope> envelope = ParseEnvelope(bytes);
    if (!envelope.ok()) return envelope.status();
    const std::string_view payload = envelope->payload;
    switch (static_cast<MessageType>(envelope->type)) {
      case MessageType::kReadRequest:
        return Handle(DecodeReadRequest(payload), [&](const ReadRequest& m) {
          absl::StatusOr<DvvSet> state = Coordinator::ReadForCoordinator(&context_, m.key);
          ReadResponse response{m.request_id, state.status(), {}};
          if (state.ok()) response.state = *std::move(state);
          transport_->Send(from, EncodeMessage(response));
        });
      case MessageType::kReadResponse:
        return Handle(DecodeReadResponse(payload),
                      [&](const ReadResponse& m) { coordinator_->HandleReadResponse(from, m); });
      case MessageType::kWriteRequest:
        return Handle(DecodeWriteRequest(payload), [&](const WriteRequest& m) {
          absl::Status stored = Coordinator::StoreWrite(&context_, m.hint_for, m.key, m.state);
          transport_->Send(from, EncodeMessage(WriteResponse{m.request_id, stored}));
        });
      case MessageType::kWriteResponse:
        return Handle(DecodeWriteResponse(payload), [&](const WriteResponse& m) {
          if (!coordinator_->HandleWriteResponse(from, m)) handoff_->HandleWriteResponse(from, m);
        });
      case MessageType::kRepairWrite:
        return Handle(DecodeRepairWrite(payload), [&](const RepairWrite& m) {
          // A repair for a key this node does not replicate (its ring is behind or ahead)
          // is dropped: anti-entropy settles it once the rings agree.
          if (store_->Replicates(m.key)) (void)store_->Apply(m.key, m.state);
        });
      case MessageType::kStreamBatch:
        return Handle(DecodeStreamBatch(payload),
                      [&](const StreamBatch& m) { streamer_->HandleBatch(from, m); });
      case MessageType::kStreamAck:
        return Handle(DecodeStreamAck(payload),
                      [&](const StreamAck& m) { streamer_->HandleAck(from, m); });
      case MessageType::kMerkleRequest:
        return Handle(DecodeMerkleRequestMessage(payload), [&](const MerkleRequestMessage& m) {
          anti_entropy_->AnswerMerkleRequest(from, m);
        });
      case MessageType::kMerkleResponse:
        return Handle(DecodeMerkleResponseMessage(payload), [&](const MerkleResponseMessage& m) {
          anti_entropy_->HandleMerkleResponse(from, m);
        });
      case MessageType::kKeyStatesRequest:
        return Handle(DecodeKeyStatesRequest(payload),
                      [&](const KeyStatesRequest& m) { anti_entropy_->AnswerKeyStates(from, m); });
      case MessageType::kKeyStatesResponse:
        return Handle(DecodeKeyStatesResponse(payload), [&](const KeyStatesResponse& m) {
          anti_entropy_->HandleKeyStatesResponse(from, m);
        });
    }
    if (IsMembershipType(envelope->type)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "message of type ", envelope->type, " from node ", from,
          " is a membership message (types 32-63), which Node::Receive does not handle: "
          "the application must route every message for which "
          "Membership::IsMembershipMessage(bytes) is true to Membership::Receive"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("message of unknown type ", envelope->type, " from node ", from));
  }

  template <typename T, typename F>
  static absl::Status Handle(absl::StatusOr<T> decoded, F&& handler) {
    if (!decoded.ok()) return decoded.status();
    handler(*decoded);
    return absl::OkStatus();
  }

  absl::Status SetRing(Ring ring) {
    if (ring.options().replication_factor != ring_.options().replication_factor) {
      return absl::InvalidArgumentError(
          absl::StrCat("SetRing: replication factor ", ring.options().replication_factor,
                       " differs from ", ring_.options().replication_factor));
    }
    const std::vector<RangeTransfer> transfers = Ring::Transfers(ring_, ring);
    ring_ = std::move(ring);
    if (absl::Status s = store_->SetRanges(MyRanges()); !s.ok()) return s;
    streamer_->Start(transfers);
    return absl::OkStatus();
  }

  void SetPeerUp(NodeId peer, bool up) {
    if (peer == options_.id) return;
    if (!up) {
      down_.insert(peer);
      return;
    }
    if (down_.erase(peer) != 0) handoff_->ReplayTo(peer);
  }

  bool IsPeerUp(NodeId peer) const { return down_.count(peer) == 0; }

  std::vector<std::pair<TokenRange, uint64_t>> MerkleRoots() const {
    std::vector<std::pair<TokenRange, uint64_t>> roots;
    for (const TokenRange& range : store_->ranges()) {
      roots.emplace_back(range, store_->TreeFor(range)->RootHash());
    }
    return roots;
  }

  absl::StatusOr<std::vector<std::pair<std::string, DvvSet>>> LocalContents() {
    std::vector<std::pair<std::string, DvvSet>> contents;
    std::unique_ptr<Iterator> it = store_->NewDataIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StatusOr<DvvSet> state = DvvSet::Decode(it->value());
      if (!state.ok()) {
        return absl::DataLossError(absl::StrCat("stored state of key \"", PrintableKey(it->key()),
                                                "\": ", state.status().message()));
      }
      contents.emplace_back(std::string(it->key()), *std::move(state));
    }
    if (absl::Status s = it->status(); !s.ok()) return s;
    return contents;
  }

  // Destroyed first (they hold timers and callbacks), then the stores.
  void Shutdown() {
    streamer_.reset();
    anti_entropy_.reset();
    handoff_.reset();
    coordinator_.reset();
  }

  NodeOptions options_;
  Ring ring_;
  Transport* transport_;
  NodeStats stats_;
  std::set<NodeId> down_;
  NodeContext context_;
  std::unique_ptr<ReplicaStore> store_;
  std::unique_ptr<HintStore> hints_;
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<HintedHandoff> handoff_;
  std::unique_ptr<AntiEntropy> anti_entropy_;
  std::unique_ptr<RangeStreamer> streamer_;
};

absl::StatusOr<std::unique_ptr<Node>> Node::Open(const NodeOptions& options, Ring ring,
                                                 Clock* clock, Transport* transport) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  auto impl = std::make_unique<Impl>(options, std::move(ring), transport);
  if (absl::Status s = impl->Open(clock); !s.ok()) return s;
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() { impl_->Shutdown(); }

absl::Status Node::Receive(NodeId from, std::string_view bytes) {
  return impl_->Receive(from, bytes);
}

void Node::Get(std::string key, const GetOptions& options,
               std::function<void(absl::StatusOr<Siblings>)> done) {
  impl_->coordinator_->Get(std::move(key), options, std::move(done));
}

void Node::Put(std::string key, const Context& context, std::string value,
               const PutOptions& options, std::function<void(absl::StatusOr<Context>)> done) {
  impl_->coordinator_->Put(std::move(key), context, std::move(value), options, std::move(done));
}

void Node::Delete(std::string key, const Context& context, const PutOptions& options,
                  std::function<void(absl::Status)> done) {
  impl_->coordinator_->Delete(std::move(key), context, options, std::move(done));
}

absl::Status Node::SetRing(Ring ring) { return impl_->SetRing(std::move(ring)); }
const Ring& Node::ring() const { return impl_->ring_; }
void Node::SetPeerUp(NodeId peer, bool up) { impl_->SetPeerUp(peer, up); }
bool Node::IsPeerUp(NodeId peer) const { return impl_->IsPeerUp(peer); }
NodeId Node::id() const { return impl_->options_.id; }
const NodeStats& Node::stats() const { return impl_->stats_; }
std::vector<std::pair<TokenRange, uint64_t>> Node::MerkleRoots() const {
  return impl_->MerkleRoots();
}
absl::StatusOr<DvvSet> Node::LocalState(std::string_view key) { return impl_->store_->Read(key); }
absl::StatusOr<std::vector<std::pair<std::string, DvvSet>>> Node::LocalContents() {
  return impl_->LocalContents();
}
size_t Node::hint_count() const { return impl_->hints_->count(); }
size_t Node::streams_in_progress() const { return impl_->streamer_->in_progress(); }

}  // namespace kvlsm::cluster
