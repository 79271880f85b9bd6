// Node messages: round trips, a golden encoding, and malformed or hostile input
// (truncated, oversized lengths, unknown types, a clock with a million entries) rejected
// with a status by the decoders and by Node::Receive, with nothing stored.
#include "cluster/messages.h"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cluster/sim_cluster.h"
#include "testutil/testutil.h"
#include "util/coding.h"

namespace kvlsm::cluster {
namespace {

DvvSet StateWith(const std::string& value, NodeId coordinator) {
  DvvSet state;
  EXPECT_OK(state.Put(Context(), value, coordinator));
  return state;
}

// One valid encoding of every message type, with its payload decoder.
struct Sample {
  std::string name;
  std::string bytes;
  std::function<absl::Status(std::string_view payload)> decode;
};

template <typename T>
std::function<absl::Status(std::string_view)> Decoder(absl::StatusOr<T> (*decode)(std::string_view),
                                                      const T& expected) {
  return [decode, expected](std::string_view payload) {
    absl::StatusOr<T> decoded = decode(payload);
    if (decoded.ok() && !(*decoded == expected)) return absl::InternalError("round trip differs");
    return decoded.status();
  };
}

std::vector<Sample> Samples() {
  const DvvSet state = StateWith("value", 7);
  const KeyState entry{"key", state};
  MerkleRequest merkle_request;
  merkle_request.range = TokenRange{0x10, 0x20};
  merkle_request.fanout = 4;
  merkle_request.depth = 3;
  merkle_request.level = 1;
  MerkleResponse merkle_response;
  merkle_response.level = 1;
  merkle_response.hashes = {1, 2, 3};
  std::vector<Sample> samples;
  auto add = [&samples](std::string name, const auto& message, auto decode) {
    samples.push_back({std::move(name), EncodeMessage(message), Decoder(decode, message)});
  };
  add("read request", ReadRequest{1, "key"}, DecodeReadRequest);
  add("read response", ReadResponse{2, absl::OkStatus(), state}, DecodeReadResponse);
  add("read response error", ReadResponse{2, absl::DataLossError("damaged"), {}},
      DecodeReadResponse);
  add("write request", WriteRequest{3, std::nullopt, "key", state}, DecodeWriteRequest);
  add("hinted write request", WriteRequest{3, NodeId{9}, "key", state}, DecodeWriteRequest);
  add("write response", WriteResponse{4, absl::ResourceExhaustedError("full")},
      DecodeWriteResponse);
  add("repair write", RepairWrite{"key", state}, DecodeRepairWrite);
  add("stream batch", StreamBatch{5, 6, true, {entry, entry}}, DecodeStreamBatch);
  add("stream ack", StreamAck{5, 6, absl::OkStatus()}, DecodeStreamAck);
  add("merkle request", MerkleRequestMessage{7, merkle_request}, DecodeMerkleRequestMessage);
  add("merkle response", MerkleResponseMessage{7, absl::OkStatus(), merkle_response},
      DecodeMerkleResponseMessage);
  add("key states request", KeyStatesRequest{8, {entry}}, DecodeKeyStatesRequest);
  add("key states response", KeyStatesResponse{8, {entry}}, DecodeKeyStatesResponse);
  return samples;
}

TEST(MessagesTest, EveryMessageRoundTrips) {
  for (const Sample& sample : Samples()) {
    SCOPED_TRACE(sample.name);
    absl::StatusOr<Envelope> envelope = ParseEnvelope(sample.bytes);
    ASSERT_OK(envelope);
    EXPECT_OK(sample.decode(envelope->payload));
  }
}

TEST(MessagesTest, ReadRequestGoldenBytes) {
  // version 1, type 1, request id 300 (varint ac 02), key "ab".
  EXPECT_EQ(EncodeMessage(ReadRequest{300, "ab"}), std::string("\x01\x01\xac\x02\x02"
                                                               "ab",
                                                               7));
}

TEST(MessagesTest, EveryTruncationAndTrailingByteIsRejected) {
  for (const Sample& sample : Samples()) {
    SCOPED_TRACE(sample.name);
    const std::string_view payload = std::string_view(sample.bytes).substr(2);
    for (size_t cut = 0; cut < payload.size(); ++cut) {
      absl::Status s = sample.decode(payload.substr(0, cut));
      EXPECT_TRUE(absl::IsInvalidArgument(s)) << "cut at " << cut << ": " << s;
    }
    absl::Status trailing = sample.decode(std::string(payload) + "x");
    EXPECT_TRUE(test::MessageContains(trailing, "trailing")) << trailing;
  }
}

TEST(MessagesTest, OverlongVarintsAreRejected) {
  // The golden read request (id 300, key "ab") with its id, then its key length, padded
  // to a longer varint of the same value: equal values must have equal bytes.
  EXPECT_OK(
      DecodeReadRequest(std::string("\xac\x02\x02"
                                    "ab",
                                    5)));
  const absl::Status long_id = DecodeReadRequest(std::string("\xac\x82\x00\x02"
                                                             "ab",
                                                             6))
                                   .status();
  EXPECT_TRUE(test::MessageContains(long_id, "request id: truncated or overlong")) << long_id;
  const absl::Status long_length = DecodeReadRequest(std::string("\xac\x02\x82\x00"
                                                                 "ab",
                                                                 6))
                                       .status();
  EXPECT_TRUE(test::MessageContains(long_length, "overlong varint")) << long_length;
}

TEST(MessagesTest, HeaderProblemsAreNamed) {
  EXPECT_TRUE(test::MessageContains(ParseEnvelope("\x01").status(), "no room for the header"));
  EXPECT_TRUE(
      test::MessageContains(ParseEnvelope("\x02\x01").status(), "unknown format version 2"));
}

TEST(MessagesTest, OversizedLengthsAreRejectedWithoutAllocating) {
  // A key claiming 4 GiB.
  std::string payload;
  PutVarint64(&payload, 1);
  PutVarint32(&payload, 0xffffffffu);
  absl::StatusOr<ReadRequest> read = DecodeReadRequest(payload);
  EXPECT_TRUE(test::MessageContains(read.status(), "key: truncated, length too large"))
      << read.status();
  // A key of 70,000 real bytes: over the 64 KiB bound.
  payload.clear();
  PutVarint64(&payload, 1);
  PutLengthPrefixed(&payload, std::string(70000, 'k'));
  read = DecodeReadRequest(payload);
  EXPECT_TRUE(test::MessageContains(read.status(), "more than 65536")) << read.status();
  // A batch claiming a billion entries.
  payload.clear();
  PutVarint64(&payload, 1);
  PutVarint64(&payload, 1);
  payload.push_back(0);
  PutVarint32(&payload, 1000000000u);
  absl::StatusOr<StreamBatch> batch = DecodeStreamBatch(payload);
  EXPECT_TRUE(test::MessageContains(batch.status(), "1000000000 entries in 0 bytes"))
      << batch.status();
}

// A write whose state's history claims a million version-vector entries (each real).
std::string WriteWithMillionEntryClock() {
  std::string state;
  state.push_back(1);  // DvvSet version
  state.push_back(1);  // history version
  PutVarint32(&state, 1000000);
  for (int i = 0; i < 1000000; ++i) {
    PutVarint64(&state, 1);  // actor delta
    PutVarint64(&state, 1);  // counter
  }
  PutVarint32(&state, 0);  // no cloud
  PutVarint32(&state, 0);  // no siblings
  std::string payload;
  PutVarint64(&payload, 1);
  payload.push_back(0);
  PutLengthPrefixed(&payload, "key");
  PutLengthPrefixed(&payload, state);
  return WrapPayload(static_cast<uint8_t>(MessageType::kWriteRequest), payload);
}

TEST(MessagesTest, HostileMessagesToANodeAreRejectedAndStoreNothing) {
  SimClusterOptions options;
  options.nodes = 3;
  SimCluster cluster(options);
  Node* node = cluster.node(1);
  std::vector<std::string> hostile = {
      "",
      std::string("\x01", 1),
      std::string("\x07\x03", 2),  // unknown version
      std::string("\x01\x63", 2),  // unknown type 99
      std::string("\x01\x28", 2),  // a membership type: not the Node's
      WriteWithMillionEntryClock(),
  };
  for (const Sample& sample : Samples()) {
    for (size_t cut = 2; cut < sample.bytes.size(); ++cut) {
      hostile.push_back(sample.bytes.substr(0, cut));
    }
  }
  for (const std::string& bytes : hostile) {
    absl::Status s = node->Receive(2, bytes);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << bytes.size() << " bytes: " << s;
  }
  EXPECT_TRUE(test::MessageContains(node->Receive(2, WriteWithMillionEntryClock()), "1000000"));
  EXPECT_TRUE(
      test::MessageContains(node->Receive(2, std::string("\x01\x63", 2)), "unknown type 99"));
  // A membership message names where it belongs.
  const absl::Status misrouted = node->Receive(2, std::string("\x01\x28", 2));
  EXPECT_TRUE(test::MessageContains(misrouted, "type 40"));
  EXPECT_TRUE(test::MessageContains(misrouted, "Membership::IsMembershipMessage"));
  EXPECT_TRUE(test::MessageContains(misrouted, "to Membership::Receive"));
  absl::StatusOr<std::vector<std::pair<std::string, DvvSet>>> contents = node->LocalContents();
  ASSERT_OK(contents);
  EXPECT_TRUE(contents->empty());
  EXPECT_EQ(node->hint_count(), 0u);
  EXPECT_EQ(node->stats().messages_rejected, hostile.size() + 3);
  // The node still works.
  cluster.net().RunFor(1000000);
  EXPECT_EQ(node->stats().replica_writes, 0u);
}

}  // namespace
}  // namespace kvlsm::cluster
