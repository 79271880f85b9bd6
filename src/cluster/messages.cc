// Node message encodings (docs/cluster.md, "Messages"):
//
//   message       := version:u8(=1) type:u8 payload
//   status        := code:varint32 (absl::StatusCode, 0..16) text:length_prefixed
//   key           := length_prefixed (at most 64 KiB)
//   state         := length_prefixed DvvSet encoding
//   key_states    := count:varint32 (key state){count}
//   1 read request    := request_id:varint64 key
//   2 read response   := request_id:varint64 status state
//   3 write request   := request_id:varint64 flags:u8 [hint_for:varint64 if flags & 1]
//                        key state
//   4 write response  := request_id:varint64 status
//   5 repair write    := key state
//   6 stream batch    := stream_id:varint64 sequence:varint64 last:u8 key_states
//   7 stream ack      := stream_id:varint64 sequence:varint64 status
//   64 merkle request  := exchange_id:varint64 request:length_prefixed (MerkleRequest)
//   65 merkle response := exchange_id:varint64 status response:length_prefixed
//                         (MerkleResponse; empty when status is not OK)
//   66 key states request  := exchange_id:varint64 key_states
//   67 key states response := exchange_id:varint64 key_states
//
// length_prefixed is varint32 length then the bytes. Flags and `last` take only the
// values listed (other bits are refused, so that a later version can use them).
#include "cluster/messages.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "cluster/canonical_coding.h"
#include "util/coding.h"

namespace kvlsm::cluster {
namespace {

// Bound-checked reading of one payload; the first failure is kept with the field name.
class Reader {
 public:
  Reader(std::string_view input, const char* what) : input_(input), what_(what) {}

  bool Varint64(uint64_t* value, const char* field) {
    return GetCanonicalVarint64(&input_, value) || Fail(field, "truncated or overlong");
  }
  bool Varint32(uint32_t* value, const char* field) {
    return GetCanonicalVarint32(&input_, value) || Fail(field, "truncated or overlong");
  }
  bool Byte(uint8_t* value, uint8_t max, const char* field) {
    if (input_.empty()) return Fail(field, "truncated");
    *value = static_cast<uint8_t>(input_[0]);
    input_.remove_prefix(1);
    return *value <= max || Fail(field, absl::StrCat("value ", *value, " above ", max));
  }
  bool Bytes(std::string_view* value, size_t max, const char* field) {
    // GetLengthPrefixed refuses a length beyond the remaining input.
    if (!GetCanonicalLengthPrefixed(&input_, value)) {
      return Fail(field, "truncated, length too large or overlong varint");
    }
    return value->size() <= max ||
           Fail(field, absl::StrCat(value->size(), " bytes, more than ", max));
  }
  bool Key(std::string* key, const char* field) {
    std::string_view view;
    if (!Bytes(&view, message_format::kMaxKeyBytes, field)) return false;
    key->assign(view.data(), view.size());
    return true;
  }
  bool State(DvvSet* state, const char* field) {
    std::string_view view;
    if (!GetCanonicalLengthPrefixed(&input_, &view)) {
      return Fail(field, "truncated, length too large or overlong varint");
    }
    absl::StatusOr<DvvSet> decoded = DvvSet::Decode(view);
    if (!decoded.ok()) return Fail(field, std::string(decoded.status().message()));
    *state = *std::move(decoded);
    return true;
  }
  bool Status(absl::Status* status, const char* field) {
    uint32_t code = 0;
    std::string_view text;
    if (!Varint32(&code, field) || !Bytes(&text, message_format::kMaxStatusMessageBytes, field)) {
      return false;
    }
    if (code == 0) {
      if (!text.empty()) return Fail(field, "OK status with a message");
      *status = absl::OkStatus();
      return true;
    }
    if (code > static_cast<uint32_t>(absl::StatusCode::kUnauthenticated)) {
      return Fail(field, absl::StrCat("unknown status code ", code));
    }
    *status = absl::Status(static_cast<absl::StatusCode>(code),
                           absl::string_view(text.data(), text.size()));
    return true;
  }
  bool KeyStates(std::vector<KeyState>* entries) {
    uint32_t count = 0;
    if (!Varint32(&count, "entry count")) return false;
    // Every entry takes at least two bytes (two empty lengths).
    if (count > message_format::kMaxEntriesPerMessage || count > input_.size() / 2) {
      return Fail("entry count", absl::StrCat(count, " entries in ", input_.size(), " bytes"));
    }
    entries->reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      KeyState entry;
      const std::string field = absl::StrCat("entry #", i);
      if (!Key(&entry.key, field.c_str()) || !State(&entry.state, field.c_str())) return false;
      entries->push_back(std::move(entry));
    }
    return true;
  }
  bool Nested(std::string_view* bytes, const char* field) {
    if (!GetCanonicalLengthPrefixed(&input_, bytes)) {
      return Fail(field, "truncated, length too large or overlong varint");
    }
    return true;
  }
  // Fails a field for a reason found by the caller.
  bool Fail(const char* field, const std::string& problem) {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(what_, " message: ", field, ": ", problem));
    }
    return false;
  }
  // OK when everything parsed and no byte is left.
  absl::Status Finish() {
    if (status_.ok() && !input_.empty()) {
      status_ = absl::InvalidArgumentError(
          absl::StrCat(what_, " message: ", input_.size(), " trailing bytes"));
    }
    return status_;
  }

 private:
  std::string_view input_;
  const char* what_;
  absl::Status status_;
};

// Writes the header; the payload follows.
std::string Header(MessageType type) {
  std::string out;
  out.push_back(static_cast<char>(message_format::kVersion));
  out.push_back(static_cast<char>(type));
  return out;
}

void PutStatus(std::string* dst, const absl::Status& status) {
  PutVarint32(dst, static_cast<uint32_t>(status.code()));
  const std::string_view text(status.message().data(), status.message().size());
  PutLengthPrefixed(dst, status.ok() ? std::string_view()
                                     : text.substr(0, message_format::kMaxStatusMessageBytes));
}

void PutState(std::string* dst, const DvvSet& state) {
  std::string encoded;
  state.EncodeTo(&encoded);
  PutLengthPrefixed(dst, encoded);
}

void PutKeyStates(std::string* dst, const std::vector<KeyState>& entries) {
  PutVarint32(dst, static_cast<uint32_t>(entries.size()));
  for (const KeyState& entry : entries) {
    PutLengthPrefixed(dst, entry.key);
    PutState(dst, entry.state);
  }
}

template <typename T>
absl::StatusOr<T> Finished(Reader& reader, T value) {
  if (absl::Status s = reader.Finish(); !s.ok()) return s;
  return value;
}

}  // namespace

std::string PrintableKey(std::string_view key) {
  constexpr size_t kMaxShown = 64;
  std::string shown = absl::CHexEscape(std::string(key.substr(0, kMaxShown)));
  if (key.size() > kMaxShown) shown += "...";
  return shown;
}

absl::StatusOr<Envelope> ParseEnvelope(std::string_view bytes) {
  if (bytes.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("message of ", bytes.size(), " bytes: no room for the header"));
  }
  const uint8_t version = static_cast<uint8_t>(bytes[0]);
  if (version != message_format::kVersion) {
    return absl::InvalidArgumentError(absl::StrCat("message: unknown format version ", version));
  }
  return Envelope{static_cast<uint8_t>(bytes[1]), bytes.substr(2)};
}

std::string WrapPayload(uint8_t type, std::string_view payload) {
  std::string out;
  out.reserve(2 + payload.size());
  out.push_back(static_cast<char>(message_format::kVersion));
  out.push_back(static_cast<char>(type));
  out.append(payload.data(), payload.size());
  return out;
}

std::string EncodeMessage(const ReadRequest& m) {
  std::string out = Header(MessageType::kReadRequest);
  PutVarint64(&out, m.request_id);
  PutLengthPrefixed(&out, m.key);
  return out;
}

absl::StatusOr<ReadRequest> DecodeReadRequest(std::string_view payload) {
  Reader in(payload, "read request");
  ReadRequest m;
  in.Varint64(&m.request_id, "request id") && in.Key(&m.key, "key");
  return Finished(in, std::move(m));
}

std::string EncodeMessage(const ReadResponse& m) {
  std::string out = Header(MessageType::kReadResponse);
  PutVarint64(&out, m.request_id);
  PutStatus(&out, m.status);
  PutState(&out, m.state);
  return out;
}

absl::StatusOr<ReadResponse> DecodeReadResponse(std::string_view payload) {
  Reader in(payload, "read response");
  ReadResponse m;
  in.Varint64(&m.request_id, "request id") && in.Status(&m.status, "status") &&
      in.State(&m.state, "state");
  return Finished(in, std::move(m));
}

std::string EncodeMessage(const WriteRequest& m) {
  std::string out = Header(MessageType::kWriteRequest);
  PutVarint64(&out, m.request_id);
  out.push_back(m.hint_for.has_value() ? 1 : 0);
  if (m.hint_for.has_value()) PutVarint64(&out, *m.hint_for);
  PutLengthPrefixed(&out, m.key);
  PutState(&out, m.state);
  return out;
}

absl::StatusOr<WriteRequest> DecodeWriteRequest(std::string_view payload) {
  Reader in(payload, "write request");
  WriteRequest m;
  uint8_t flags = 0;
  if (in.Varint64(&m.request_id, "request id") && in.Byte(&flags, 1, "flags")) {
    uint64_t owner = 0;
    if (flags == 1 && in.Varint64(&owner, "hint owner")) m.hint_for = owner;
    in.Key(&m.key, "key") && in.State(&m.state, "state");
  }
  return Finished(in, std::move(m));
}

std::string EncodeMessage(const WriteResponse& m) {
  std::string out = Header(MessageType::kWriteResponse);
  PutVarint64(&out, m.request_id);
  PutStatus(&out, m.status);
  return out;
}

absl::StatusOr<WriteResponse> DecodeWriteResponse(std::string_view payload) {
  Reader in(payload, "write response");
  WriteResponse m;
  in.Varint64(&m.request_id, "request id") && in.Status(&m.status, "status");
  return Finished(in, std::move(m));
}

std::string EncodeMessage(const RepairWrite& m) {
  std::string out = Header(MessageType::kRepairWrite);
  PutLengthPrefixed(&out, m.key);
  PutState(&out, m.state);
  return out;
}

absl::StatusOr<RepairWrite> DecodeRepairWrite(std::string_view payload) {
  Reader in(payload, "repair write");
  RepairWrite m;
  in.Key(&m.key, "key") && in.State(&m.state, "state");
  return Finished(in, std::move(m));
}

std::string EncodeMessage(const StreamBatch& m) {
  std::string out = Header(MessageType::kStreamBatch);
  PutVarint64(&out, m.stream_id);
  PutVarint64(&out, m.sequence);
  out.push_back(m.last ? 1 : 0);
  PutKeyStates(&out, m.entries);
  return out;
}

absl::StatusOr<StreamBatch> DecodeStreamBatch(std::string_view payload) {
  Reader in(payload, "stream batch");
  StreamBatch m;
  uint8_t last = 0;
  if (in.Varint64(&m.stream_id, "stream id") && in.Varint64(&m.sequence, "sequence") &&
      in.Byte(&last, 1, "last")) {
    m.last = last == 1;
    in.KeyStates(&m.entries);
  }
  return Finished(in, std::move(m));
}

std::string EncodeMessage(const StreamAck& m) {
  std::string out = Header(MessageType::kStreamAck);
  PutVarint64(&out, m.stream_id);
  PutVarint64(&out, m.sequence);
  PutStatus(&out, m.status);
  return out;
}

absl::StatusOr<StreamAck> DecodeStreamAck(std::string_view payload) {
  Reader in(payload, "stream ack");
  StreamAck m;
  in.Varint64(&m.stream_id, "stream id") && in.Varint64(&m.sequence, "sequence") &&
      in.Status(&m.status, "status");
  return Finished(in, std::move(m));
}

std::string EncodeMessage(const MerkleRequestMessage& m) {
  std::string out = Header(MessageType::kMerkleRequest);
  PutVarint64(&out, m.exchange_id);
  std::string request;
  m.request.EncodeTo(&request);
  PutLengthPrefixed(&out, request);
  return out;
}

absl::StatusOr<MerkleRequestMessage> DecodeMerkleRequestMessage(std::string_view payload) {
  Reader in(payload, "Merkle request");
  MerkleRequestMessage m;
  std::string_view request;
  if (in.Varint64(&m.exchange_id, "exchange id") && in.Nested(&request, "request")) {
    absl::StatusOr<MerkleRequest> decoded = MerkleRequest::Decode(request);
    if (decoded.ok()) {
      m.request = *std::move(decoded);
    } else {
      in.Fail("request", std::string(decoded.status().message()));
    }
  }
  return Finished(in, std::move(m));
}

std::string EncodeMessage(const MerkleResponseMessage& m) {
  std::string out = Header(MessageType::kMerkleResponse);
  PutVarint64(&out, m.exchange_id);
  PutStatus(&out, m.status);
  std::string response;
  if (m.status.ok()) m.response.EncodeTo(&response);
  PutLengthPrefixed(&out, response);
  return out;
}

absl::StatusOr<MerkleResponseMessage> DecodeMerkleResponseMessage(std::string_view payload) {
  Reader in(payload, "Merkle response");
  MerkleResponseMessage m;
  std::string_view response;
  if (in.Varint64(&m.exchange_id, "exchange id") && in.Status(&m.status, "status") &&
      in.Nested(&response, "response")) {
    if (!m.status.ok()) {
      if (!response.empty()) in.Fail("response", "present after an error status");
    } else {
      absl::StatusOr<MerkleResponse> decoded = MerkleResponse::Decode(response);
      if (decoded.ok()) {
        m.response = *std::move(decoded);
      } else {
        in.Fail("response", std::string(decoded.status().message()));
      }
    }
  }
  return Finished(in, std::move(m));
}

std::string EncodeMessage(const KeyStatesRequest& m) {
  std::string out = Header(MessageType::kKeyStatesRequest);
  PutVarint64(&out, m.exchange_id);
  PutKeyStates(&out, m.entries);
  return out;
}

absl::StatusOr<KeyStatesRequest> DecodeKeyStatesRequest(std::string_view payload) {
  Reader in(payload, "key states request");
  KeyStatesRequest m;
  in.Varint64(&m.exchange_id, "exchange id") && in.KeyStates(&m.entries);
  return Finished(in, std::move(m));
}

std::string EncodeMessage(const KeyStatesResponse& m) {
  std::string out = Header(MessageType::kKeyStatesResponse);
  PutVarint64(&out, m.exchange_id);
  PutKeyStates(&out, m.entries);
  return out;
}

absl::StatusOr<KeyStatesResponse> DecodeKeyStatesResponse(std::string_view payload) {
  Reader in(payload, "key states response");
  KeyStatesResponse m;
  in.Varint64(&m.exchange_id, "exchange id") && in.KeyStates(&m.entries);
  return Finished(in, std::move(m));
}

}  // namespace kvlsm::cluster
