#include "cluster/range_streamer.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_format.h"

namespace kvlsm::cluster {
namespace {

constexpr int kMaxAttempts = 10;

}  // namespace

RangeStreamer::RangeStreamer(NodeContext* context, size_t batch_bytes, uint64_t timeout_micros)
    : context_(context), batch_bytes_(batch_bytes), timeout_micros_(timeout_micros) {}

RangeStreamer::~RangeStreamer() {
  for (auto& [id, stream] : streams_) context_->clock->Cancel(stream.timer);
}

void RangeStreamer::Start(const std::vector<RangeTransfer>& transfers) {
  std::map<NodeId, std::vector<TokenRange>> by_destination;
  for (const RangeTransfer& transfer : transfers) {
    if (transfer.from == context_->self && transfer.to != context_->self) {
      by_destination[transfer.to].push_back(transfer.range);
    }
  }
  for (auto& [to, ranges] : by_destination) {
    const uint64_t id = context_->NextId();
    Stream& stream = streams_[id];
    stream.to = to;
    stream.ranges = std::move(ranges);
    ++context_->stats->streams_started;
    context_->trace(absl::StrFormat("node %d: streaming %d ranges to node %d", context_->self,
                                    stream.ranges.size(), to));
    SendNext(id);
  }
}

void RangeStreamer::SendNext(uint64_t id) {
  Stream& stream = streams_.at(id);
  StreamBatch batch{id, ++stream.sequence, false, {}};
  stream.pending_keys.clear();
  size_t bytes = 0;
  std::unique_ptr<Iterator> it = context_->store->NewDataIterator();
  if (stream.scanned_any) {
    it->Seek(stream.resume_after);
    if (it->Valid() && it->key() == stream.resume_after) it->Next();
  } else {
    it->SeekToFirst();
  }
  for (; it->Valid() && bytes < batch_bytes_; it->Next()) {
    stream.resume_after.assign(it->key().data(), it->key().size());
    stream.scanned_any = true;
    const Token token = KeyToken(it->key());
    if (std::none_of(stream.ranges.begin(), stream.ranges.end(),
                     [token](const TokenRange& r) { return r.Contains(token); })) {
      continue;
    }
    absl::StatusOr<DvvSet> state = DvvSet::Decode(it->value());
    if (!state.ok()) continue;  // damaged: not spread; Read reports it locally
    bytes += it->key().size() + it->value().size();
    batch.entries.push_back(KeyState{std::string(it->key()), *std::move(state)});
    stream.pending_keys.push_back({std::string(it->key()), std::string(it->value())});
  }
  batch.last = !it->Valid();
  context_->stats->stream_keys_sent += batch.entries.size();
  stream.pending = EncodeMessage(batch);
  stream.pending_last = batch.last;
  stream.attempts = 0;
  SendPending(id);
}

void RangeStreamer::SendPending(uint64_t id) {
  Stream& stream = streams_.at(id);
  if (++stream.attempts > kMaxAttempts) {
    context_->trace(
        absl::StrFormat("node %d: stream to node %d abandoned (anti-entropy will "
                        "copy the rest)",
                        context_->self, stream.to));
    abandoned_.insert(abandoned_.end(), stream.ranges.begin(), stream.ranges.end());
    streams_.erase(id);
    return;
  }
  context_->send(stream.to, stream.pending);
  stream.timer = context_->clock->Schedule(timeout_micros_, [this, id] {
    auto it = streams_.find(id);
    if (it == streams_.end()) return;
    it->second.timer = 0;
    SendPending(id);
  });
}

bool RangeStreamer::HandleAck(NodeId from, const StreamAck& ack) {
  auto it = streams_.find(ack.stream_id);
  if (it == streams_.end()) return false;
  Stream& stream = it->second;
  if (from != stream.to || ack.sequence != stream.sequence || !ack.status.ok()) return true;
  context_->clock->Cancel(stream.timer);
  stream.timer = 0;
  DropAcknowledged(ack.stream_id);
  if (!stream.pending_last) {
    SendNext(ack.stream_id);
    return true;
  }
  ++context_->stats->streams_completed;
  context_->trace(
      absl::StrFormat("node %d: finished streaming to node %d", context_->self, stream.to));
  streams_.erase(it);
  return true;
}

void RangeStreamer::DropAcknowledged(uint64_t id) {
  Stream& stream = streams_.at(id);
  std::vector<ReplicaStore::HandedOff> candidates;
  for (ReplicaStore::HandedOff& key : stream.pending_keys) {
    if (!CoveredElsewhere(KeyToken(key.key), id)) candidates.push_back(std::move(key));
  }
  stream.pending_keys.clear();
  absl::StatusOr<size_t> dropped = context_->store->DropHandedOff(candidates, context_->self);
  if (!dropped.ok()) {
    // Keeping data is always safe; the next ring change or a restart does not retry it.
    context_->trace(absl::StrFormat("node %d: keeping %d handed-off keys: %s", context_->self,
                                    candidates.size(), dropped.status().ToString()));
    return;
  }
  context_->stats->stream_keys_dropped += *dropped;
}

bool RangeStreamer::CoveredElsewhere(Token token, uint64_t except) const {
  const auto covers = [token](const TokenRange& r) { return r.Contains(token); };
  for (const auto& [id, stream] : streams_) {
    if (id != except && std::any_of(stream.ranges.begin(), stream.ranges.end(), covers)) {
      return true;
    }
  }
  return std::any_of(abandoned_.begin(), abandoned_.end(), covers);
}

void RangeStreamer::HandleBatch(NodeId from, const StreamBatch& batch) {
  absl::Status status;
  for (const KeyState& entry : batch.entries) {
    absl::StatusOr<DvvSet> joined = context_->store->Apply(entry.key, entry.state);
    if (!joined.ok()) {
      status = joined.status();
      break;
    }
    ++context_->stats->stream_keys_received;
  }
  context_->send(from, EncodeMessage(StreamAck{batch.stream_id, batch.sequence, status}));
}

}  // namespace kvlsm::cluster
