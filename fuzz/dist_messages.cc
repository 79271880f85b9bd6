// Fuzz target: the Node's wire messages (src/dist/messages.h) and the membership messages
// (src/dist/membership_codec.h), as they arrive from the network: the envelope, then the
// payload decoder of the type it names. Never a crash; a refusal is InvalidArgument; a
// decoded message re-encodes to bytes that decode to the same encoding.
#include <string>
#include <string_view>

#include "dist/membership_codec.h"
#include "dist/messages.h"
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
  const std::string first = kvlsm::EncodeMessage(*message);
  absl::StatusOr<kvlsm::Envelope> envelope = kvlsm::ParseEnvelope(first);
  FUZZ_CHECK_OK(envelope.status());
  absl::StatusOr<Message> again = decode(envelope->payload);
  FUZZ_CHECK_OK(again.status());
  FUZZ_CHECK(kvlsm::EncodeMessage(*again) == first);
}

void CheckMembership(std::string_view bytes) {
  absl::StatusOr<kvlsm::MembershipMessage> message = kvlsm::DecodeMembershipMessage(bytes);
  if (!message.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(message.status()));
    return;
  }
  const std::string first = kvlsm::EncodeMembershipMessage(*message);
  absl::StatusOr<kvlsm::MembershipMessage> again = kvlsm::DecodeMembershipMessage(first);
  FUZZ_CHECK_OK(again.status());
  FUZZ_CHECK(*again == *message);
  FUZZ_CHECK(kvlsm::EncodeMembershipMessage(*again) == first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kvlsm::MessageType;
  const std::string_view bytes = kvlsm::fuzz::AsView(data, size);
  absl::StatusOr<kvlsm::Envelope> envelope = kvlsm::ParseEnvelope(bytes);
  if (!envelope.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(envelope.status()));
    return 0;
  }
  if (kvlsm::IsMembershipType(envelope->type)) {
    CheckMembership(bytes);
    return 0;
  }
  const std::string_view payload = envelope->payload;
  switch (static_cast<MessageType>(envelope->type)) {
    case MessageType::kReadRequest:
      CheckPayload(payload, kvlsm::DecodeReadRequest);
      break;
    case MessageType::kReadResponse:
      CheckPayload(payload, kvlsm::DecodeReadResponse);
      break;
    case MessageType::kWriteRequest:
      CheckPayload(payload, kvlsm::DecodeWriteRequest);
      break;
    case MessageType::kWriteResponse:
      CheckPayload(payload, kvlsm::DecodeWriteResponse);
      break;
    case MessageType::kRepairWrite:
      CheckPayload(payload, kvlsm::DecodeRepairWrite);
      break;
    case MessageType::kStreamBatch:
      CheckPayload(payload, kvlsm::DecodeStreamBatch);
      break;
    case MessageType::kStreamAck:
      CheckPayload(payload, kvlsm::DecodeStreamAck);
      break;
    case MessageType::kMerkleRequest:
      CheckPayload(payload, kvlsm::DecodeMerkleRequestMessage);
      break;
    case MessageType::kMerkleResponse:
      CheckPayload(payload, kvlsm::DecodeMerkleResponseMessage);
      break;
    case MessageType::kKeyStatesRequest:
      CheckPayload(payload, kvlsm::DecodeKeyStatesRequest);
      break;
    case MessageType::kKeyStatesResponse:
      CheckPayload(payload, kvlsm::DecodeKeyStatesResponse);
      break;
  }
  return 0;
}
