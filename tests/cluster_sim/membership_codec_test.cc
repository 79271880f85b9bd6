#include "cluster/membership_codec.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kvlsm/cluster/membership.h"
#include "kvlsm/cluster/sim_network.h"
#include "testutil/testutil.h"
#include "util/coding.h"
#include "util/random.h"

namespace kvlsm::cluster {
namespace {

using Type = MembershipMessageType;

std::string Hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    static const char* kDigits = "0123456789abcdef";
    if (!out.empty()) out.push_back(' ');
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

TEST(MembershipCodecTest, GoldenPingRequest) {
  // Ask for a ping of node 7 as probe 300, with the news "node 7 suspect at incarnation 2"
  // and "node 200 alive at 0" (the example in docs/cluster.md).
  MembershipMessage message{
      Type::kPingRequest, 300, 7, {{7, MemberState::kSuspect, 2}, {200, MemberState::kAlive, 0}}};
  const std::string bytes = EncodeMembershipMessage(message);
  EXPECT_EQ(Hex(bytes), "01 21 ac 02 07 02 07 02 02 c8 01 01 00");
  auto decoded = DecodeMembershipMessage(bytes);
  ASSERT_OK(decoded);
  EXPECT_EQ(*decoded, message);
}

TEST(MembershipCodecTest, EveryTypeRoundTrips) {
  Random rnd(test::TestSeed(1));
  for (uint8_t type = 32; type <= 37; ++type) {
    for (int i = 0; i < 200; ++i) {
      MembershipMessage message;
      message.type = static_cast<Type>(type);
      if (type <= 34) message.seq = rnd.Next() >> rnd.Uniform(64);
      if (type == 33) message.target = rnd.Next();
      const size_t count = rnd.Uniform(membership_format::kMaxPiggybackUpdates + 1);
      for (size_t j = 0; j < count; ++j) {
        message.updates.push_back({j * 1000 + rnd.Uniform(1000),
                                   static_cast<MemberState>(1 + rnd.Uniform(4)),
                                   rnd.Next() >> (2 + rnd.Uniform(62))});
      }
      auto decoded = DecodeMembershipMessage(EncodeMembershipMessage(message));
      ASSERT_OK(decoded);
      EXPECT_EQ(*decoded, message);
    }
  }
}

// Every truncation of a valid message fails cleanly.
TEST(MembershipCodecTest, TruncationsAreRejected) {
  MembershipMessage message{
      Type::kAck, 99, 0, {{1, MemberState::kAlive, 5}, {2, MemberState::kDown, 300}}};
  const std::string bytes = EncodeMembershipMessage(message);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(DecodeMembershipMessage(bytes.substr(0, n)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << n;
  }
}

std::string Header(uint8_t type) { return std::string{1, static_cast<char>(type)}; }

TEST(MembershipCodecTest, HostileMessagesAreRejectedWithAReason) {
  struct Case {
    std::string bytes;
    std::string reason;
  };
  std::string million = Header(36);
  PutVarint32(&million, 1000000);
  million.append(3000000, '\x01');
  std::string piggyback_flood = Header(32) + '\x01';
  PutVarint32(&piggyback_flood, 65);
  std::string promised = Header(36);
  PutVarint32(&promised, 1000);  // 1,000 updates promised, 6 bytes given
  promised += std::string("\x01\x01\x00\x02\x01\x00", 6);
  std::string huge_incarnation = Header(37) + '\x01' + '\x05' + '\x01';
  PutVarint64(&huge_incarnation, uint64_t{1} << 63);
  const std::vector<Case> cases = {
      {"", "no room for the header"},
      {std::string{2, 32}, "unknown format version 2"},
      {Header(31) + '\x00', "unknown type 31"},
      {Header(38) + '\x00', "unknown type 38"},
      {Header(63) + '\x00', "unknown type 63"},
      {million, "1000000 updates, more than the 65536 allowed"},
      {piggyback_flood, "65 updates, more than the 64 allowed"},
      {promised, "1000 updates cannot fit in the 6 bytes left"},
      {Header(37) + std::string("\x01\x05\x09\x00", 4), "unknown member state 9"},
      {Header(37) + std::string("\x01\x05\x00\x00", 4), "unknown member state 0"},
      {huge_incarnation, "beyond 2^62"},
      {Header(37) + std::string("\x02\x05\x01\x00\x05\x03\x00", 7), "node 5 listed twice"},
      {Header(34) + std::string("\x07\x00\xff", 3), "1 trailing bytes"},
      {Header(33) + '\x07', "truncated or overlong target"},
      // Overlong (non-canonical) varints: the golden ping-request with one field padded.
      {Header(33) + std::string("\xac\x82\x00\x07\x00", 5), "overlong sequence number"},
      {Header(33) + std::string("\xac\x02\x87\x00\x00", 5), "overlong target"},
      {Header(33) + std::string("\xac\x02\x07\x80\x00", 5), "overlong update count"},
      {Header(37) + std::string("\x01\x87\x00\x01\x00", 5), "update #0 truncated or overlong"},
      {Header(37) + std::string("\x01\x07\x01\x80\x00", 5), "update #0 truncated or overlong"},
  };
  for (const Case& c : cases) {
    auto decoded = DecodeMembershipMessage(c.bytes);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << c.reason;
    EXPECT_TRUE(test::MessageContains(decoded.status(), c.reason))
        << decoded.status() << " lacks \"" << c.reason << "\"";
  }
}

TEST(MembershipCodecTest, RandomBytesNeverCrash) {
  Random rnd(test::TestSeed(2));
  MembershipMessage message{
      Type::kState,
      0,
      0,
      {{1, MemberState::kAlive, 5}, {2, MemberState::kSuspect, 6}, {3, MemberState::kLeft, 7}}};
  const std::string valid = EncodeMembershipMessage(message);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = valid;
    if (i % 2 == 0) {
      bytes = test::RandomString(&rnd, rnd.Uniform(40), /*binary=*/true);
      if (bytes.size() >= 2) {
        bytes[0] = 1;
        bytes[1] = static_cast<char>(32 + rnd.Uniform(6));
      }
    } else {
      for (int flips = 1 + rnd.Uniform(3); flips > 0; --flips) {
        bytes[rnd.Uniform(bytes.size())] = static_cast<char>(rnd.Uniform(256));
      }
    }
    auto decoded = DecodeMembershipMessage(bytes);
    if (decoded.ok()) {
      accepted++;
      for (const Member& m : decoded->updates) {
        EXPECT_GE(static_cast<int>(m.state), 1);
        EXPECT_LE(static_cast<int>(m.state), 4);
        EXPECT_LE(m.incarnation, membership_format::kMaxIncarnation);
      }
    }
  }
  EXPECT_LT(accepted, 20000);
}

// Through the public API: a rejected message changes nothing.
TEST(MembershipCodecTest, AMembershipRefusesHostileMessagesAndStoresNothing) {
  auto net = std::move(*SimNetwork::New({}));
  ASSERT_OK(net->AddNode(1));
  MembershipOptions options;
  options.self = 1;
  auto membership = Membership::Start(options, net->clock(1), net->transport(1));
  ASSERT_OK(membership);
  const std::vector<Member> before = (*membership)->Members();
  // A state message whose last update is bad: the good ones before it are not applied.
  std::string bytes = EncodeMembershipMessage(
      {Type::kState, 0, 0, {{2, MemberState::kAlive, 0}, {3, MemberState::kAlive, 0}}});
  bytes[bytes.size() - 2] = 9;  // node 3's state
  absl::Status s = (*membership)->Receive(2, bytes);
  EXPECT_TRUE(test::MessageContains(s,
                                    "from node 2: membership state message: update #1 has "
                                    "unknown member state 9"))
      << s;
  EXPECT_EQ((*membership)->Members(), before);
  EXPECT_EQ((*membership)->stats().messages_rejected, 1u);
  // News about itself being down, from itself, is refused too.
  s = (*membership)
          ->Receive(1,
                    EncodeMembershipMessage({Type::kGossip, 0, 0, {{1, MemberState::kDown, 0}}}));
  EXPECT_TRUE(test::MessageContains(s, "claiming to come from this node")) << s;
  EXPECT_EQ((*membership)->incarnation(), 0u);
  EXPECT_TRUE(Membership::IsMembershipMessage(std::string("\x01\x20", 2)));
  EXPECT_FALSE(Membership::IsMembershipMessage(std::string("\x01\x40", 2)));
  EXPECT_FALSE(Membership::IsMembershipMessage("\x01"));
}

}  // namespace
}  // namespace kvlsm::cluster
