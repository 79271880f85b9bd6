// kvlsm/cluster/membership.h: who is in the cluster and who is up, by gossip (SWIM).
//
// Each node runs a Membership beside its Node. Once per protocol period it pings one
// member (round-robin over a shuffled list); when no ack comes within the ping timeout
// it asks `indirect_probes` other members to ping the target for it (ping-req), so one
// bad link does not condemn a node. A target that still has not answered by the end of
// the period becomes *suspect*; a suspect that does not refute within the suspicion
// timeout is declared *down*. Every message piggybacks recent membership updates, so
// news spreads epidemically without extra messages (Das, Gupta and Motivala, "SWIM",
// 2002).
//
// Incarnations. Each member numbers its own liveness claims. A member that hears it is
// suspected or down at its current incarnation refutes by incrementing it and
// announcing itself alive; a newer incarnation overrides older news, so false
// suspicions die out and a restarted node (which starts again from incarnation 0) can
// rejoin: the cluster tells it the incarnation it was declared down at and it outbids it.
// A ping to a member believed suspect or down carries that belief, so the member can
// refute it at once; every `down_probe_periods` periods a node also pings one member it
// believes down, which is how the two sides of a healed partition find each other. A
// member that hears an older belief about itself (one it already outbid) answers the
// sender with its current state. Together these bring back a restarted node that
// refuted once where its news did not reach everyone. The incarnation is therefore not
// persisted: precedence makes a restarted node's alive(0) override nothing, and the
// belief it must outbid always reaches it (docs/cluster.md, "Membership").
//
// Joining and leaving. A starting node sends a join to its seed nodes (retrying until
// one answers) and receives the full member list. Leave() announces a graceful
// departure (state kLeft, which others do not probe and never report as a failure) and
// stops the protocol.
//
// Messages are types 32-63 of the node message envelope (docs/cluster.md, "Membership
// messages"); the application routes them here (IsMembershipMessage) and everything
// else to Node::Receive. The listener hears every change of another member's state; it
// is the natural place to call Node::SetPeerUp.
//
// Thread safety: none. A Membership, its Clock and Transport are used from one thread;
// the listener runs there too and may call into the Membership.
#ifndef KVLSM_CLUSTER_MEMBERSHIP_H_
#define KVLSM_CLUSTER_MEMBERSHIP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/clock.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/cluster/transport.h"
#include "kvlsm/export.h"

namespace kvlsm::cluster {

// A member's state as this node believes it. Persisted on the wire: never renumber.
enum class MemberState : uint8_t {
  kAlive = 1,
  kSuspect = 2,
  kDown = 3,  // declared failed after the suspicion timeout
  kLeft = 4,  // announced a graceful leave
};

// "alive", "suspect", "down", "left".
KVLSM_EXPORT std::string_view MemberStateName(MemberState state);

struct KVLSM_EXPORT Member {
  NodeId id = 0;
  MemberState state = MemberState::kAlive;
  uint64_t incarnation = 0;

  friend bool operator==(const Member& a, const Member& b) = default;
};

struct KVLSM_EXPORT MembershipOptions {
  // This node.
  NodeId self = 0;
  // Nodes to send the join to (self is skipped). Empty: this node starts a cluster.
  std::vector<NodeId> seeds;
  // One probe per period. Default 1 s.
  uint64_t protocol_period_micros = 1000000;
  // Wait for a direct ack before asking others. Default 200 ms; less than the period.
  uint64_t ping_timeout_micros = 200000;
  // Members asked to ping a silent target (ping-req). Default 3; range [0, 16].
  int indirect_probes = 3;
  // Time a suspect has to refute before it is declared down. Default 5 s. Detection time
  // of a crash is about a period or two plus this; shorter risks false downs on lossy links.
  uint64_t suspicion_timeout_micros = 5000000;
  // Updates piggybacked per message. Default 8; range [1, 64].
  int max_piggyback = 8;
  // Each update is piggybacked retransmit_multiplier x ceil(log2(members + 1)) times.
  // Default 4; range [1, 32].
  int retransmit_multiplier = 4;
  // Resend the join to the seeds until one answers. Default 1 s.
  uint64_t join_retry_micros = 1000000;
  // Every this many periods, also ping one member believed down. Default 5; 0: never
  // (then a partition's halves never rediscover each other without a restart).
  int down_probe_periods = 5;
  // Seeds the choice of targets and relays; 0 (default): derived from self.
  uint64_t random_seed = 0;

  // OK, or InvalidArgument naming the bad field.
  absl::Status Validate() const;
};

// Counters since Start.
struct KVLSM_EXPORT MembershipStats {
  uint64_t pings_sent = 0;
  uint64_t ping_requests_sent = 0;
  uint64_t acks_received = 0;
  uint64_t suspicions = 0;       // members this node began to suspect (its own probes or news)
  uint64_t declared_down = 0;    // suspects this node declared down
  uint64_t refutations = 0;      // times this node outbid a suspicion of itself
  uint64_t messages_rejected = 0;
};

class KVLSM_EXPORT Membership {
 public:
  // Called on every change of another member's state (a new member counts as a change
  // to kAlive, or to whatever state it is first heard in).
  using Listener = std::function<void(NodeId node, MemberState state)>;

  // Validates options and starts the protocol: joins the seeds and schedules the first
  // probe. REQUIRES: clock and transport outlive the Membership.
  static absl::StatusOr<std::unique_ptr<Membership>> Start(const MembershipOptions& options,
                                                           Clock* clock, Transport* transport,
                                                           Listener listener = {});
  // Cancels every timer; sends nothing (call Leave first for a graceful exit).
  ~Membership();

  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;

  // Whether a message (starting with the envelope's version and type bytes) belongs to
  // membership: type 32 to 63.
  static bool IsMembershipMessage(std::string_view bytes);

  // Handles a membership message from `from`. InvalidArgument, changing nothing, for a
  // truncated, oversized, unknown or otherwise malformed message.
  absl::Status Receive(NodeId from, std::string_view bytes);

  // Announces a graceful leave to a few members and stops probing. Pings are still
  // acknowledged (with the leave attached) until the Membership is destroyed; other
  // messages are ignored.
  void Leave();

  // This node's view: every member ever heard of, self included, in id order.
  std::vector<Member> Members() const;
  // A member's state, or nullopt for a node never heard of.
  std::optional<MemberState> StateOf(NodeId node) const;
  // Members currently alive or suspect (not down or left), self included.
  std::vector<NodeId> LiveMembers() const;
  uint64_t incarnation() const;
  const MembershipStats& stats() const;

  class Impl;

 private:
  explicit Membership(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_MEMBERSHIP_H_
