// net_cluster: a kvlsm Transport over TCP on 127.0.0.1, built on Asio.
//
// Framing. Each message travels as one frame:
//
//   frame := length:fixed32 (bytes after this field) from:fixed64 message:bytes
//
// little-endian, over one TCP connection per ordered pair of nodes (the sender connects
// lazily on its first Send). A frame longer than kMaxFrameBytes or shorter than 8 bytes
// closes the connection. `from` is the sender's NodeId as it claims it: this example
// trusts loopback peers; a real deployment authenticates them (TLS, or a signed hello).
//
// Failure. A message to a peer that cannot be reached is dropped, as kvlsm's Transport
// contract allows; so is the queue of a connection that breaks, and the next Send
// reconnects. Timeouts and hints in the Node do the rest.
//
// Thread safety: use from the io_context's thread only; the handler runs there.
#ifndef KVLSM_EXAMPLES_NET_CLUSTER_ASIO_TRANSPORT_H_
#define KVLSM_EXAMPLES_NET_CLUSTER_ASIO_TRANSPORT_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <asio.hpp>

#include "absl/status/status.h"
#include "kvlsm/cluster/transport.h"

namespace net_cluster {

class AsioTransport final : public kvlsm::cluster::Transport {
 public:
  // Frames above this (64 MiB) are refused: they are not kvlsm messages this example sends.
  static constexpr uint32_t kMaxFrameBytes = 64u << 20;
  // Messages queued for one peer beyond this are dropped.
  static constexpr size_t kMaxQueuedMessages = 10000;

  using Handler = std::function<void(kvlsm::cluster::NodeId from, std::string bytes)>;

  // `ports` maps every node (self included) to its TCP port on 127.0.0.1.
  AsioTransport(asio::io_context& io, kvlsm::cluster::NodeId self,
                std::map<kvlsm::cluster::NodeId, uint16_t> ports, Handler handler);
  ~AsioTransport() override;

  // Starts accepting on 127.0.0.1:ports[self]. Unavailable naming the port if it fails.
  absl::Status Listen();

  void Send(kvlsm::cluster::NodeId to, std::string bytes) override;

 private:
  struct Peer;
  class Connection;

  void Accept();
  void Connect(kvlsm::cluster::NodeId to);
  void WriteNext(kvlsm::cluster::NodeId to);
  void Drop(kvlsm::cluster::NodeId to);

  asio::io_context& io_;
  const kvlsm::cluster::NodeId self_;
  const std::map<kvlsm::cluster::NodeId, uint16_t> ports_;
  const Handler handler_;
  asio::ip::tcp::acceptor acceptor_;
  std::map<kvlsm::cluster::NodeId, std::unique_ptr<Peer>> peers_;  // outgoing connections
  // Set to false on destruction: handlers still queued in the io_context see it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace net_cluster

#endif  // KVLSM_EXAMPLES_NET_CLUSTER_ASIO_TRANSPORT_H_
