// Encoding and decoding of the membership messages (grammar in membership_codec.h).
#include "cluster/membership_codec.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "cluster/canonical_coding.h"
#include "util/coding.h"

namespace kvlsm::cluster {

namespace {

using Type = MembershipMessageType;

bool HasSeq(Type type) {
  return type == Type::kPing || type == Type::kPingRequest || type == Type::kAck;
}

const char* TypeName(Type type) {
  switch (type) {
    case Type::kPing:
      return "ping";
    case Type::kPingRequest:
      return "ping-request";
    case Type::kAck:
      return "ack";
    case Type::kJoin:
      return "join";
    case Type::kState:
      return "state";
    case Type::kGossip:
      return "gossip";
  }
  return "membership";
}

absl::Status Malformed(Type type, const std::string& problem) {
  return absl::InvalidArgumentError(
      absl::StrFormat("membership %s message: %s", TypeName(type), problem));
}

// Smallest encoded update: node, state and incarnation of one byte each.
constexpr size_t kMinUpdateBytes = 3;

}  // namespace

std::string EncodeMembershipMessage(const MembershipMessage& message) {
  std::string out;
  out.push_back(static_cast<char>(membership_format::kVersion));
  out.push_back(static_cast<char>(message.type));
  if (HasSeq(message.type)) PutVarint64(&out, message.seq);
  if (message.type == Type::kPingRequest) PutVarint64(&out, message.target);
  PutVarint32(&out, static_cast<uint32_t>(message.updates.size()));
  for (const Member& update : message.updates) {
    PutVarint64(&out, update.id);
    out.push_back(static_cast<char>(update.state));
    PutVarint64(&out, update.incarnation);
  }
  return out;
}

absl::StatusOr<MembershipMessage> DecodeMembershipMessage(std::string_view input) {
  if (input.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrFormat("membership message of %d bytes: no room for the header", input.size()));
  }
  if (static_cast<uint8_t>(input[0]) != membership_format::kVersion) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "membership message: unknown format version %d", static_cast<uint8_t>(input[0])));
  }
  const uint8_t raw_type = static_cast<uint8_t>(input[1]);
  if (raw_type < static_cast<uint8_t>(Type::kPing) ||
      raw_type > static_cast<uint8_t>(Type::kGossip)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("membership message: unknown type %d", raw_type));
  }
  MembershipMessage message;
  message.type = static_cast<Type>(raw_type);
  input.remove_prefix(2);
  if (HasSeq(message.type) && !GetCanonicalVarint64(&input, &message.seq)) {
    return Malformed(message.type, "truncated or overlong sequence number");
  }
  if (message.type == Type::kPingRequest && !GetCanonicalVarint64(&input, &message.target)) {
    return Malformed(message.type, "truncated or overlong target");
  }
  uint32_t count = 0;
  if (!GetCanonicalVarint32(&input, &count)) {
    return Malformed(message.type, "truncated or overlong update count");
  }
  const size_t limit = message.type == Type::kState ? membership_format::kMaxMembers
                                                    : membership_format::kMaxPiggybackUpdates;
  if (count > limit) {
    return Malformed(message.type,
                     absl::StrFormat("%d updates, more than the %d allowed", count, limit));
  }
  if (count > input.size() / kMinUpdateBytes) {
    return Malformed(message.type, absl::StrFormat("%d updates cannot fit in the %d bytes left",
                                                   count, input.size()));
  }
  message.updates.reserve(count);
  absl::flat_hash_set<NodeId> seen;
  for (uint32_t i = 0; i < count; ++i) {
    Member update;
    if (!GetCanonicalVarint64(&input, &update.id) || input.empty()) {
      return Malformed(message.type, absl::StrFormat("update #%d truncated or overlong", i));
    }
    const uint8_t state = static_cast<uint8_t>(input[0]);
    input.remove_prefix(1);
    if (state < static_cast<uint8_t>(MemberState::kAlive) ||
        state > static_cast<uint8_t>(MemberState::kLeft)) {
      return Malformed(message.type,
                       absl::StrFormat("update #%d has unknown member state %d", i, state));
    }
    update.state = static_cast<MemberState>(state);
    if (!GetCanonicalVarint64(&input, &update.incarnation)) {
      return Malformed(message.type, absl::StrFormat("update #%d truncated or overlong", i));
    }
    if (update.incarnation > membership_format::kMaxIncarnation) {
      return Malformed(message.type, absl::StrFormat("update #%d has incarnation %d, beyond 2^62",
                                                     i, update.incarnation));
    }
    if (!seen.insert(update.id).second) {
      return Malformed(message.type,
                       absl::StrFormat("update #%d: node %d listed twice", i, update.id));
    }
    message.updates.push_back(update);
  }
  if (!input.empty()) {
    return Malformed(message.type, absl::StrFormat("%d trailing bytes", input.size()));
  }
  return message;
}

}  // namespace kvlsm::cluster
