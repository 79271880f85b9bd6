// Writes the seed corpora of the fuzz targets, fuzz/corpus/<target>/, from real
// encodings: the files of a small DB written by the engine (WAL, tables, MANIFEST), the
// blocks and the filter inside its tables, the distribution module's encoders (values,
// wire messages, stored hints), and seeded random operation sequences for the API target.
// Deterministic (fixed seeds, a fixed clock), so the checked-in corpora can be compared with a
// fresh run (ctest fuzz.seed_corpus_is_current).
//
// Usage: kvlsm_fuzz_seed_corpus <output directory>   (scripts/make-fuzz-corpus runs it)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_format.h"
#include "base/filename.h"
#include "cluster/hint_store.h"
#include "cluster/membership_codec.h"
#include "cluster/messages.h"
#include "cluster/replica_store.h"
#include "fuzz/fuzz_util.h"
#include "kvlsm/comparator.h"
#include "kvlsm/db.h"
#include "kvlsm/cluster/dotted_version_vector.h"
#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/merkle_exchange.h"
#include "kvlsm/cluster/ring.h"
#include "kvlsm/cluster/vector_clock.h"
#include "kvlsm/env.h"
#include "reliability/intercept_env.h"
#include "reliability/workload.h"
#include "table/block.h"
#include "table/format.h"
#include "testutil/test_plugins.h"
#include "util/coding.h"
#include "wal/log_reader.h"

namespace kvlsm {
namespace {

// Seeds written so far, per target.
class Corpus {
 public:
  explicit Corpus(std::filesystem::path root) : root_(std::move(root)) {}

  void Add(const std::string& target, const std::string& name, std::string_view bytes) {
    const std::filesystem::path dir = root_ / target;
    std::filesystem::create_directories(dir);
    std::ofstream file(dir / name, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!file) Fail("cannot write " + (dir / name).string());
    ++count_[target];
  }
  // `mode` followed by `bytes`.
  void AddWithMode(const std::string& target, const std::string& name, uint8_t mode,
                   std::string_view bytes) {
    std::string seed(1, static_cast<char>(mode));
    seed.append(bytes);
    Add(target, name, seed);
  }
  void Report() const {
    for (const auto& [target, n] : count_) std::printf("%-28s %d seeds\n", target.c_str(), n);
  }

  [[noreturn]] static void Fail(const std::string& what) {
    std::fprintf(stderr, "make_seed_corpus: %s\n", what.c_str());
    std::exit(1);
  }

 private:
  const std::filesystem::path root_;
  std::map<std::string, int> count_;
};

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) Corpus::Fail(absl::StrFormat("%s: %s", what, s.ToString()));
}

// The in-memory Env with a fixed clock, so that tables record the same creation time on
// every run.
class FixedClockEnv final : public test::InterceptEnv {
 public:
  using InterceptEnv::InterceptEnv;
  uint64_t NowUnixSeconds() override { return 1700000000; }
};

// A u16 length (the form FuzzInput::LengthPrefixed reads for bounds above 255), then the
// bytes.
std::string Prefixed16(std::string_view bytes) {
  std::string out(2, '\0');
  out[0] = static_cast<char>(bytes.size() & 0xff);
  out[1] = static_cast<char>(bytes.size() >> 8);
  out.append(bytes);
  return out;
}

std::string RandomBytes(uint64_t seed, size_t size) {
  kvlsm::Random rnd(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(rnd.Uniform(256));
  return out;
}

// The blocks (index, filter, data) of the table pair (sst, idx).
void AddTableSeeds(Corpus* corpus, const std::string& name, const std::string& sst,
                   const std::string& idx) {
  // table_reader: mode 0x0c (verify checksums, paranoid), the .idx size, the .idx, the .sst.
  if (idx.size() < 65536) {
    std::string seed(1, '\x0c');
    seed += static_cast<char>(idx.size() & 0xff);
    seed += static_cast<char>(idx.size() >> 8);
    corpus->Add("table_reader", name, seed + idx + sst);
  }
  auto footer = Footer::DecodeFrom(idx, name);
  Check(footer.status(), "decoding a footer");
  const BlockHandle& index = footer->index_handle;
  // block_reader: mode 0x02 (internal keys), the payload of a block.
  const std::string index_block = idx.substr(index.offset, index.size);
  corpus->AddWithMode("block_reader", name + "-index", 0x02, index_block);
  if (footer->has_filter()) {
    const BlockHandle& filter = footer->filter_handle;
    corpus->AddWithMode("bloom_filter", name + "-filter", 0x00,
                        idx.substr(filter.offset, filter.size));
  }
  // The first two data blocks, found through the index block's entries.
  BlockContents contents;
  contents.data = index_block;
  const Block block(std::move(contents));
  const InternalKeyComparator comparator(BytewiseComparator());
  std::unique_ptr<Iterator> it = block.NewIterator(&comparator);
  int n = 0;
  for (it->SeekToFirst(); it->Valid() && n < 2; it->Next(), ++n) {
    std::string_view value = it->value();
    BlockHandle handle;
    if (!handle.DecodeFrom(&value)) Corpus::Fail("bad index entry in " + name);
    corpus->AddWithMode("block_reader", absl::StrFormat("%s-data%d", name, n), 0x02,
                        sst.substr(handle.offset, handle.size));
  }
}

void AddManifestSeeds(Corpus* corpus, const std::string& name, const std::string& manifest,
                      uint64_t number) {
  LogReader reader(std::make_unique<fuzz::StringSequentialFile>(manifest), nullptr, number);
  std::string scratch, edits;
  std::string_view record;
  int n = 0;
  while (reader.ReadRecord(&record, &scratch)) {
    corpus->AddWithMode("version_edit", absl::StrFormat("%s-record%d", name, n++), 0x00, record);
    if (record.size() < 256) {
      edits += static_cast<char>(record.size());
      edits.append(record);
    }
  }
  // The whole MANIFEST, replayed by DB::Open, with and without paranoid checks.
  corpus->AddWithMode("version_edit", name + "-open", 0x01, edits);
  corpus->AddWithMode("version_edit", name + "-open-paranoid", 0x03, edits);
}

// A small DB written by the engine: two flushed tables, a MANIFEST with several edits, and
// a WAL with unflushed writes.
void AddDbFileSeeds(Corpus* corpus) {
  std::unique_ptr<Env> mem = NewMemEnv();
  FixedClockEnv env(mem.get());
  Options options;
  options.env = &env;
  options.create_if_missing = true;
  options.block_size = 256;
  options.merge_operator = std::make_shared<test::PlusAppendOperator>();
  test::WorkloadOptions workload;
  workload.seed = 7;
  workload.num_keys = 40;
  workload.max_value_size = 120;
  {
    auto db = DB::Open(options, "/db");
    Check(db.status(), "opening the seed DB");
    for (uint64_t id = 1; id <= 60; ++id) {
      WriteBatch batch = test::MakeWrite(workload, id).ToBatch();
      Check((*db)->Write(WriteOptions(), &batch), "writing");
      if (id % 25 == 0) Check((*db)->Flush(), "flushing");
    }
  }
  auto children = mem->GetChildren("/db");
  Check(children.status(), "listing the seed DB");
  std::map<std::string, std::string> files;
  for (const std::string& name : *children) {
    Check(ReadFileToString(mem.get(), "/db/" + name, &files[name]), "reading a DB file");
  }
  for (const auto& [name, contents] : files) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    if (type == FileType::kLog && !contents.empty()) corpus->Add("wal_reader", name, contents);
    if (type == FileType::kManifest) AddManifestSeeds(corpus, name, contents, number);
    if (type == FileType::kTable) {
      const std::string stem = name.substr(0, name.size() - 4);
      AddTableSeeds(corpus, stem, contents, files.at(stem + ".idx"));
    }
  }
}

void AddBuilderModeSeeds(Corpus* corpus) {
  // Targets that build their own input from structured bytes (mode bit 0): random bytes
  // after the mode reach every path of the builders.
  for (int i = 0; i < 3; ++i) {
    corpus->AddWithMode("block_reader", absl::StrFormat("built%d", i), 0x01 | (i & 1) << 1,
                        RandomBytes(100 + i, 300));
    corpus->AddWithMode("table_reader", absl::StrFormat("built%d", i), 0x01,
                        RandomBytes(200 + i, 600));
    corpus->AddWithMode("bloom_filter", absl::StrFormat("built%d", i), 0x01,
                        RandomBytes(300 + i, 400));
  }
}

void AddApiSeeds(Corpus* corpus) {
  for (int i = 0; i < 6; ++i) {
    corpus->Add("db_api", absl::StrFormat("ops%d", i), RandomBytes(400 + i, 256 << (i % 3)));
  }
}

}  // namespace

// The distribution module's seeds; its types are in kvlsm::cluster.
namespace cluster {
namespace {

void AddClusterSeeds(Corpus* corpus) {
  for (int nodes : {1, 4}) {
    Ring ring;
    for (int i = 0; i < nodes; ++i) {
      Check(ring.AddNode(RingNode(100 + i, 1.0 + i % 2, i % 2 ? "a" : "b")).status(), "ring");
    }
    std::string bytes;
    ring.EncodeTo(&bytes);
    corpus->Add("cluster_ring", absl::StrFormat("nodes%d", nodes), bytes);
  }
  for (int entries : {1, 5}) {
    VectorClock clock;
    for (int i = 0; i < entries; ++i) clock.Increment(10 + i, 1000 * (i + 1));
    std::string bytes;
    Check(clock.EncodeTo(&bytes), "clock");
    corpus->Add("cluster_vector_clock", absl::StrFormat("entries%d", entries), bytes);
  }
  // A sibling set grown by concurrent writers, its history and contexts.
  DvvSet state;
  std::vector<std::string> states;
  Context seen;
  for (int i = 0; i < 4; ++i) {
    auto context = state.Put(i % 2 ? seen : Context(), absl::StrFormat("value%d", i), 1 + i % 3);
    Check(context.status(), "put");
    seen = *context;
    std::string bytes;
    state.EncodeTo(&bytes);
    corpus->Add("cluster_dvv_set", absl::StrFormat("state%d", i), bytes);
    states.push_back(bytes);
    bytes.clear();
    Check(state.history().EncodeTo(&bytes), "history");
    corpus->Add("cluster_dotted_version_vector", absl::StrFormat("history%d", i), bytes);
    auto encoded = context->Encode();
    Check(encoded.status(), "context");
    corpus->Add("cluster_context", absl::StrFormat("context%d", i), *encoded);
  }
  DottedVersionVector with_gaps;
  with_gaps.Add(Dot{3, 5});
  with_gaps.Add(Dot{9, 2});
  std::string gaps;
  Check(with_gaps.EncodeTo(&gaps), "dvv");
  corpus->Add("cluster_dotted_version_vector", "with-gaps", gaps);
  // sibling merge: flags (bit 0: existing value), then three u16-prefixed values.
  corpus->Add("cluster_sibling_merge", "existing-and-two",
              std::string(1, '\x01') + Prefixed16(states[0]) + Prefixed16(states[2]) +
                  Prefixed16(states[3]));
  corpus->Add(
      "cluster_sibling_merge", "two-operands",
      std::string(1, '\x00') + Prefixed16("") + Prefixed16(states[1]) + Prefixed16(states[2]));

  for (auto type : {MerkleMessageType::kLevelRequest, MerkleMessageType::kLeafEntriesRequest}) {
    MerkleRequest request;
    request.type = type;
    request.range = TokenRange{1 << 20, 1 << 30};
    request.fanout = 4;
    request.depth = 6;
    request.level = 2;
    request.nodes = {1, 2, 5};
    std::string bytes;
    request.EncodeTo(&bytes);
    corpus->Add("cluster_merkle_request", absl::StrFormat("type%d", static_cast<int>(type)), bytes);
  }
  MerkleResponse level;
  level.level = 2;
  level.hashes = {1, 0x123456789abcdef, 42};
  MerkleResponse entries;
  entries.type = MerkleMessageType::kLeafEntriesResponse;
  entries.entries = {KeyHash{"alpha", 1}, KeyHash{"beta", 7}};
  std::string bytes;
  level.EncodeTo(&bytes);
  corpus->Add("cluster_merkle_response", "level", bytes);
  bytes.clear();
  entries.EncodeTo(&bytes);
  corpus->Add("cluster_merkle_response", "entries", bytes);
}

// Node and membership messages, one or two of each type.
void AddMessageSeeds(Corpus* corpus) {
  DvvSet state;
  Check(state.Put(Context(), "value", 1).status(), "put");
  const std::vector<KeyState> entries = {KeyState{"alpha", state}, KeyState{"beta", DvvSet()}};
  MerkleRequest merkle_request;
  merkle_request.range = TokenRange{1, 1 << 30};
  merkle_request.fanout = 4;
  merkle_request.depth = 3;
  merkle_request.level = 1;
  merkle_request.nodes = {0};
  MerkleResponse merkle_response;
  merkle_response.level = 1;
  merkle_response.hashes = {7, 8, 9};
  const std::map<std::string, std::string> messages = {
      {"read-request", EncodeMessage(ReadRequest{1, "key"})},
      {"read-response", EncodeMessage(ReadResponse{2, absl::OkStatus(), state})},
      {"read-response-error",
       EncodeMessage(ReadResponse{3, absl::UnavailableError("replica down"), DvvSet()})},
      {"write-request", EncodeMessage(WriteRequest{4, std::nullopt, "key", state})},
      {"write-request-hint", EncodeMessage(WriteRequest{5, NodeId{9}, "key", state})},
      {"write-response", EncodeMessage(WriteResponse{6, absl::OkStatus()})},
      {"repair-write", EncodeMessage(RepairWrite{"key", state})},
      {"stream-batch", EncodeMessage(StreamBatch{7, 1, true, entries})},
      {"stream-ack", EncodeMessage(StreamAck{7, 1, absl::OkStatus()})},
      {"merkle-request", EncodeMessage(MerkleRequestMessage{8, merkle_request})},
      {"merkle-response",
       EncodeMessage(MerkleResponseMessage{8, absl::OkStatus(), merkle_response})},
      {"key-states-request", EncodeMessage(KeyStatesRequest{9, entries})},
      {"key-states-response", EncodeMessage(KeyStatesResponse{9, entries})},
      {"membership-ping",
       EncodeMembershipMessage(MembershipMessage{
           MembershipMessageType::kPing, 1, 0, {Member{2, MemberState::kSuspect, 3}}})},
      {"membership-state",
       EncodeMembershipMessage(MembershipMessage{
           MembershipMessageType::kState,
           0,
           0,
           {Member{1, MemberState::kAlive, 1}, Member{2, MemberState::kDown, 4}}})},
  };
  for (const auto& [name, bytes] : messages) corpus->Add("cluster_messages", name, bytes);
}

// Hints as HintStore::Add stores them: records of id:u8 and a u16-prefixed value.
void AddHintSeeds(Corpus* corpus) {
  std::unique_ptr<Env> mem = NewMemEnv();
  Options options;
  options.env = mem.get();
  options.create_if_missing = true;
  auto db = DB::Open(options, "/db");
  Check(db.status(), "opening the hint DB");
  auto store = HintStore::Open(db->get(), WriteOptions(), HintStoreOptions(), 1000);
  Check(store.status(), "opening the hint store");
  DvvSet state;
  Check(state.Put(Context(), "value", 1).status(), "put");
  for (int i = 0; i < 3; ++i) {
    Check((*store)->Add(10 + i % 2, absl::StrFormat("key%d", i % 2), state, 1000 + i), "add");
  }
  ReadOptions read;
  read.lower_bound = std::string(1, key_space::kHint);
  read.upper_bound = std::string(1, key_space::kHint + 1);
  std::unique_ptr<Iterator> it = (*db)->NewIterator(read);
  std::string records;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    records += it->key().back();
    records += Prefixed16(it->value());
  }
  Check(it->status(), "reading hints");
  corpus->Add("cluster_hint_store", "three-hints", records);
}

}  // namespace
}  // namespace cluster
}  // namespace kvlsm

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output directory>\n", argv[0]);
    return 2;
  }
  kvlsm::Corpus corpus(argv[1]);
  kvlsm::AddDbFileSeeds(&corpus);
  kvlsm::AddBuilderModeSeeds(&corpus);
  kvlsm::AddApiSeeds(&corpus);
  kvlsm::cluster::AddClusterSeeds(&corpus);
  kvlsm::cluster::AddMessageSeeds(&corpus);
  kvlsm::cluster::AddHintSeeds(&corpus);
  corpus.Report();
  return 0;
}
