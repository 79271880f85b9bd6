// net_cluster: one node of a kvlsm cluster over real TCP (127.0.0.1).
//
//   kvlsm-net-node --id=1 --ports=7001,7002,7003 --dir=/tmp/node1
//
// Node i listens on the i-th port; the ring holds every node of --ports with replication
// factor 2, so a 3-node cluster has a stand-in for any key whose replica is down: a write
// then leaves a hint on the stand-in, delivered when the replica is back. Membership
// (SWIM gossip, every other node a seed) tells the Node who is up. Anti-entropy is off, so
// that data reaching a restarted node can only have come through a hint.
//
// Commands, one per line on stdin; each answer is one line starting with the command's
// name (other lines, "member ..." and "trace ...", report events as they happen):
//   put <key> <value>   a blind put (empty context), W = 2 sloppy   -> put ok | put error <why>
//   get <key>           R = 2                                       -> get ok <v1>|<v2>... | get error <why>
//   local <key>         this node's stored siblings                 -> local ok <v1>|...
//   replicas <key>      the key's 2 replicas on the ring            -> replicas <id> <id>
//   stats               -> stats hints=<held> stored=<n> delivered=<n>
//   peers               -> peers <id>=<state> ...
//   quit                -> bye, and exit
// Everything runs on one thread: the Asio io_context's.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <asio.hpp>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "asio_clock.h"
#include "asio_transport.h"
#include "kvlsm/cluster/membership.h"
#include "kvlsm/cluster/node.h"
#include "kvlsm/cluster/ring.h"
#include "kvlsm/env.h"

namespace {

using kvlsm::cluster::NodeId;

void Say(const std::string& line) { std::cout << line << std::endl; }

std::string Text(const absl::Status& status) { return std::string(status.message()); }

struct Flags {
  NodeId id = 0;
  std::vector<uint16_t> ports;
  std::string dir;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--id=", 0) == 0) {
      flags->id = std::strtoull(arg.c_str() + 5, nullptr, 10);
    } else if (arg.rfind("--ports=", 0) == 0) {
      for (absl::string_view port : absl::StrSplit(arg.substr(8), ',')) {
        flags->ports.push_back(static_cast<uint16_t>(std::atoi(std::string(port).c_str())));
      }
    } else if (arg.rfind("--dir=", 0) == 0) {
      flags->dir = arg.substr(6);
    } else {
      return false;
    }
  }
  return flags->id >= 1 && flags->id <= flags->ports.size() && !flags->dir.empty();
}

class NetNode {
 public:
  NetNode(asio::io_context& io, const Flags& flags) : io_(io), flags_(flags), clock_(io), input_(io) {
    for (size_t i = 0; i < flags.ports.size(); ++i) ports_[i + 1] = flags.ports[i];
  }

  absl::Status Start() {
    transport_ = std::make_unique<net_cluster::AsioTransport>(
        io_, flags_.id, ports_, [this](NodeId from, std::string bytes) { Deliver(from, bytes); });
    if (absl::Status s = transport_->Listen(); !s.ok()) return s;

    kvlsm::cluster::RingOptions ring_options;
    ring_options.replication_factor = 2;
    ring_options.tokens_per_node = 8;
    kvlsm::cluster::Ring ring(ring_options);
    for (const auto& [id, port] : ports_) {
      if (auto added = ring.AddNode(kvlsm::cluster::RingNode(id)); !added.ok())
        return added.status();
    }
    kvlsm::cluster::NodeOptions options;
    options.id = flags_.id;
    options.path = flags_.dir;
    options.env = kvlsm::Env::Default();
    options.request_timeout_micros = 500000;
    options.hint_replay_interval_micros = 200000;
    options.anti_entropy_interval_micros = 0;
    options.trace = [](std::string_view line) { Say("trace " + std::string(line)); };
    auto node = kvlsm::cluster::Node::Open(options, std::move(ring), &clock_, transport_.get());
    if (!node.ok()) return node.status();
    node_ = std::move(*node);

    kvlsm::cluster::MembershipOptions gossip;
    gossip.self = flags_.id;
    for (const auto& [id, port] : ports_) gossip.seeds.push_back(id);
    gossip.protocol_period_micros = 200000;
    gossip.ping_timeout_micros = 50000;
    gossip.suspicion_timeout_micros = 1000000;
    gossip.join_retry_micros = 200000;
    gossip.down_probe_periods = 2;
    auto membership = kvlsm::cluster::Membership::Start(
        gossip, &clock_, transport_.get(), [this](NodeId peer, kvlsm::cluster::MemberState state) {
          Say("member " + std::to_string(peer) + " " +
              std::string(kvlsm::cluster::MemberStateName(state)));
          node_->SetPeerUp(peer, state == kvlsm::cluster::MemberState::kAlive ||
                                     state == kvlsm::cluster::MemberState::kSuspect);
        });
    if (!membership.ok()) return membership.status();
    membership_ = std::move(*membership);

    input_.assign(::dup(STDIN_FILENO));
    ReadCommand();
    Say("ready " + std::to_string(flags_.id));
    return absl::OkStatus();
  }

  void Stop() {
    membership_.reset();
    node_.reset();
    transport_.reset();
    io_.stop();
  }

 private:
  void Deliver(NodeId from, const std::string& bytes) {
    if (node_ == nullptr) return;
    const absl::Status s = kvlsm::cluster::Membership::IsMembershipMessage(bytes)
                               ? membership_->Receive(from, bytes)
                               : node_->Receive(from, bytes);
    if (!s.ok()) std::cerr << "node " << flags_.id << ": rejected a message: " << s << "\n";
  }

  void ReadCommand() {
    asio::async_read_until(input_, buffer_, '\n', [this](const asio::error_code& ec, size_t) {
      if (ec) {  // stdin closed: the driver is gone
        Stop();
        return;
      }
      std::istream stream(&buffer_);
      std::string line;
      std::getline(stream, line);
      Execute(line);
      if (node_ != nullptr) ReadCommand();
    });
  }

  void Execute(const std::string& line) {
    std::istringstream words(line);
    std::string command, key, value;
    words >> command >> key >> value;
    if (command == "put") {
      kvlsm::cluster::PutOptions options;
      options.w = 2;
      node_->Put(key, kvlsm::cluster::Context(), value, options,
                 [](absl::StatusOr<kvlsm::cluster::Context> r) {
                   Say(r.ok() ? "put ok" : "put error " + Text(r.status()));
                 });
    } else if (command == "get") {
      kvlsm::cluster::GetOptions options;
      options.r = 2;
      node_->Get(key, options, [](absl::StatusOr<kvlsm::cluster::Siblings> r) {
        Say(r.ok() ? "get ok " + absl::StrJoin(r->values, "|") : "get error " + Text(r.status()));
      });
    } else if (command == "local") {
      absl::StatusOr<kvlsm::cluster::DvvSet> state = node_->LocalState(key);
      Say(state.ok() ? "local ok " + absl::StrJoin(state->Read().values, "|")
                     : "local error " + Text(state.status()));
    } else if (command == "replicas") {
      Say("replicas " + absl::StrJoin(node_->ring().PreferenceList(key, 2), " "));
    } else if (command == "stats") {
      const kvlsm::cluster::NodeStats& stats = node_->stats();
      Say("stats hints=" + std::to_string(node_->hint_count()) +
          " stored=" + std::to_string(stats.hints_stored) +
          " delivered=" + std::to_string(stats.hints_delivered));
    } else if (command == "peers") {
      std::vector<std::string> peers;
      for (const kvlsm::cluster::Member& m : membership_->Members()) {
        peers.push_back(std::to_string(m.id) + "=" +
                        std::string(kvlsm::cluster::MemberStateName(m.state)));
      }
      Say("peers " + absl::StrJoin(peers, " "));
    } else if (command == "quit") {
      Say("bye");
      Stop();
    } else {
      Say("error unknown command: " + line);
    }
  }

  asio::io_context& io_;
  const Flags flags_;
  std::map<NodeId, uint16_t> ports_;
  net_cluster::AsioClock clock_;
  asio::posix::stream_descriptor input_;
  asio::streambuf buffer_;
  std::unique_ptr<net_cluster::AsioTransport> transport_;
  std::unique_ptr<kvlsm::cluster::Node> node_;
  std::unique_ptr<kvlsm::cluster::Membership> membership_;
};

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr, "usage: %s --id=<1..n> --ports=<p1,...,pn> --dir=<data directory>\n",
                 argv[0]);
    return 2;
  }
  asio::io_context io;
  NetNode node(io, flags);
  if (absl::Status s = node.Start(); !s.ok()) {
    std::cerr << "node " << flags.id << ": " << s << "\n";
    return 1;
  }
  io.run();
  return 0;
}
