#include "asio_transport.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"

namespace net_cluster {

namespace {

void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetFixed(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

}  // namespace

struct AsioTransport::Peer {
  explicit Peer(asio::io_context& io) : socket(io) {}
  asio::ip::tcp::socket socket;
  bool connected = false;
  bool connecting = false;
  bool writing = false;
  // Bumped by Drop: completions of the dropped socket's operations are ignored.
  uint64_t generation = 0;
  std::deque<std::string> queue;  // framed messages
};

// One accepted connection: reads frames until the peer closes or misbehaves.
class AsioTransport::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, const Handler* handler, std::shared_ptr<bool> alive)
      : socket_(std::move(socket)), handler_(handler), alive_(std::move(alive)) {}

  void ReadHeader() {
    auto self = shared_from_this();
    asio::async_read(socket_, asio::buffer(header_, sizeof(header_)),
                     [self](const asio::error_code& ec, size_t) {
                       if (ec || !*self->alive_) return;
                       const uint32_t length = static_cast<uint32_t>(GetFixed(self->header_, 4));
                       if (length < 8 || length > kMaxFrameBytes) return;  // closes: refused
                       self->body_.resize(length);
                       self->ReadBody();
                     });
  }

 private:
  void ReadBody() {
    auto self = shared_from_this();
    asio::async_read(socket_, asio::buffer(body_.data(), body_.size()),
                     [self](const asio::error_code& ec, size_t) {
                       if (ec || !*self->alive_) return;
                       const kvlsm::cluster::NodeId from = GetFixed(self->body_.data(), 8);
                       (*self->handler_)(from, self->body_.substr(8));
                       if (*self->alive_) self->ReadHeader();
                     });
  }

  asio::ip::tcp::socket socket_;
  const Handler* handler_;
  std::shared_ptr<bool> alive_;
  char header_[4];
  std::string body_;
};

AsioTransport::AsioTransport(asio::io_context& io, kvlsm::cluster::NodeId self,
                             std::map<kvlsm::cluster::NodeId, uint16_t> ports, Handler handler)
    : io_(io), self_(self), ports_(std::move(ports)), handler_(std::move(handler)), acceptor_(io) {}

AsioTransport::~AsioTransport() {
  *alive_ = false;
  asio::error_code ignored;
  acceptor_.close(ignored);
  for (auto& [id, peer] : peers_) peer->socket.close(ignored);
}

absl::Status AsioTransport::Listen() {
  auto it = ports_.find(self_);
  if (it == ports_.end()) {
    return absl::InvalidArgumentError(absl::StrFormat("no port for node %d", self_));
  }
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), it->second);
  asio::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrFormat("listening on 127.0.0.1:%d: %s", it->second, ec.message()));
  }
  Accept();
  return absl::OkStatus();
}

void AsioTransport::Accept() {
  acceptor_.async_accept([this, alive = alive_](const asio::error_code& ec,
                                                asio::ip::tcp::socket socket) {
    if (!*alive) return;
    if (!ec) {
      socket.set_option(asio::ip::tcp::no_delay(true));
      std::make_shared<Connection>(std::move(socket), &handler_, alive)
          ->ReadHeader();
    }
    if (acceptor_.is_open()) Accept();
  });
}

void AsioTransport::Send(kvlsm::cluster::NodeId to, std::string bytes) {
  if (ports_.count(to) == 0 || bytes.size() + 8 > kMaxFrameBytes) return;  // dropped
  auto& slot = peers_[to];
  if (slot == nullptr) slot = std::make_unique<Peer>(io_);
  Peer& peer = *slot;
  if (peer.queue.size() >= kMaxQueuedMessages) return;
  std::string frame;
  frame.reserve(12 + bytes.size());
  PutFixed32(&frame, static_cast<uint32_t>(8 + bytes.size()));
  PutFixed64(&frame, self_);
  frame += bytes;
  peer.queue.push_back(std::move(frame));
  if (peer.connected) {
    WriteNext(to);
  } else if (!peer.connecting) {
    Connect(to);
  }
}

void AsioTransport::Connect(kvlsm::cluster::NodeId to) {
  Peer& peer = *peers_[to];
  peer.connecting = true;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), ports_.at(to));
  peer.socket.async_connect(endpoint, [this, to, generation = peer.generation,
                                       alive = alive_](const asio::error_code& ec) {
    if (!*alive || peers_[to]->generation != generation) return;
    Peer& peer = *peers_[to];
    peer.connecting = false;
    if (ec) {
      Drop(to);
      return;
    }
    peer.socket.set_option(asio::ip::tcp::no_delay(true));
    peer.connected = true;
    WriteNext(to);
  });
}

void AsioTransport::WriteNext(kvlsm::cluster::NodeId to) {
  Peer& peer = *peers_[to];
  if (peer.writing || peer.queue.empty()) return;
  peer.writing = true;
  asio::async_write(peer.socket, asio::buffer(peer.queue.front()),
                    [this, to, generation = peer.generation,
                     alive = alive_](const asio::error_code& ec, size_t) {
                      if (!*alive || peers_[to]->generation != generation) return;
                      Peer& peer = *peers_[to];
                      peer.writing = false;
                      if (ec) {
                        Drop(to);
                        return;
                      }
                      peer.queue.pop_front();
                      WriteNext(to);
                    });
}

void AsioTransport::Drop(kvlsm::cluster::NodeId to) {
  // The peer is unreachable: forget what was queued (the Node's timeouts and hints cover
  // it) and reconnect on the next Send.
  Peer& peer = *peers_[to];
  asio::error_code ignored;
  peer.socket.close(ignored);
  peer.socket = asio::ip::tcp::socket(io_);
  peer.connected = false;
  peer.connecting = false;
  peer.writing = false;
  peer.generation++;
  peer.queue.clear();
}

}  // namespace net_cluster
