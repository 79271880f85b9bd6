// shopping_cart: the Dynamo paper's shopping cart (section 4.4), on three kvlsm replicas.
//
// A key's replicas come from a Ring. Each replica is a DB (in memory) whose values are
// DvvSets folded by the sibling merge operator, so a replica applies a write it receives
// with DB::Merge and never has to read first. The story:
//   1. A client adds "book" through replica A; the write reaches A, B and C.
//   2. The network splits {A} from {B, C}. One client adds "pen" through A, another adds
//      "lamp" through B. Each write only removes what its writer had seen ("book").
//   3. The partition heals. Anti-entropy compares A's and B's Merkle trees, finds the
//      cart, and each side merges the other's state.
//   4. A read now returns two siblings, {book, pen} and {book, lamp}, and one context.
//      The client merges them (a set union, so no item is lost) and writes the result back
//      with that context, which supersedes both siblings: one version remains.
//
//   shopping_cart          exits 0 when the story ends as the paper says, 1 otherwise.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "kvlsm/db.h"
#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/merkle.h"
#include "kvlsm/cluster/merkle_exchange.h"
#include "kvlsm/cluster/ring.h"
#include "kvlsm/cluster/sibling_merge_operator.h"
#include "kvlsm/env.h"
#include "kvlsm/options.h"

namespace {

constexpr char kCart[] = "cart:alice";

// One replica: a node id, a DB holding DvvSets, and a Merkle tree kept current.
struct Replica {
  kvlsm::cluster::NodeId id;
  std::string name;
  std::unique_ptr<kvlsm::DB> db;
  std::unique_ptr<kvlsm::cluster::MerkleTree> tree;
};

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "shopping_cart: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// The replica's state of a key (empty when it has none).
kvlsm::cluster::DvvSet Load(Replica& r, const std::string& key) {
  std::string bytes;
  absl::Status s = r.db->Get(kvlsm::ReadOptions(), key, &bytes);
  if (absl::IsNotFound(s)) return kvlsm::cluster::DvvSet();
  Check(s, "get");
  absl::StatusOr<kvlsm::cluster::DvvSet> state = kvlsm::cluster::DvvSet::Decode(bytes);
  Check(state.status(), "decode");
  return *std::move(state);
}

// Applies a state (or delta) from anywhere: Merge, then bring the Merkle tree along.
void Apply(Replica& r, const std::string& key, const kvlsm::cluster::DvvSet& incoming) {
  std::string before;
  const bool had = r.db->Get(kvlsm::ReadOptions(), key, &before).ok();
  std::string operand;
  incoming.EncodeTo(&operand);
  Check(r.db->Merge(kvlsm::WriteOptions(), key, operand), "merge");
  std::string after;
  Check(r.db->Get(kvlsm::ReadOptions(), key, &after), "get");
  r.tree->Update(key, had ? std::optional<std::string_view>(before) : std::nullopt, after);
}

// A client's put through `coordinator`, replicated to `reachable` replicas.
kvlsm::cluster::Context Put(Replica& coordinator, std::vector<Replica*> reachable,
                   const kvlsm::cluster::Context& context, const std::string& value) {
  kvlsm::cluster::DvvSet state = Load(coordinator, kCart);
  kvlsm::cluster::DvvSet delta;
  absl::StatusOr<kvlsm::cluster::Context> written =
      state.Put(context, value, coordinator.id, &delta);
  Check(written.status(), "put");
  for (Replica* r : reachable) Apply(*r, kCart, delta);
  return *written;
}

std::set<std::string> Items(const std::string& value) {
  std::set<std::string> items;
  for (absl::string_view item : absl::StrSplit(value, ',', absl::SkipEmpty())) {
    items.insert(std::string(item));
  }
  return items;
}

std::string Cart(const std::set<std::string>& items) { return absl::StrJoin(items, ","); }

void Show(const char* when, Replica& r) {
  const kvlsm::cluster::Siblings siblings = Load(r, kCart).Read();
  std::printf("  %-28s replica %s: %zu sibling(s):", when, r.name.c_str(), siblings.values.size());
  for (const std::string& v : siblings.values) std::printf(" {%s}", v.c_str());
  std::printf("\n");
}

// Anti-entropy between two replicas: exchange Merkle trees, then swap the states of the
// keys found to differ (each side merges the other's).
void AntiEntropy(Replica& a, Replica& b) {
  kvlsm::cluster::MerkleExchange exchange(a.tree.get());
  while (!exchange.done()) {
    std::unique_ptr<kvlsm::Iterator> remote = b.db->NewIterator(kvlsm::ReadOptions());
    absl::StatusOr<kvlsm::cluster::MerkleResponse> response =
        kvlsm::cluster::AnswerMerkleRequest(*b.tree, exchange.NextRequest(), remote.get());
    Check(response.status(), "answer");
    std::unique_ptr<kvlsm::Iterator> local = a.db->NewIterator(kvlsm::ReadOptions());
    Check(exchange.HandleResponse(*response, local.get()), "exchange");
  }
  std::printf("  anti-entropy %s<->%s: %llu rounds, %llu hashes, differing keys:", a.name.c_str(),
              b.name.c_str(), static_cast<unsigned long long>(exchange.stats().rounds),
              static_cast<unsigned long long>(exchange.stats().tree_hashes +
                                              exchange.stats().entry_hashes));
  for (const std::string& key : exchange.differing_keys()) std::printf(" %s", key.c_str());
  std::printf("\n");
  for (const std::string& key : exchange.differing_keys()) {
    const kvlsm::cluster::DvvSet from_a = Load(a, key), from_b = Load(b, key);
    Apply(a, key, from_b);
    Apply(b, key, from_a);
  }
}

}  // namespace

int main() {
  std::unique_ptr<kvlsm::Env> env = kvlsm::NewMemEnv();
  kvlsm::cluster::Ring ring;
  std::map<kvlsm::cluster::NodeId, Replica> replicas;
  const char* names[] = {"A", "B", "C"};
  for (kvlsm::cluster::NodeId id = 1; id <= 3; ++id) {
    Check(ring.AddNode(kvlsm::cluster::RingNode(id)).status(), "ring");
    kvlsm::Options options;
    options.env = env.get();
    options.create_if_missing = true;
    options.merge_operator = kvlsm::cluster::NewSiblingMergeOperator();
    const std::string name = names[id - 1];
    absl::StatusOr<std::unique_ptr<kvlsm::DB>> db = kvlsm::DB::Open(options, "/replica-" + name);
    Check(db.status(), "open");
    absl::StatusOr<kvlsm::cluster::MerkleTree> tree = kvlsm::cluster::MerkleTree::Create(
        kvlsm::cluster::MerkleOptions(), kvlsm::cluster::TokenRange{});
    Check(tree.status(), "tree");
    replicas[id] = Replica{id, name, *std::move(db),
                           std::make_unique<kvlsm::cluster::MerkleTree>(*std::move(tree))};
  }
  const std::vector<kvlsm::cluster::NodeId> preference = ring.PreferenceList(kCart, 3);
  Replica& a = replicas[preference[0]];
  Replica& b = replicas[preference[1]];
  Replica& c = replicas[preference[2]];
  std::printf("preference list of %s: %s, %s, %s\n", kCart, a.name.c_str(), b.name.c_str(),
              c.name.c_str());

  std::printf("1. add \"book\" through %s\n", a.name.c_str());
  Put(a, {&a, &b, &c}, kvlsm::cluster::Context(), "book");
  Show("after the first write", a);

  std::printf("2. partition {%s} | {%s, %s}: add \"pen\" on one side, \"lamp\" on the other\n",
              a.name.c_str(), b.name.c_str(), c.name.c_str());
  const kvlsm::cluster::Siblings seen_on_a = Load(a, kCart).Read();
  const kvlsm::cluster::Siblings seen_on_b = Load(b, kCart).Read();
  Put(a, {&a}, seen_on_a.context, Cart({"book", "pen"}));
  Put(b, {&b, &c}, seen_on_b.context, Cart({"book", "lamp"}));
  Show("during the partition", a);
  Show("during the partition", b);

  std::printf("3. the partition heals\n");
  AntiEntropy(a, b);
  AntiEntropy(b, c);
  Show("after anti-entropy", a);

  std::printf("4. a client reads, merges the siblings and writes back\n");
  const kvlsm::cluster::Siblings read = Load(a, kCart).Read();
  std::set<std::string> merged;
  for (const std::string& v : read.values) {
    for (const std::string& item : Items(v)) merged.insert(item);
  }
  absl::StatusOr<std::string> context_bytes = read.context.Encode();
  Check(context_bytes.status(), "context");
  std::printf("  read %zu siblings, context %s (%zu bytes on the wire)\n", read.values.size(),
              read.context.ToString().c_str(), context_bytes->size());
  // The context travels to the client and back as opaque bytes.
  absl::StatusOr<kvlsm::cluster::Context> returned =
      kvlsm::cluster::Context::Decode(*context_bytes);
  Check(returned.status(), "context");
  Put(a, {&a, &b, &c}, *returned, Cart(merged));
  for (Replica* r : {&a, &b, &c}) Show("after the merged write", *r);

  // The ending the paper describes: nothing lost, one version everywhere.
  for (Replica* r : {&a, &b, &c}) {
    const kvlsm::cluster::Siblings final_state = Load(*r, kCart).Read();
    if (read.values.size() != 2 || final_state.values.size() != 1 ||
        final_state.values[0] != "book,lamp,pen") {
      std::fprintf(stderr, "shopping_cart: unexpected ending on replica %s\n", r->name.c_str());
      return 1;
    }
  }
  std::printf("the cart holds {book, lamp, pen} on every replica\n");
  return 0;
}
