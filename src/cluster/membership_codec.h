// Internal: the membership (SWIM) messages and their encodings (docs/cluster.md,
// "Membership messages").
//
//   message      := version:u8(=1) type:u8 body
//   ping         (32) := seq:varint64 updates
//   ping_request (33) := seq:varint64 target:varint64 updates
//   ack          (34) := seq:varint64 updates
//   join         (35) := updates
//   state        (36) := updates            (the sender's whole member list)
//   gossip       (37) := updates
//   updates      := count:varint32 (node:varint64 state:u8 incarnation:varint64){count}
//
// Types are persisted on the wire: never renumber, a retired type stays reserved; 38-63
// are free for membership. Decoders check every count against the bytes left and the
// bounds below, refuse an unknown state, a node listed twice, and trailing bytes, and
// return InvalidArgument naming the message and the field.
//
// Thread safety: plain values and pure functions.
#ifndef KVLSM_CLUSTER_MEMBERSHIP_CODEC_H_
#define KVLSM_CLUSTER_MEMBERSHIP_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kvlsm/cluster/membership.h"

namespace kvlsm::cluster {

namespace membership_format {
inline constexpr uint8_t kVersion = 1;
// Updates in a piggybacking message (ping, ping-request, ack, join, gossip).
inline constexpr size_t kMaxPiggybackUpdates = 64;
// Members in a state message: as many as a ring may hold.
inline constexpr size_t kMaxMembers = size_t{1} << 16;
// Incarnations beyond this are refused, so that a refutation (+1) can never wrap.
inline constexpr uint64_t kMaxIncarnation = uint64_t{1} << 62;
}  // namespace membership_format

// Wire tags. Persisted: never renumber.
enum class MembershipMessageType : uint8_t {
  kPing = 32,
  kPingRequest = 33,
  kAck = 34,
  kJoin = 35,
  kState = 36,
  kGossip = 37,
};

struct MembershipMessage {
  MembershipMessageType type = MembershipMessageType::kPing;
  uint64_t seq = 0;     // ping, ping-request, ack
  NodeId target = 0;    // ping-request
  std::vector<Member> updates;

  friend bool operator==(const MembershipMessage& a, const MembershipMessage& b) = default;
};

// REQUIRES: updates within the bounds for the type.
std::string EncodeMembershipMessage(const MembershipMessage& message);
// Parses one whole message, header included.
absl::StatusOr<MembershipMessage> DecodeMembershipMessage(std::string_view bytes);

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_MEMBERSHIP_CODEC_H_
