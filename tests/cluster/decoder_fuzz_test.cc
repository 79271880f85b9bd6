// Every decoder of the distribution module against truncated, corrupted and random
// bytes: each must return a status (or a value that re-encodes consistently), never
// crash, hang or allocate without bound. Run under ASan/UBSan to catch overreads.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kvlsm/cluster/dotted_version_vector.h"
#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/merkle_exchange.h"
#include "kvlsm/cluster/ring.h"
#include "kvlsm/cluster/sibling_merge_operator.h"
#include "kvlsm/cluster/vector_clock.h"
#include "testutil/testutil.h"

namespace kvlsm::cluster {
namespace {

using test::SeedTrace;
using test::TestSeed;

// A decoder under test: parses bytes; on success re-encodes what it parsed.
struct Decoder {
  std::string name;
  // Returns the status of decoding `bytes`; when OK, *reencoded gets the re-encoding.
  std::function<absl::Status(std::string_view bytes, std::string* reencoded)> decode;
  std::vector<std::string> valid;  // valid encodings to mutate
};

template <typename T>
std::function<absl::Status(std::string_view, std::string*)> Using(
    std::function<absl::StatusOr<T>(std::string_view)> decode,
    std::function<void(const T&, std::string*)> encode) {
  return [decode, encode](std::string_view bytes, std::string* out) {
    absl::StatusOr<T> value = decode(bytes);
    if (!value.ok()) return value.status();
    out->clear();
    encode(*value, out);
    return absl::OkStatus();
  };
}

std::vector<Decoder> AllDecoders(Random* rnd) {
  std::vector<Decoder> decoders;

  Decoder ring{"Ring",
               Using<Ring>(Ring::Decode, [](const Ring& r, std::string* out) { r.EncodeTo(out); }),
               {}};
  for (int nodes : {0, 1, 4, 9}) {
    Ring r;
    for (int i = 0; i < nodes; ++i) {
      EXPECT_OK(r.AddNode(RingNode{static_cast<NodeId>(100 + i), 1.0, i % 2 ? "a" : "b"}));
    }
    ring.valid.emplace_back();
    r.EncodeTo(&ring.valid.back());
  }
  decoders.push_back(ring);

  Decoder clock{
      "VectorClock",
      Using<VectorClock>(VectorClock::Decode, [](const VectorClock& c,
                                                 std::string* out) { EXPECT_OK(c.EncodeTo(out)); }),
      {}};
  for (int entries : {0, 1, 5, 20}) {
    VectorClock c;
    for (int i = 0; i < entries; ++i) c.Increment(rnd->Next() >> rnd->Uniform(64), rnd->Next());
    clock.valid.emplace_back();
    EXPECT_OK(c.EncodeTo(&clock.valid.back()));
  }
  decoders.push_back(clock);

  Decoder dvv{"DottedVersionVector",
              Using<DottedVersionVector>(DottedVersionVector::Decode,
                                         [](const DottedVersionVector& d, std::string* out) {
                                           EXPECT_OK(d.EncodeTo(out));
                                         }),
              {}};
  Decoder context{"Context",
                  Using<Context>(Context::Decode,
                                 [](const Context& c, std::string* out) { *out = *c.Encode(); }),
                  {}};
  Decoder dvv_set{
      "DvvSet",
      Using<DvvSet>(DvvSet::Decode, [](const DvvSet& s, std::string* out) { s.EncodeTo(out); }),
      {}};
  DvvSet state;
  for (int i = 0; i < 6; ++i) {
    Context seen = rnd->OneIn(2) ? state.Read().context : Context();
    EXPECT_OK(state.Put(seen, absl::StrCat("value", i), 1 + rnd->Uniform(3)));
    std::string encoded;
    state.EncodeTo(&encoded);
    dvv_set.valid.push_back(encoded);
    encoded.clear();
    EXPECT_OK(state.history().EncodeTo(&encoded));
    dvv.valid.push_back(encoded);
    context.valid.push_back(encoded);
  }
  DottedVersionVector with_cloud;
  with_cloud.Add(Dot{3, 5});
  with_cloud.Add(Dot{9, 2});
  dvv.valid.emplace_back();
  EXPECT_OK(with_cloud.EncodeTo(&dvv.valid.back()));
  decoders.push_back(dvv);
  decoders.push_back(context);
  decoders.push_back(dvv_set);

  Decoder request{
      "MerkleRequest",
      Using<MerkleRequest>(MerkleRequest::Decode,
                           [](const MerkleRequest& r, std::string* out) { r.EncodeTo(out); }),
      {}};
  Decoder response{
      "MerkleResponse",
      Using<MerkleResponse>(MerkleResponse::Decode,
                            [](const MerkleResponse& r, std::string* out) { r.EncodeTo(out); }),
      {}};
  for (auto type : {MerkleMessageType::kLevelRequest, MerkleMessageType::kLeafEntriesRequest}) {
    MerkleRequest r;
    r.type = type;
    r.range = TokenRange{rnd->Next(), rnd->Next()};
    r.fanout = 4;
    r.depth = 10;
    r.level = 3;
    r.nodes = {1, 5, 6, 900};
    request.valid.emplace_back();
    r.EncodeTo(&request.valid.back());
  }
  MerkleResponse level;
  level.level = 2;
  level.hashes = {1, rnd->Next(), rnd->Next()};
  response.valid.emplace_back();
  level.EncodeTo(&response.valid.back());
  MerkleResponse entries;
  entries.type = MerkleMessageType::kLeafEntriesResponse;
  entries.entries = {KeyHash{"alpha", rnd->Next()}, KeyHash{"beta", 7}, KeyHash{"gamma", 0}};
  response.valid.emplace_back();
  entries.EncodeTo(&response.valid.back());
  decoders.push_back(request);
  decoders.push_back(response);

  // The merge operator decodes stored values: bytes in, DataLoss out.
  const auto op = NewSiblingMergeOperator();
  Decoder merge{"SiblingMergeOperator",
                [op](std::string_view bytes, std::string* out) {
                  const std::vector<std::string_view> operands = {bytes};
                  absl::Status s = op->FullMerge("key", std::nullopt, operands, out);
                  if (!s.ok()) {
                    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
                  }
                  return s;
                },
                dvv_set.valid};
  decoders.push_back(merge);
  return decoders;
}

// Decodes bytes; when it succeeds, decoding the re-encoding must give the same bytes.
void CheckDecode(const Decoder& decoder, std::string_view bytes) {
  std::string reencoded;
  const absl::Status status = decoder.decode(bytes, &reencoded);
  if (!status.ok()) {
    ASSERT_FALSE(status.message().empty()) << decoder.name;
    return;
  }
  std::string again;
  const absl::Status second = decoder.decode(reencoded, &again);
  ASSERT_TRUE(second.ok()) << decoder.name << ": " << second;
  ASSERT_EQ(again, reencoded) << decoder.name;
}

TEST(DecoderFuzzTest, ValidEncodingsDecode) {
  Random rnd(TestSeed(801));
  for (const Decoder& decoder : AllDecoders(&rnd)) {
    for (const std::string& valid : decoder.valid) {
      std::string reencoded;
      const absl::Status status = decoder.decode(valid, &reencoded);
      ASSERT_TRUE(status.ok()) << decoder.name << ": " << status;
      if (decoder.name != "SiblingMergeOperator") {
        ASSERT_EQ(reencoded, valid) << decoder.name;
      }
    }
  }
}

TEST(DecoderFuzzTest, EveryTruncationIsAStatus) {
  Random rnd(TestSeed(802));
  for (const Decoder& decoder : AllDecoders(&rnd)) {
    for (const std::string& valid : decoder.valid) {
      for (size_t length = 0; length < valid.size(); ++length) {
        std::string reencoded;
        const absl::Status status = decoder.decode(valid.substr(0, length), &reencoded);
        // A proper prefix of a canonical encoding is never itself a whole encoding,
        // except for the merge operator whose output is not its input.
        if (decoder.name != "SiblingMergeOperator") {
          ASSERT_FALSE(status.ok()) << decoder.name << " accepted a prefix of length " << length;
        }
      }
    }
  }
}

TEST(DecoderFuzzTest, CorruptedBytesAreAStatusOrRoundTrip) {
  const uint64_t seed = TestSeed(803);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (const Decoder& decoder : AllDecoders(&rnd)) {
    for (int i = 0; i < 3000; ++i) {
      std::string bytes = decoder.valid[rnd.Uniform(decoder.valid.size())];
      const int edits = 1 + static_cast<int>(rnd.Uniform(4));
      for (int e = 0; e < edits && !bytes.empty(); ++e) {
        const size_t pos = rnd.Uniform(bytes.size());
        switch (rnd.Uniform(4)) {
          case 0:
            bytes[pos] = static_cast<char>(rnd.Uniform(256));
            break;
          case 1:
            bytes[pos] ^= static_cast<char>(1 << rnd.Uniform(8));
            break;
          case 2:
            bytes.insert(pos, 1, static_cast<char>(rnd.Uniform(256)));
            break;
          default:
            bytes.erase(pos, 1);
        }
      }
      CheckDecode(decoder, bytes);
    }
  }
}

TEST(DecoderFuzzTest, RandomBytesAreAStatus) {
  const uint64_t seed = TestSeed(804);
  SCOPED_TRACE(SeedTrace(seed));
  Random rnd(seed);
  for (const Decoder& decoder : AllDecoders(&rnd)) {
    for (int i = 0; i < 3000; ++i) {
      std::string bytes = test::RandomString(&rnd, rnd.Uniform(64), /*binary=*/true);
      // Half the time with a valid version and type, to get past the first checks.
      if (bytes.size() >= 2 && rnd.OneIn(2)) {
        bytes[0] = 1;
        if (rnd.OneIn(2)) bytes[1] = static_cast<char>(1 + rnd.Uniform(4));
      }
      CheckDecode(decoder, bytes);
    }
  }
}

// Each byte that could end a varint is replaced by the same 7 bits with a continuation
// bit, followed by 0x00: where the byte did end a varint, the result is an overlong
// encoding of the same value, which the decoder must refuse. Elsewhere the input may
// decode to something else, but then only to a value that re-encodes to these very bytes.
TEST(DecoderFuzzTest, OverlongVarintsAreRejected) {
  Random rnd(TestSeed(805));
  for (const Decoder& decoder : AllDecoders(&rnd)) {
    if (decoder.name == "SiblingMergeOperator") continue;  // its output is not its input
    size_t refused = 0;
    for (const std::string& valid : decoder.valid) {
      for (size_t pos = 0; pos < valid.size(); ++pos) {
        if (static_cast<unsigned char>(valid[pos]) >= 0x80) continue;
        std::string bytes = valid;
        bytes[pos] = static_cast<char>(bytes[pos] | 0x80);
        bytes.insert(pos + 1, 1, '\0');
        std::string reencoded;
        const absl::Status status = decoder.decode(bytes, &reencoded);
        if (status.ok()) {
          ASSERT_EQ(reencoded, bytes) << decoder.name << " accepted an overlong varint at " << pos;
        } else {
          ++refused;
        }
      }
    }
    EXPECT_GT(refused, 0u) << decoder.name;
  }
}

TEST(DecoderFuzzTest, HugeCountsDoNotAllocate) {
  // Counts claiming far more elements than the bytes hold fail before allocating.
  const std::string huge_varint("\xff\xff\xff\xff\x0f", 5);  // 2^32 - 1
  EXPECT_FALSE(VectorClock::Decode(std::string("\x01", 1) + huge_varint).ok());
  EXPECT_FALSE(DottedVersionVector::Decode(std::string("\x01", 1) + huge_varint).ok());
  EXPECT_FALSE(DvvSet::Decode(std::string("\x01\x01\x00\x00", 4) + huge_varint).ok());
  std::string request("\x01\x01", 2);
  request.append(16, '\0');
  request += "\x04\x0a\x01";
  EXPECT_FALSE(MerkleRequest::Decode(request + huge_varint).ok());
  EXPECT_FALSE(MerkleResponse::Decode(std::string("\x01\x02\x01", 3) + huge_varint).ok());
  EXPECT_FALSE(MerkleResponse::Decode(std::string("\x01\x04", 2) + huge_varint).ok());
  EXPECT_FALSE(Ring::Decode(std::string("\x01\x03\x10", 3) + huge_varint).ok());
  // A key longer than the bound in a leaf-entries response.
  std::string entries("\x01\x04\x01", 3);
  entries += std::string("\x81\x80\x04", 3);  // key length 65,537
  entries.append(65537 + 8, 'k');
  EXPECT_EQ(MerkleResponse::Decode(entries).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kvlsm::cluster
