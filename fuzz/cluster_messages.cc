// Fuzz target: the Node's wire messages (src/cluster/messages.h) and the membership messages
// (src/cluster/membership_codec.h), as they arrive from the network: the envelope, then the
// payload decoder of the type it names. Never a crash; a refusal is InvalidArgument; a
// decoded message re-encodes to bytes that decode to the same encoding.
#include <string>
#include <string_view>

#include "cluster/membership_codec.h"
#include "cluster/messages.h"
#include "fuzz/fuzz_util.h"

namespace {

template <typename Message>
void CheckPayload(std::string_view payload,
                  absl::StatusOr<Message> (*decode)(std::string_view payload)) {
  absl::StatusOr<Message> message = decode(payload);
  if (!message.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(message.status()));
    return;
  }
  const std::string first = kvlsm::cluster::EncodeMessage(*message);
  absl::StatusOr<kvlsm::cluster::Envelope> envelope = kvlsm::cluster::ParseEnvelope(first);
  FUZZ_CHECK_OK(envelope.status());
  absl::StatusOr<Message> again = decode(envelope->payload);
  FUZZ_CHECK_OK(again.status());
  FUZZ_CHECK(kvlsm::cluster::EncodeMessage(*again) == first);
}

void CheckMembership(std::string_view bytes) {
  absl::StatusOr<kvlsm::cluster::MembershipMessage> message =
      kvlsm::cluster::DecodeMembershipMessage(bytes);
  if (!message.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(message.status()));
    return;
  }
  const std::string first = kvlsm::cluster::EncodeMembershipMessage(*message);
  absl::StatusOr<kvlsm::cluster::MembershipMessage> again =
      kvlsm::cluster::DecodeMembershipMessage(first);
  FUZZ_CHECK_OK(again.status());
  FUZZ_CHECK(*again == *message);
  FUZZ_CHECK(kvlsm::cluster::EncodeMembershipMessage(*again) == first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kvlsm::cluster::MessageType;
  const std::string_view bytes = kvlsm::fuzz::AsView(data, size);
  absl::StatusOr<kvlsm::cluster::Envelope> envelope = kvlsm::cluster::ParseEnvelope(bytes);
  if (!envelope.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(envelope.status()));
    return 0;
  }
  if (kvlsm::cluster::IsMembershipType(envelope->type)) {
    CheckMembership(bytes);
    return 0;
  }
  const std::string_view payload = envelope->payload;
  switch (static_cast<MessageType>(envelope->type)) {
    case MessageType::kReadRequest:
      CheckPayload(payload, kvlsm::cluster::DecodeReadRequest);
      break;
    case MessageType::kReadResponse:
      CheckPayload(payload, kvlsm::cluster::DecodeReadResponse);
      break;
    case MessageType::kWriteRequest:
      CheckPayload(payload, kvlsm::cluster::DecodeWriteRequest);
      break;
    case MessageType::kWriteResponse:
      CheckPayload(payload, kvlsm::cluster::DecodeWriteResponse);
      break;
    case MessageType::kRepairWrite:
      CheckPayload(payload, kvlsm::cluster::DecodeRepairWrite);
      break;
    case MessageType::kStreamBatch:
      CheckPayload(payload, kvlsm::cluster::DecodeStreamBatch);
      break;
    case MessageType::kStreamAck:
      CheckPayload(payload, kvlsm::cluster::DecodeStreamAck);
      break;
    case MessageType::kMerkleRequest:
      CheckPayload(payload, kvlsm::cluster::DecodeMerkleRequestMessage);
      break;
    case MessageType::kMerkleResponse:
      CheckPayload(payload, kvlsm::cluster::DecodeMerkleResponseMessage);
      break;
    case MessageType::kKeyStatesRequest:
      CheckPayload(payload, kvlsm::cluster::DecodeKeyStatesRequest);
      break;
    case MessageType::kKeyStatesResponse:
      CheckPayload(payload, kvlsm::cluster::DecodeKeyStatesResponse);
      break;
  }
  return 0;
}
