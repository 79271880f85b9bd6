// kvlsm/cluster/sim_network.h: a whole cluster in one thread, in virtual time, from a seed.
//
// SimNetwork is a deterministic discrete-event simulator for testing code written against
// the Clock and Transport seams (kvlsm/cluster/clock.h, kvlsm/cluster/transport.h). Every
// registered node gets
//   - a Clock reading virtual time, with its own offset and drift (clock skew);
//   - a Transport whose messages arrive after a per-link random latency, or get lost,
//     duplicated, reordered, or cut by a partition;
//   - an Env: a FaultInjectionEnv over its own in-memory file system, so that a crash
//     drops whatever the node had not synced, and a restart finds what survived.
// The application attaches a delivery callback per node (for a kvlsm Node, one that calls
// Node::Receive); SimNetwork knows nothing about what the bytes mean.
//
// Determinism. One pseudo-random generator, seeded from SimNetworkOptions::seed, draws
// every latency, loss, duplication and random partition; events at the same virtual time
// run in the order they were scheduled. So the same seed and the same application code
// replay the same run exactly, provided the application itself draws randomness only from
// seeded generators and does nothing on other threads whose timing matters. A test prints
// seed() on failure (SeedDescription() says how to replay it).
//
// Crash and restart. Crash(id) makes the node's process vanish at once: its timers never
// fire, messages in flight to it are dropped, Send and Schedule from it are ignored, its
// Env drops unsynced data, and then the on_crash callback runs (the application destroys
// its Node there: file handles opened before the crash fail with FailedPrecondition, so a
// closing DB cannot make anything durable). Restart(id) brings the node back with the same
// surviving Env and Clock; the application then builds a new Node over them and attaches
// it again.
//
// Thread safety: none. Everything (the event loop, callbacks, and calls into the network
// from them) runs on the thread that calls Run*. The network and every Clock, Transport and
// Env it hands out must outlive the objects that use them.
#ifndef KVLSM_CLUSTER_SIM_NETWORK_H_
#define KVLSM_CLUSTER_SIM_NETWORK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/clock.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/cluster/transport.h"
#include "kvlsm/export.h"
#include "kvlsm/fault_injection_env.h"

namespace kvlsm::cluster {

// How messages cross one directed link. A message's latency is
// min_latency_micros + uniform[0, jitter_micros] + exponential(tail_mean_micros), drawn
// per message, so messages overtake each other whenever jitter or tail is non-zero.
struct KVLSM_EXPORT SimLink {
  uint64_t min_latency_micros = 500;
  // Uniform extra latency. Default 1 ms.
  uint64_t jitter_micros = 1000;
  // Mean of an exponentially distributed extra latency (a long tail); 0: none.
  uint64_t tail_mean_micros = 0;
  // Probability in [0, 1] that a message is lost.
  double loss = 0.0;
  // Probability in [0, 1] that a delivered message also arrives a second time (the copy
  // draws its own latency).
  double duplicate = 0.0;

  // OK, or InvalidArgument naming the bad field.
  absl::Status Validate() const;
};

struct KVLSM_EXPORT SimNetworkOptions {
  // Seeds every random choice of the network.
  uint64_t seed = 1;
  // The link between any two nodes unless SetLink overrides it.
  SimLink default_link;
  // Each node added draws a clock offset uniform in [0, max_clock_offset_micros] and a
  // drift uniform in [-max_clock_drift_ppm, +max_clock_drift_ppm] parts per million.
  // Defaults: no skew. Drift must stay within +-100,000 ppm.
  uint64_t max_clock_offset_micros = 0;
  double max_clock_drift_ppm = 0.0;
  // When set, receives one line per crash, restart, partition and heal, prefixed with
  // the virtual time ("[12.345678s] crash node 3").
  std::function<void(std::string_view line)> trace;

  absl::Status Validate() const;
};

// Counters of what happened to messages and timers since construction.
struct KVLSM_EXPORT SimNetworkStats {
  uint64_t messages_sent = 0;       // Send calls from live nodes
  uint64_t messages_delivered = 0;  // delivery callbacks run (duplicates included)
  uint64_t messages_lost = 0;       // dropped by the link's loss probability
  uint64_t messages_cut = 0;        // dropped by a partition, at send or on arrival
  uint64_t messages_to_down = 0;    // to an unknown, crashed or unattached node
  uint64_t messages_duplicated = 0;
  uint64_t timers_fired = 0;
  uint64_t events = 0;  // everything the loop ran
};

class KVLSM_EXPORT SimNetwork {
 public:
  using DeliverFn = std::function<void(NodeId from, std::string bytes)>;

  // REQUIRES: options.Validate() is OK (checked by New).
  static absl::StatusOr<std::unique_ptr<SimNetwork>> New(SimNetworkOptions options);
  ~SimNetwork();

  SimNetwork(const SimNetwork&) = delete;
  SimNetwork& operator=(const SimNetwork&) = delete;

  uint64_t seed() const;
  // "SimNetwork seed 42 (replay: KVLSM_TEST_SEED=42)": for failure messages.
  std::string SeedDescription() const;

  // ---- Nodes ----

  // Registers a node, up, with a fresh empty Env. AlreadyExists for a known id.
  absl::Status AddNode(NodeId id);
  // The node's clock, transport and Env: nullptr for an unknown id. Stable for the life of
  // the network (across crashes and restarts).
  Clock* clock(NodeId id);
  Transport* transport(NodeId id);
  FaultInjectionEnv* env(NodeId id);
  // Every registered node, in increasing id order.
  std::vector<NodeId> nodes() const;
  bool IsUp(NodeId id) const;

  // Routes messages for `id` to `deliver` (replacing any previous callback); on_crash,
  // when set, runs inside Crash(id) after the data drop. Messages arriving while no
  // callback is attached are dropped. NotFound for an unknown id; FailedPrecondition
  // while the node is down.
  absl::Status Attach(NodeId id, DeliverFn deliver, std::function<void()> on_crash = {});
  void Detach(NodeId id);

  // Crashes a node as described in the file comment. NotFound / FailedPrecondition when
  // unknown or already down; DropUnsyncedData's error if that fails.
  // REQUIRES: not called from a callback of node `id` itself (on_crash destroys it).
  absl::Status Crash(NodeId id);
  // Brings a crashed node back (nothing attached yet). FailedPrecondition when it is up.
  absl::Status Restart(NodeId id);

  // Sets the node's clock skew from now on: its clock reads true time + offset_micros
  // (never decreasing: a backward step holds the clock still until time catches up) and
  // runs at 1 + drift_ppm / 10^6 times the true rate. InvalidArgument beyond +-100,000 ppm.
  absl::Status SetClockSkew(NodeId id, int64_t offset_micros, double drift_ppm);

  // ---- Links and partitions ----

  // Overrides the directed link from -> to (both must exist; otherwise NotFound).
  absl::Status SetLink(NodeId from, NodeId to, const SimLink& link);
  // Applies `link` to every pair of nodes, clearing the overrides.
  absl::Status SetAllLinks(const SimLink& link);

  // Cuts the network into groups: nodes in different groups cannot exchange messages
  // (messages in flight across the cut are dropped on arrival). Nodes listed in no group
  // form one more group together; nodes added later are cut from nobody. Replaces any
  // earlier partition and cut links. InvalidArgument for an unknown or repeated node.
  absl::Status Partition(const std::vector<std::vector<NodeId>>& groups);
  // Cuts one direction only (from -> to), in addition to any partition.
  absl::Status CutLink(NodeId from, NodeId to);
  // A random split into two halves (sizes differ by at most one). Returns the groups.
  std::vector<std::vector<NodeId>> PartitionHalves();
  // Two random halves that cannot talk to each other, and one bridge node that talks to
  // both (a non-transitive partition). Returns {half A, half B, {bridge}}; with fewer than
  // 3 nodes it is PartitionHalves.
  std::vector<std::vector<NodeId>> PartitionBridge();
  // A random split into 2 to max(2, nodes / 2) non-empty groups (no cut below 2 nodes).
  std::vector<std::vector<NodeId>> PartitionRandom();
  // Removes every partition and cut link.
  void Heal();
  // Whether a message sent now from -> to could arrive (both known, up, not cut).
  bool CanReach(NodeId from, NodeId to) const;

  // ---- Time ----

  // True virtual time, microseconds since the network was created.
  uint64_t NowMicros() const;
  // Runs `callback` at true time now + delay, outside any node (a test's script: crash
  // node 3 at 2 s, partition at 5 s ...). Never cancelled by crashes.
  void ScheduleAfter(uint64_t delay_micros, std::function<void()> callback);

  // Runs every event due within the next `micros` of virtual time; afterwards NowMicros()
  // has advanced by exactly `micros`.
  void RunFor(uint64_t micros);
  // Runs events until done() holds (checked before each event) or `max_micros` pass.
  // Returns whether done() held.
  bool RunUntil(const std::function<bool()>& done, uint64_t max_micros);
  // Runs until no event is pending or `max_micros` pass. Returns whether it went idle
  // (periodic timers, such as gossip, keep a network from ever going idle).
  bool RunUntilIdle(uint64_t max_micros);
  // Events waiting to run.
  size_t pending_events() const;

  const SimNetworkStats& stats() const;

  class Impl;  // Internal; public so that the per-node Clock and Transport can name it.

 private:
  explicit SimNetwork(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_SIM_NETWORK_H_
