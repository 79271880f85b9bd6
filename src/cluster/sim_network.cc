// The simulated network: one ordered queue of events in virtual time.
//
// Events are timers (owned by a node and by its incarnation, so a crash silences them),
// message deliveries (checked again on arrival: the destination must still be the same
// incarnation, attached and reachable) and script callbacks. The queue is ordered by
// (true time, sequence number), so equal times run in scheduling order and a run is a
// function of the seed and the application's calls alone. Links and partitions are kept
// by SimLinkTable (sim_link_table.h), each node's skewed local time by SkewedClock
// (skewed_clock.h).
#include "kvlsm/cluster/sim_network.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "cluster/sim_link_table.h"
#include "cluster/skewed_clock.h"
#include "util/random.h"

namespace kvlsm::cluster {

namespace {

constexpr double kMaxDriftPpm = 100000.0;

}  // namespace

absl::Status SimNetworkOptions::Validate() const {
  if (absl::Status s = default_link.Validate(); !s.ok()) return s;
  if (max_clock_offset_micros > kMaxLatencyMicros) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "SimNetworkOptions::max_clock_offset_micros = %d: at most one hour",
        max_clock_offset_micros));
  }
  if (!(max_clock_drift_ppm >= 0.0 && max_clock_drift_ppm <= kMaxDriftPpm)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "SimNetworkOptions::max_clock_drift_ppm = %g: must lie in [0, 100000]",
        max_clock_drift_ppm));
  }
  return absl::OkStatus();
}

class SimNetwork::Impl {
 public:
  struct NodeState;

  // A node's view of time: skewed virtual time and timers.
  class NodeClock final : public Clock {
   public:
    NodeClock(Impl* impl, NodeState* node) : impl_(impl), node_(node) {}
    uint64_t NowMicros() override { return impl_->LocalNow(node_); }
    TimerId Schedule(uint64_t delay_micros, std::function<void()> callback) override {
      return impl_->ScheduleTimer(node_, delay_micros, std::move(callback));
    }
    void Cancel(TimerId id) override { impl_->CancelTimer(id); }

   private:
    Impl* const impl_;
    NodeState* const node_;
  };

  class NodeTransport final : public Transport {
   public:
    NodeTransport(Impl* impl, NodeState* node) : impl_(impl), node_(node) {}
    void Send(NodeId to, std::string bytes) override {
      impl_->SendMessage(node_, to, std::move(bytes));
    }

   private:
    Impl* const impl_;
    NodeState* const node_;
  };

  struct NodeState {
    NodeId id = 0;
    bool up = true;
    uint64_t incarnation = 0;  // bumped by every crash
    DeliverFn deliver;
    std::function<void()> on_crash;
    std::unique_ptr<Env> memory;
    std::unique_ptr<FaultInjectionEnv> env;
    std::unique_ptr<NodeClock> clock;
    std::unique_ptr<NodeTransport> transport;
    SkewedClock local_time;
  };

  enum class EventKind { kTimer, kMessage, kScript };
  struct Event {
    EventKind kind = EventKind::kScript;
    NodeId node = 0;           // timer owner or message destination
    uint64_t incarnation = 0;  // of `node` when scheduled
    NodeId from = 0;           // messages
    std::string bytes;         // messages
    Clock::TimerId timer = 0;  // timers
    std::function<void()> callback;
  };
  using EventKey = std::pair<uint64_t, uint64_t>;  // (true time, sequence)

  explicit Impl(SimNetworkOptions options)
      : options_(std::move(options)),
        random_(options_.seed),
        links_(options_.default_link, &random_, [this](const std::string& line) { Trace(line); }) {}

  // ---- Nodes ----

  absl::Status AddNode(NodeId id) {
    if (nodes_.count(id) != 0) {
      return absl::AlreadyExistsError(absl::StrFormat("SimNetwork: node %d already added", id));
    }
    auto node = std::make_unique<NodeState>();
    node->id = id;
    node->memory = NewMemEnv();
    node->env = std::make_unique<FaultInjectionEnv>(node->memory.get());
    node->clock = std::make_unique<NodeClock>(this, node.get());
    node->transport = std::make_unique<NodeTransport>(this, node.get());
    const uint64_t offset = options_.max_clock_offset_micros == 0
                                ? 0
                                : random_.Uniform(options_.max_clock_offset_micros + 1);
    const double drift = options_.max_clock_drift_ppm == 0
                             ? 0
                             : (2 * Uniform01(&random_) - 1) * options_.max_clock_drift_ppm;
    node->local_time.Reset(now_, static_cast<double>(now_ + offset), 1.0 + drift / 1e6);
    nodes_.emplace(id, std::move(node));
    links_.AddNode(id);
    return absl::OkStatus();
  }

  NodeState* Find(NodeId id) const {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : it->second.get();
  }

  absl::StatusOr<NodeState*> FindOrError(NodeId id, const char* operation) const {
    NodeState* node = Find(id);
    if (node == nullptr) {
      return absl::NotFoundError(absl::StrFormat("SimNetwork::%s: unknown node %d", operation, id));
    }
    return node;
  }

  absl::Status Attach(NodeId id, DeliverFn deliver, std::function<void()> on_crash) {
    absl::StatusOr<NodeState*> node = FindOrError(id, "Attach");
    if (!node.ok()) return node.status();
    if (!(*node)->up) {
      return absl::FailedPreconditionError(
          absl::StrFormat("SimNetwork::Attach: node %d is down; Restart it first", id));
    }
    (*node)->deliver = std::move(deliver);
    (*node)->on_crash = std::move(on_crash);
    return absl::OkStatus();
  }

  void Detach(NodeId id) {
    if (NodeState* node = Find(id)) {
      node->deliver = nullptr;
      node->on_crash = nullptr;
    }
  }

  absl::Status Crash(NodeId id) {
    absl::StatusOr<NodeState*> found = FindOrError(id, "Crash");
    if (!found.ok()) return found.status();
    NodeState* node = *found;
    if (!node->up) {
      return absl::FailedPreconditionError(
          absl::StrFormat("SimNetwork::Crash: node %d is already down", id));
    }
    node->up = false;
    node->incarnation++;
    node->deliver = nullptr;
    // Its timers and the messages in flight to it die with the process.
    for (auto it = queue_.begin(); it != queue_.end();) {
      const Event& event = it->second;
      if (event.node == id && event.kind != EventKind::kScript) {
        if (event.kind == EventKind::kTimer) timers_.erase(event.timer);
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    Trace(absl::StrFormat("crash node %d", id));
    absl::Status s = node->env->DropUnsyncedData();
    std::function<void()> on_crash = std::move(node->on_crash);
    node->on_crash = nullptr;
    if (on_crash) on_crash();
    if (!s.ok()) {
      return absl::Status(
          s.code(),
          absl::StrFormat("SimNetwork::Crash(%d): dropping unsynced data: %s", id, s.message()));
    }
    return absl::OkStatus();
  }

  absl::Status Restart(NodeId id) {
    absl::StatusOr<NodeState*> node = FindOrError(id, "Restart");
    if (!node.ok()) return node.status();
    if ((*node)->up) {
      return absl::FailedPreconditionError(
          absl::StrFormat("SimNetwork::Restart: node %d is up", id));
    }
    (*node)->up = true;
    Trace(absl::StrFormat("restart node %d", id));
    return absl::OkStatus();
  }

  // ---- Clocks and timers ----

  uint64_t LocalNow(NodeState* node) { return node->local_time.Read(now_); }

  absl::Status SetClockSkew(NodeId id, int64_t offset_micros, double drift_ppm) {
    absl::StatusOr<NodeState*> node = FindOrError(id, "SetClockSkew");
    if (!node.ok()) return node.status();
    if (!(std::abs(drift_ppm) <= kMaxDriftPpm)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "SimNetwork::SetClockSkew: drift %g ppm beyond +-100000", drift_ppm));
    }
    if (std::llabs(offset_micros) > static_cast<int64_t>(kMaxLatencyMicros)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "SimNetwork::SetClockSkew: offset %d us beyond one hour", offset_micros));
    }
    (*node)->local_time.Reset(now_, static_cast<double>(now_) + static_cast<double>(offset_micros),
                              1.0 + drift_ppm / 1e6);
    return absl::OkStatus();
  }

  Clock::TimerId ScheduleTimer(NodeState* node, uint64_t delay_micros,
                               std::function<void()> callback) {
    const Clock::TimerId id = next_timer_id_++;
    if (!node->up) return id;  // a dead process schedules nothing
    // The first true time at which the local clock reads at least now + delay.
    const double target = static_cast<double>(LocalNow(node)) + static_cast<double>(delay_micros);
    const uint64_t at = node->local_time.FirstTrueTimeReading(now_, target);
    Event event;
    event.kind = EventKind::kTimer;
    event.node = node->id;
    event.incarnation = node->incarnation;
    event.timer = id;
    event.callback = std::move(callback);
    timers_[id] = Push(at, std::move(event));
    return id;
  }

  void CancelTimer(Clock::TimerId id) {
    auto it = timers_.find(id);
    if (it == timers_.end()) return;
    queue_.erase(it->second);
    timers_.erase(it);
  }

  void ScheduleAfter(uint64_t delay_micros, std::function<void()> callback) {
    Event event;
    event.kind = EventKind::kScript;
    event.callback = std::move(callback);
    Push(now_ + delay_micros, std::move(event));
  }

  // ---- Messages ----

  bool CanReach(NodeId from, NodeId to) const {
    const NodeState* a = Find(from);
    const NodeState* b = Find(to);
    return a != nullptr && b != nullptr && a->up && b->up && !links_.Cut(from, to);
  }

  void SendMessage(NodeState* sender, NodeId to, std::string bytes) {
    if (!sender->up) return;
    stats_.messages_sent++;
    const NodeState* receiver = Find(to);
    if (receiver == nullptr || !receiver->up) {
      stats_.messages_to_down++;
      return;
    }
    if (links_.Cut(sender->id, to)) {
      stats_.messages_cut++;
      return;
    }
    const SimLink& link = links_.LinkFor(sender->id, to);
    if (link.loss > 0 && Uniform01(&random_) < link.loss) {
      stats_.messages_lost++;
      return;
    }
    const bool duplicate = link.duplicate > 0 && Uniform01(&random_) < link.duplicate;
    Event event;
    event.kind = EventKind::kMessage;
    event.node = to;
    event.incarnation = receiver->incarnation;
    event.from = sender->id;
    if (duplicate) {
      stats_.messages_duplicated++;
      Event copy = event;
      copy.bytes = bytes;
      Push(now_ + links_.DrawLatency(link), std::move(copy));
    }
    event.bytes = std::move(bytes);
    Push(now_ + links_.DrawLatency(link), std::move(event));
  }

  void Trace(const std::string& line) const {
    if (!options_.trace) return;
    options_.trace(absl::StrFormat("[%d.%06ds] %s", now_ / 1000000, now_ % 1000000, line));
  }

  std::vector<NodeId> NodeIds() const {
    std::vector<NodeId> ids;
    for (const auto& [id, node] : nodes_) ids.push_back(id);
    return ids;
  }
  // ---- The loop ----

  EventKey Push(uint64_t at, Event event) {
    const EventKey key{at, next_sequence_++};
    queue_.emplace(key, std::move(event));
    return key;
  }

  // Runs the earliest event. REQUIRES: !queue_.empty().
  void RunOne() {
    auto handle = queue_.extract(queue_.begin());
    now_ = std::max(now_, handle.key().first);
    Event& event = handle.mapped();
    stats_.events++;
    switch (event.kind) {
      case EventKind::kScript:
        event.callback();
        return;
      case EventKind::kTimer: {
        timers_.erase(event.timer);
        const NodeState* node = Find(event.node);
        if (node == nullptr || !node->up || node->incarnation != event.incarnation) return;
        stats_.timers_fired++;
        event.callback();
        return;
      }
      case EventKind::kMessage: {
        NodeState* node = Find(event.node);
        if (node == nullptr || !node->up || node->incarnation != event.incarnation ||
            !node->deliver) {
          stats_.messages_to_down++;
          return;
        }
        if (links_.Cut(event.from, event.node)) {
          stats_.messages_cut++;
          return;
        }
        stats_.messages_delivered++;
        // A copy: the callback may replace the node's callback (a restart inside it).
        DeliverFn deliver = node->deliver;
        deliver(event.from, std::move(event.bytes));
        return;
      }
    }
  }

  bool NextDueBy(uint64_t end) const {
    return !queue_.empty() && queue_.begin()->first.first <= end;
  }

  void RunFor(uint64_t micros) {
    const uint64_t end = now_ + micros;
    while (NextDueBy(end)) RunOne();
    now_ = end;
  }

  bool RunUntil(const std::function<bool()>& done, uint64_t max_micros) {
    const uint64_t end = now_ + max_micros;
    while (!done()) {
      if (!NextDueBy(end)) {
        now_ = end;
        return done();
      }
      RunOne();
    }
    return true;
  }

  bool RunUntilIdle(uint64_t max_micros) {
    const uint64_t end = now_ + max_micros;
    while (!queue_.empty()) {
      if (!NextDueBy(end)) {
        now_ = end;
        return false;
      }
      RunOne();
    }
    return true;
  }

  SimNetworkOptions options_;
  Random random_;
  SimLinkTable links_;  // draws from random_
  uint64_t now_ = 0;
  uint64_t next_sequence_ = 0;
  Clock::TimerId next_timer_id_ = 1;
  SimNetworkStats stats_;
  std::map<NodeId, std::unique_ptr<NodeState>> nodes_;
  std::map<EventKey, Event> queue_;
  absl::flat_hash_map<Clock::TimerId, EventKey> timers_;
};

absl::StatusOr<std::unique_ptr<SimNetwork>> SimNetwork::New(SimNetworkOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<SimNetwork>(
      new SimNetwork(std::make_unique<Impl>(std::move(options))));
}

SimNetwork::SimNetwork(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimNetwork::~SimNetwork() = default;

uint64_t SimNetwork::seed() const { return impl_->options_.seed; }
std::string SimNetwork::SeedDescription() const {
  return absl::StrFormat("SimNetwork seed %d (replay: KVLSM_TEST_SEED=%d)", seed(), seed());
}

absl::Status SimNetwork::AddNode(NodeId id) { return impl_->AddNode(id); }
Clock* SimNetwork::clock(NodeId id) {
  Impl::NodeState* node = impl_->Find(id);
  return node == nullptr ? nullptr : node->clock.get();
}
Transport* SimNetwork::transport(NodeId id) {
  Impl::NodeState* node = impl_->Find(id);
  return node == nullptr ? nullptr : node->transport.get();
}
FaultInjectionEnv* SimNetwork::env(NodeId id) {
  Impl::NodeState* node = impl_->Find(id);
  return node == nullptr ? nullptr : node->env.get();
}
std::vector<NodeId> SimNetwork::nodes() const { return impl_->NodeIds(); }
bool SimNetwork::IsUp(NodeId id) const {
  const Impl::NodeState* node = impl_->Find(id);
  return node != nullptr && node->up;
}

absl::Status SimNetwork::Attach(NodeId id, DeliverFn deliver, std::function<void()> on_crash) {
  return impl_->Attach(id, std::move(deliver), std::move(on_crash));
}
void SimNetwork::Detach(NodeId id) { impl_->Detach(id); }
absl::Status SimNetwork::Crash(NodeId id) { return impl_->Crash(id); }
absl::Status SimNetwork::Restart(NodeId id) { return impl_->Restart(id); }
absl::Status SimNetwork::SetClockSkew(NodeId id, int64_t offset_micros, double drift_ppm) {
  return impl_->SetClockSkew(id, offset_micros, drift_ppm);
}

absl::Status SimNetwork::SetLink(NodeId from, NodeId to, const SimLink& link) {
  return impl_->links_.SetLink(from, to, link);
}
absl::Status SimNetwork::SetAllLinks(const SimLink& link) {
  return impl_->links_.SetAllLinks(link);
}
absl::Status SimNetwork::Partition(const std::vector<std::vector<NodeId>>& groups) {
  return impl_->links_.Partition(groups);
}
absl::Status SimNetwork::CutLink(NodeId from, NodeId to) {
  return impl_->links_.CutLink(from, to);
}
std::vector<std::vector<NodeId>> SimNetwork::PartitionHalves() {
  return impl_->links_.PartitionHalves();
}
std::vector<std::vector<NodeId>> SimNetwork::PartitionBridge() {
  return impl_->links_.PartitionBridge();
}
std::vector<std::vector<NodeId>> SimNetwork::PartitionRandom() {
  return impl_->links_.PartitionRandom();
}
void SimNetwork::Heal() { impl_->links_.Heal(); }
bool SimNetwork::CanReach(NodeId from, NodeId to) const { return impl_->CanReach(from, to); }

uint64_t SimNetwork::NowMicros() const { return impl_->now_; }
void SimNetwork::ScheduleAfter(uint64_t delay_micros, std::function<void()> callback) {
  impl_->ScheduleAfter(delay_micros, std::move(callback));
}
void SimNetwork::RunFor(uint64_t micros) { impl_->RunFor(micros); }
bool SimNetwork::RunUntil(const std::function<bool()>& done, uint64_t max_micros) {
  return impl_->RunUntil(done, max_micros);
}
bool SimNetwork::RunUntilIdle(uint64_t max_micros) { return impl_->RunUntilIdle(max_micros); }
size_t SimNetwork::pending_events() const { return impl_->queue_.size(); }
const SimNetworkStats& SimNetwork::stats() const { return impl_->stats_; }

}  // namespace kvlsm::cluster
