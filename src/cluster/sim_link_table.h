// Internal: the links of a SimNetwork. Each directed pair of nodes has a link (latency,
// loss and duplication; the default one unless SetLink overrode it), and a directed pair
// may be cut (a partition or a cut link). The partitions SimNetwork offers are shaped
// here; their random choices come from the network's generator, so a run stays a
// function of its seed. SimLink::Validate is defined with the table.
//
// Thread safety: none. Owned by SimNetwork::Impl and used on its thread only.
#ifndef KVLSM_CLUSTER_SIM_LINK_TABLE_H_
#define KVLSM_CLUSTER_SIM_LINK_TABLE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/cluster/sim_network.h"
#include "util/random.h"

namespace kvlsm::cluster {

// Latencies and offsets beyond an hour are a configuration mistake, and keeping them
// bounded keeps virtual time far from overflow.
constexpr uint64_t kMaxLatencyMicros = uint64_t{3600} * 1000 * 1000;

// Uniform in [0, 1): the top 53 bits of one draw.
inline double Uniform01(Random* random) {
  return static_cast<double>(random->Next() >> 11) * 0x1.0p-53;
}

class SimLinkTable {
 public:
  using TraceFn = std::function<void(const std::string& line)>;

  // REQUIRES: *random outlives the table; default_link.Validate() is OK. trace, when set,
  // receives one line per partition, cut and heal.
  SimLinkTable(SimLink default_link, Random* random, TraceFn trace);

  SimLinkTable(const SimLinkTable&) = delete;
  SimLinkTable& operator=(const SimLinkTable&) = delete;

  // Makes `id` known: partitions include it and links from or to it may be set.
  void AddNode(NodeId id) { nodes_.insert(id); }

  const SimLink& LinkFor(NodeId from, NodeId to) const;
  // Whether messages from `from` to `to` are cut.
  bool Cut(NodeId from, NodeId to) const { return cut_.count({from, to}) != 0; }
  // A message's latency over `link` (one or two draws).
  uint64_t DrawLatency(const SimLink& link);

  // NotFound for an unknown node; InvalidArgument from link.Validate().
  absl::Status SetLink(NodeId from, NodeId to, const SimLink& link);
  // Every link becomes `link`, overrides included. InvalidArgument from link.Validate().
  absl::Status SetAllLinks(const SimLink& link);

  // Replaces every cut: nodes in different groups (a known node in no group forms one
  // group with the others left out) cannot talk. InvalidArgument, changing nothing, for
  // an unknown node or one in two groups.
  absl::Status Partition(const std::vector<std::vector<NodeId>>& groups);
  // Random partitions (see SimNetwork); each returns its groups, sorted.
  std::vector<std::vector<NodeId>> PartitionHalves();
  std::vector<std::vector<NodeId>> PartitionBridge();
  std::vector<std::vector<NodeId>> PartitionRandom();
  // Cuts one direction. NotFound for an unknown node.
  absl::Status CutLink(NodeId from, NodeId to);
  // Removes every cut.
  void Heal();

 private:
  bool Known(NodeId id) const { return nodes_.count(id) != 0; }
  std::vector<NodeId> NodeIds() const { return {nodes_.begin(), nodes_.end()}; }
  std::vector<NodeId> Shuffled();
  static std::vector<std::vector<NodeId>> Sorted(std::vector<std::vector<NodeId>> groups);
  void Trace(const std::string& line) const {
    if (trace_) trace_(line);
  }

  Random* const random_;
  const TraceFn trace_;
  SimLink default_link_;
  std::set<NodeId> nodes_;
  std::map<std::pair<NodeId, NodeId>, SimLink> links_;
  std::set<std::pair<NodeId, NodeId>> cut_;  // directed pairs that cannot talk
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_SIM_LINK_TABLE_H_
