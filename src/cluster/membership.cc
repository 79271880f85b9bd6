// SWIM membership: probing, suspicion, incarnations and piggybacked dissemination.
//
// State. `members_` is this node's view (self included). `queue_` holds the updates
// still to be piggybacked, each with how often it has been sent. One probe is in flight
// per period (`probe_`); pings this node relays for others' ping-requests wait in
// `relays_`.
//
// Precedence of news about a member (SWIM section 4.2, with kLeft treated like kDown):
//   alive(i)          overrides alive(j), suspect(j), down(j), left(j) when i > j;
//   suspect(i)        overrides alive(j) when i >= j, suspect(j) when i > j;
//   down(i), left(i)  override alive(j) and suspect(j) when i >= j.
// News about self that claims anything but alive at an incarnation >= ours is refuted:
// our incarnation becomes theirs + 1 and alive(ours) is gossiped.
#include "kvlsm/cluster/membership.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_format.h"
#include "cluster/membership_codec.h"
#include "util/random.h"

namespace kvlsm::cluster {

std::string_view MemberStateName(MemberState state) {
  switch (state) {
    case MemberState::kAlive:
      return "alive";
    case MemberState::kSuspect:
      return "suspect";
    case MemberState::kDown:
      return "down";
    case MemberState::kLeft:
      return "left";
  }
  return "unknown";
}

absl::Status MembershipOptions::Validate() const {
  auto bad = [](const std::string& what) {
    return absl::InvalidArgumentError("MembershipOptions::" + what);
  };
  if (protocol_period_micros == 0) return bad("protocol_period_micros must be positive");
  if (ping_timeout_micros == 0 || ping_timeout_micros >= protocol_period_micros) {
    return bad(absl::StrFormat(
        "ping_timeout_micros = %d: must be positive and less than protocol_period_micros (%d)",
        ping_timeout_micros, protocol_period_micros));
  }
  if (indirect_probes < 0 || indirect_probes > 16) {
    return bad(absl::StrFormat("indirect_probes = %d: range [0, 16]", indirect_probes));
  }
  if (suspicion_timeout_micros == 0) return bad("suspicion_timeout_micros must be positive");
  if (max_piggyback < 1 ||
      max_piggyback > static_cast<int>(membership_format::kMaxPiggybackUpdates)) {
    return bad(absl::StrFormat("max_piggyback = %d: range [1, 64]", max_piggyback));
  }
  if (retransmit_multiplier < 1 || retransmit_multiplier > 32) {
    return bad(absl::StrFormat("retransmit_multiplier = %d: range [1, 32]",
                               retransmit_multiplier));
  }
  if (join_retry_micros == 0) return bad("join_retry_micros must be positive");
  if (down_probe_periods < 0) {
    return bad(absl::StrFormat("down_probe_periods = %d: must be >= 0", down_probe_periods));
  }
  return absl::OkStatus();
}

class Membership::Impl {
 public:
  Impl(const MembershipOptions& options, Clock* clock, Transport* transport, Listener listener)
      : options_(options),
        clock_(clock),
        transport_(transport),
        listener_(std::move(listener)),
        random_(options.random_seed != 0 ? options.random_seed
                                         : options.self * 0x9e3779b97f4a7c15ull + 1) {
    members_[options_.self] = {options_.self, MemberState::kAlive, 0};
  }

  ~Impl() {
    for (Clock::TimerId id : timers_) clock_->Cancel(id);
  }

  void Start() {
    Enqueue(members_[options_.self]);
    SendJoin();
    // A random phase, so that the members' periods do not beat in step.
    After(random_.Uniform(options_.protocol_period_micros) + 1, [this] { Tick(); });
  }

  // ---- Receiving ----

  absl::Status Receive(NodeId from, std::string_view bytes) {
    absl::StatusOr<MembershipMessage> message = DecodeMembershipMessage(bytes);
    if (!message.ok()) {
      stats_.messages_rejected++;
      return absl::Status(message.status().code(),
                          absl::StrFormat("from node %d: %s", from, message.status().message()));
    }
    if (from == options_.self) {
      stats_.messages_rejected++;
      return absl::InvalidArgumentError("membership message claiming to come from this node");
    }
    if (left_) {
      // Gone, but still polite: a ping gets an ack carrying the leave.
      if (message->type == MembershipMessageType::kPing) {
        Send(from, MembershipMessageType::kAck, message->seq);
      }
      return absl::OkStatus();
    }
    bool sender_has_stale_news = false;
    for (const Member& update : message->updates) {
      Apply(update);
      if (update.id == options_.self && update.state != MemberState::kAlive &&
          update.incarnation < incarnation()) {
        sender_has_stale_news = true;  // now refuted, or refuted before
      }
    }
    // Correct the sender directly rather than waiting for gossip to reach it.
    if (sender_has_stale_news) Send(from, MembershipMessageType::kGossip, 0, 0, true);
    switch (message->type) {
      case MembershipMessageType::kPing:
        Send(from, MembershipMessageType::kAck, message->seq);
        break;
      case MembershipMessageType::kPingRequest:
        Relay(from, message->seq, message->target);
        break;
      case MembershipMessageType::kAck:
        HandleAck(message->seq);
        break;
      case MembershipMessageType::kJoin:
        SendState(from);
        break;
      case MembershipMessageType::kState:
        joined_ = true;
        break;
      case MembershipMessageType::kGossip:
        break;
    }
    return absl::OkStatus();
  }

  // ---- Leaving and introspection ----

  void Leave() {
    if (left_) return;
    Member& self = members_[options_.self];
    self.state = MemberState::kLeft;
    Enqueue(self);
    // Tell a few members directly; they spread it further.
    std::vector<NodeId> targets = RandomLive({}, std::max(3, options_.indirect_probes));
    for (NodeId target : targets) Send(target, MembershipMessageType::kGossip, 0);
    left_ = true;
    for (Clock::TimerId id : timers_) clock_->Cancel(id);
    timers_.clear();
  }

  std::vector<Member> Members() const {
    std::vector<Member> out;
    for (const auto& [id, member] : members_) out.push_back(member);
    return out;
  }

  std::optional<MemberState> StateOf(NodeId node) const {
    auto it = members_.find(node);
    if (it == members_.end()) return std::nullopt;
    return it->second.state;
  }

  std::vector<NodeId> LiveMembers() const {
    std::vector<NodeId> out;
    for (const auto& [id, member] : members_) {
      if (IsLive(member.state)) out.push_back(id);
    }
    return out;
  }

  uint64_t incarnation() const { return members_.at(options_.self).incarnation; }
  const MembershipStats& stats() const { return stats_; }

 private:
  struct QueuedUpdate {
    Member member;
    int transmits = 0;
  };
  struct Probe {
    uint64_t seq = 0;
    NodeId target = 0;
    uint64_t incarnation = 0;  // of the target when probed
    bool acked = false;
  };
  struct PendingRelay {
    NodeId requester = 0;
    uint64_t requester_seq = 0;
    uint64_t expires_micros = 0;
  };

  static bool IsLive(MemberState state) {
    return state == MemberState::kAlive || state == MemberState::kSuspect;
  }

  // ---- Timers ----

  void After(uint64_t delay, std::function<void()> callback) {
    // The id is only known once scheduled; the wrapper removes it when it fires.
    auto id = std::make_shared<Clock::TimerId>(0);
    *id = clock_->Schedule(delay, [this, id, callback = std::move(callback)] {
      timers_.erase(*id);
      callback();
    });
    timers_.insert(*id);
  }

  // ---- Probing ----

  void Tick() {
    if (left_) return;
    period_++;
    if (!joined_ && clock_->NowMicros() >= next_join_micros_) SendJoin();
    // The previous probe: no ack by now (direct or relayed) makes the target suspect.
    if (probe_.has_value() && !probe_->acked) {
      auto it = members_.find(probe_->target);
      if (it != members_.end() && it->second.state == MemberState::kAlive &&
          it->second.incarnation == probe_->incarnation) {
        Apply({probe_->target, MemberState::kSuspect, probe_->incarnation});
      }
    }
    probe_.reset();
    ExpireRelays();
    if (std::optional<NodeId> target = NextTarget()) {
      probe_ = Probe{++seq_, *target, members_[*target].incarnation, false};
      const uint64_t seq = probe_->seq;
      Send(*target, MembershipMessageType::kPing, seq);
      After(options_.ping_timeout_micros, [this, seq] { PingTimedOut(seq); });
    }
    // A suspect hears of it every period, so that it can refute in time.
    for (const auto& [id, member] : members_) {
      if (member.state == MemberState::kSuspect) Send(id, MembershipMessageType::kGossip, 0);
    }
    if (options_.down_probe_periods > 0 && period_ % options_.down_probe_periods == 0) {
      ProbeOneDownMember();
    }
    After(options_.protocol_period_micros, [this] { Tick(); });
  }

  // Round-robin over a shuffled list of live members, reshuffled after each pass.
  std::optional<NodeId> NextTarget() {
    for (int pass = 0; pass < 2; ++pass) {
      while (next_target_ < targets_.size()) {
        const NodeId id = targets_[next_target_++];
        auto it = members_.find(id);
        if (it != members_.end() && IsLive(it->second.state)) return id;
      }
      targets_.clear();
      for (const auto& [id, member] : members_) {
        if (id != options_.self && IsLive(member.state)) targets_.push_back(id);
      }
      Shuffle(&targets_);
      next_target_ = 0;
      if (targets_.empty()) return std::nullopt;
    }
    return std::nullopt;
  }

  void PingTimedOut(uint64_t seq) {
    if (!probe_.has_value() || probe_->seq != seq || probe_->acked) return;
    for (NodeId relay : RandomLive({probe_->target}, options_.indirect_probes)) {
      stats_.ping_requests_sent++;
      Send(relay, MembershipMessageType::kPingRequest, seq, probe_->target);
    }
  }

  void ProbeOneDownMember() {
    std::vector<NodeId> down;
    for (const auto& [id, member] : members_) {
      if (member.state == MemberState::kDown) down.push_back(id);
    }
    if (down.empty()) return;
    // Its ack is ignored (no probe waits for it); what matters is the news it carries.
    Send(down[random_.Uniform(down.size())], MembershipMessageType::kPing, ++seq_);
  }

  void Relay(NodeId requester, uint64_t requester_seq, NodeId target) {
    if (target == options_.self) {  // odd, but answerable
      Send(requester, MembershipMessageType::kAck, requester_seq);
      return;
    }
    const uint64_t seq = ++seq_;
    relays_[seq] = {requester, requester_seq, clock_->NowMicros() + options_.ping_timeout_micros};
    Send(target, MembershipMessageType::kPing, seq);
  }

  void ExpireRelays() {
    const uint64_t now = clock_->NowMicros();
    for (auto it = relays_.begin(); it != relays_.end();) {
      it = it->second.expires_micros < now ? relays_.erase(it) : std::next(it);
    }
  }

  void HandleAck(uint64_t seq) {
    stats_.acks_received++;
    if (probe_.has_value() && probe_->seq == seq) {
      probe_->acked = true;
      return;
    }
    auto relay = relays_.find(seq);
    if (relay != relays_.end()) {
      Send(relay->second.requester, MembershipMessageType::kAck, relay->second.requester_seq);
      relays_.erase(relay);
    }
  }

  // ---- Joining ----

  void SendJoin() {
    bool sent = false;
    for (NodeId seed : options_.seeds) {
      if (seed == options_.self) continue;
      Send(seed, MembershipMessageType::kJoin, 0);
      sent = true;
    }
    if (!sent) joined_ = true;  // the first node of a cluster
    next_join_micros_ = clock_->NowMicros() + options_.join_retry_micros;
  }

  void SendState(NodeId to) {
    MembershipMessage message;
    message.type = MembershipMessageType::kState;
    for (const auto& [id, member] : members_) {
      if (message.updates.size() == membership_format::kMaxMembers) break;
      message.updates.push_back(member);
    }
    transport_->Send(to, EncodeMembershipMessage(message));
  }

  // ---- News ----

  // Whether news `update` about a member we hold as `known` replaces it.
  static bool Overrides(const Member& update, const Member& known) {
    switch (update.state) {
      case MemberState::kAlive:
        return update.incarnation > known.incarnation;
      case MemberState::kSuspect:
        if (known.state == MemberState::kAlive) return update.incarnation >= known.incarnation;
        if (known.state == MemberState::kSuspect) return update.incarnation > known.incarnation;
        return false;
      case MemberState::kDown:
      case MemberState::kLeft:
        if (IsLive(known.state)) return update.incarnation >= known.incarnation;
        return false;
    }
    return false;
  }

  void Apply(const Member& update) {
    if (update.id == options_.self) {
      Member& self = members_[options_.self];
      if (update.state != MemberState::kAlive && update.incarnation >= self.incarnation &&
          self.state == MemberState::kAlive) {
        self.incarnation = update.incarnation + 1;
        stats_.refutations++;
        Enqueue(self);
      }
      return;
    }
    auto it = members_.find(update.id);
    if (it == members_.end()) {
      if (members_.size() >= membership_format::kMaxMembers) return;
      members_[update.id] = update;
      Changed(update);
      return;
    }
    if (!Overrides(update, it->second)) return;
    const MemberState old_state = it->second.state;
    it->second = update;
    if (update.state != old_state) {
      Changed(update);
    } else {
      Enqueue(update);  // a newer incarnation in the same state: still news
    }
  }

  void Changed(const Member& member) {
    Enqueue(member);
    if (member.state == MemberState::kSuspect) {
      stats_.suspicions++;
      const NodeId id = member.id;
      const uint64_t incarnation = member.incarnation;
      After(options_.suspicion_timeout_micros, [this, id, incarnation] {
        auto it = members_.find(id);
        if (it != members_.end() && it->second.state == MemberState::kSuspect &&
            it->second.incarnation == incarnation) {
          stats_.declared_down++;
          Apply({id, MemberState::kDown, incarnation});
        }
      });
    }
    if (listener_) listener_(member.id, member.state);
  }

  void Enqueue(const Member& member) { queue_[member.id] = {member, 0}; }

  int RetransmitLimit() const {
    const double members = static_cast<double>(members_.size());
    return options_.retransmit_multiplier * static_cast<int>(std::ceil(std::log2(members + 1)));
  }

  // Up to max_piggyback updates, least sent first. First come this node's own state when
  // it joins or leaves, and what we believe of `to` when that is suspect or down (so that
  // it can refute at once).
  std::vector<Member> Piggyback(NodeId to, bool include_self) {
    std::vector<Member> out;
    const Member& self = members_.at(options_.self);
    if (include_self || self.state == MemberState::kLeft) out.push_back(self);
    auto about = members_.find(to);
    if (about != members_.end() && (about->second.state == MemberState::kSuspect ||
                                    about->second.state == MemberState::kDown)) {
      out.push_back(about->second);
    }
    std::vector<std::pair<int, NodeId>> order;
    for (const auto& [id, queued] : queue_) order.emplace_back(queued.transmits, id);
    std::sort(order.begin(), order.end());
    const int limit = RetransmitLimit();
    for (const auto& [transmits, id] : order) {
      if (out.size() >= static_cast<size_t>(options_.max_piggyback)) break;
      QueuedUpdate& queued = queue_[id];
      if (std::none_of(out.begin(), out.end(), [id = id](const Member& m) { return m.id == id; })) {
        out.push_back(queued.member);
      }
      if (++queued.transmits >= limit) queue_.erase(id);
    }
    return out;
  }

  void Send(NodeId to, MembershipMessageType type, uint64_t seq, NodeId target = 0,
            bool include_self = false) {
    MembershipMessage message;
    message.type = type;
    message.seq = seq;
    message.target = target;
    message.updates = Piggyback(to, include_self || type == MembershipMessageType::kJoin);
    if (type == MembershipMessageType::kPing) stats_.pings_sent++;
    transport_->Send(to, EncodeMembershipMessage(message));
  }

  // ---- Randomness ----

  void Shuffle(std::vector<NodeId>* ids) {
    for (size_t i = ids->size(); i > 1; --i) std::swap((*ids)[i - 1], (*ids)[random_.Uniform(i)]);
  }

  // Up to `count` distinct alive members other than self and `exclude`, at random.
  std::vector<NodeId> RandomLive(std::vector<NodeId> exclude, int count) {
    std::vector<NodeId> candidates;
    for (const auto& [id, member] : members_) {
      if (id == options_.self || member.state != MemberState::kAlive) continue;
      if (std::find(exclude.begin(), exclude.end(), id) != exclude.end()) continue;
      candidates.push_back(id);
    }
    Shuffle(&candidates);
    if (candidates.size() > static_cast<size_t>(count)) candidates.resize(count);
    return candidates;
  }

  const MembershipOptions options_;
  Clock* const clock_;
  Transport* const transport_;
  const Listener listener_;
  Random random_;

  std::map<NodeId, Member> members_;
  std::map<NodeId, QueuedUpdate> queue_;
  std::vector<NodeId> targets_;
  size_t next_target_ = 0;
  std::optional<Probe> probe_;
  std::map<uint64_t, PendingRelay> relays_;  // by the seq of the relayed ping
  std::set<Clock::TimerId> timers_;          // scheduled and not yet fired
  uint64_t seq_ = 0;
  uint64_t period_ = 0;
  uint64_t next_join_micros_ = 0;  // local clock time of the next join retry
  bool joined_ = false;
  bool left_ = false;
  MembershipStats stats_;
};

absl::StatusOr<std::unique_ptr<Membership>> Membership::Start(const MembershipOptions& options,
                                                              Clock* clock, Transport* transport,
                                                              Listener listener) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  auto impl = std::make_unique<Impl>(options, clock, transport, std::move(listener));
  impl->Start();
  return std::unique_ptr<Membership>(new Membership(std::move(impl)));
}

Membership::Membership(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Membership::~Membership() = default;

bool Membership::IsMembershipMessage(std::string_view bytes) {
  if (bytes.size() < 2) return false;
  const uint8_t type = static_cast<uint8_t>(bytes[1]);
  return type >= 32 && type <= 63;
}

absl::Status Membership::Receive(NodeId from, std::string_view bytes) {
  return impl_->Receive(from, bytes);
}
void Membership::Leave() { impl_->Leave(); }
std::vector<Member> Membership::Members() const { return impl_->Members(); }
std::optional<MemberState> Membership::StateOf(NodeId node) const { return impl_->StateOf(node); }
std::vector<NodeId> Membership::LiveMembers() const { return impl_->LiveMembers(); }
uint64_t Membership::incarnation() const { return impl_->incarnation(); }
const MembershipStats& Membership::stats() const { return impl_->stats(); }

}  // namespace kvlsm::cluster
