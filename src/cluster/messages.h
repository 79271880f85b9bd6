// Internal: the messages Nodes exchange, and their encodings (docs/cluster.md, "Messages").
//
//   message := version:u8(=1) type:u8 payload
//
// Types 1-31 carry replica reads and writes, hints, repairs and range streaming; 32-63
// belong to membership (the application routes them to Membership::Receive; Node::Receive
// refuses them); 64-95 to anti-entropy. Types are persisted on the wire: never renumber, a retired
// type stays reserved. Every decoder bound-checks each length and count against the bytes left,
// decodes the DvvSets it carries (so a hostile state is refused before anything is
// stored), rejects trailing bytes, and returns InvalidArgument naming the message and the
// field.
//
// Thread safety: plain values and pure functions.
#ifndef KVLSM_CLUSTER_MESSAGES_H_
#define KVLSM_CLUSTER_MESSAGES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/merkle_exchange.h"
#include "kvlsm/cluster/node_id.h"

namespace kvlsm::cluster {

namespace message_format {
inline constexpr uint8_t kVersion = 1;
// A key carried by any message. Longer keys are refused by the coordinator up front.
inline constexpr size_t kMaxKeyBytes = 64u << 10;
// The text of a status carried in a response (longer texts are cut when encoded).
inline constexpr size_t kMaxStatusMessageBytes = 1024;
// Key states in one stream batch or key-states message.
inline constexpr size_t kMaxEntriesPerMessage = size_t{1} << 20;
inline constexpr uint8_t kFirstMembershipType = 32;
inline constexpr uint8_t kLastMembershipType = 63;
}  // namespace message_format

// Wire tags. Persisted: never renumber.
enum class MessageType : uint8_t {
  kReadRequest = 1,
  kReadResponse = 2,
  kWriteRequest = 3,
  kWriteResponse = 4,
  kRepairWrite = 5,
  kStreamBatch = 6,
  kStreamAck = 7,
  // 32..63: membership (cluster/membership.h).
  kMerkleRequest = 64,
  kMerkleResponse = 65,
  kKeyStatesRequest = 66,
  kKeyStatesResponse = 67,
};

// A key for an error message or a trace line: escaped, cut after 64 bytes.
std::string PrintableKey(std::string_view key);

inline bool IsMembershipType(uint8_t type) {
  return type >= message_format::kFirstMembershipType &&
         type <= message_format::kLastMembershipType;
}

// The two header bytes, checked; payload views into the input.
struct Envelope {
  uint8_t type = 0;
  std::string_view payload;
};
// InvalidArgument for fewer than two bytes or a version other than 1. The type is not
// checked here (membership types pass through).
absl::StatusOr<Envelope> ParseEnvelope(std::string_view bytes);
// The header followed by payload.
std::string WrapPayload(uint8_t type, std::string_view payload);

struct KeyState {
  std::string key;
  DvvSet state;

  friend bool operator==(const KeyState& a, const KeyState& b) = default;
};

// Coordinator -> replica: send me your state of `key` (with any hints you hold for it).
struct ReadRequest {
  uint64_t request_id = 0;
  std::string key;
  friend bool operator==(const ReadRequest& a, const ReadRequest& b) = default;
};

// Replica -> coordinator. `state` is empty when the replica holds nothing for the key.
struct ReadResponse {
  uint64_t request_id = 0;
  absl::Status status;
  DvvSet state;
  friend bool operator==(const ReadResponse& a, const ReadResponse& b) = default;
};

// Coordinator (or a node replaying a hint) -> replica: join `state` into your `key`.
// With hint_for, the receiver is a stand-in: it keeps the state as a hint for that owner.
struct WriteRequest {
  uint64_t request_id = 0;
  std::optional<NodeId> hint_for;
  std::string key;
  DvvSet state;
  friend bool operator==(const WriteRequest& a, const WriteRequest& b) = default;
};

struct WriteResponse {
  uint64_t request_id = 0;
  absl::Status status;
  friend bool operator==(const WriteResponse& a, const WriteResponse& b) = default;
};

// Read repair: join `state` into `key`; no answer.
struct RepairWrite {
  std::string key;
  DvvSet state;
  friend bool operator==(const RepairWrite& a, const RepairWrite& b) = default;
};

// A slice of a range being streamed to a new replica; acknowledged by a StreamAck with
// the same ids. `last` marks the end of the range.
struct StreamBatch {
  uint64_t stream_id = 0;
  uint64_t sequence = 0;
  bool last = false;
  std::vector<KeyState> entries;
  friend bool operator==(const StreamBatch& a, const StreamBatch& b) = default;
};

struct StreamAck {
  uint64_t stream_id = 0;
  uint64_t sequence = 0;
  absl::Status status;
  friend bool operator==(const StreamAck& a, const StreamAck& b) = default;
};

// Anti-entropy: one step of a Merkle exchange (kvlsm/cluster/merkle_exchange.h).
struct MerkleRequestMessage {
  uint64_t exchange_id = 0;
  MerkleRequest request;
  friend bool operator==(const MerkleRequestMessage& a, const MerkleRequestMessage& b) = default;
};

struct MerkleResponseMessage {
  uint64_t exchange_id = 0;
  absl::Status status;     // not OK: `response` is empty (the responder refused)
  MerkleResponse response;
  friend bool operator==(const MerkleResponseMessage& a,
                         const MerkleResponseMessage& b) = default;
};

// Anti-entropy, after the exchange: the initiator's states of the differing keys (an
// empty state for a key it lacks). The responder joins them and answers with its own
// states of the same keys.
struct KeyStatesRequest {
  uint64_t exchange_id = 0;
  std::vector<KeyState> entries;
  friend bool operator==(const KeyStatesRequest& a, const KeyStatesRequest& b) = default;
};

struct KeyStatesResponse {
  uint64_t exchange_id = 0;
  std::vector<KeyState> entries;
  friend bool operator==(const KeyStatesResponse& a, const KeyStatesResponse& b) = default;
};

// Whole messages, header included.
std::string EncodeMessage(const ReadRequest& m);
std::string EncodeMessage(const ReadResponse& m);
std::string EncodeMessage(const WriteRequest& m);
std::string EncodeMessage(const WriteResponse& m);
std::string EncodeMessage(const RepairWrite& m);
std::string EncodeMessage(const StreamBatch& m);
std::string EncodeMessage(const StreamAck& m);
std::string EncodeMessage(const MerkleRequestMessage& m);
std::string EncodeMessage(const MerkleResponseMessage& m);
std::string EncodeMessage(const KeyStatesRequest& m);
std::string EncodeMessage(const KeyStatesResponse& m);

// Payload decoders (the bytes after the header).
absl::StatusOr<ReadRequest> DecodeReadRequest(std::string_view payload);
absl::StatusOr<ReadResponse> DecodeReadResponse(std::string_view payload);
absl::StatusOr<WriteRequest> DecodeWriteRequest(std::string_view payload);
absl::StatusOr<WriteResponse> DecodeWriteResponse(std::string_view payload);
absl::StatusOr<RepairWrite> DecodeRepairWrite(std::string_view payload);
absl::StatusOr<StreamBatch> DecodeStreamBatch(std::string_view payload);
absl::StatusOr<StreamAck> DecodeStreamAck(std::string_view payload);
absl::StatusOr<MerkleRequestMessage> DecodeMerkleRequestMessage(std::string_view payload);
absl::StatusOr<MerkleResponseMessage> DecodeMerkleResponseMessage(std::string_view payload);
absl::StatusOr<KeyStatesRequest> DecodeKeyStatesRequest(std::string_view payload);
absl::StatusOr<KeyStatesResponse> DecodeKeyStatesResponse(std::string_view payload);

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_MESSAGES_H_
