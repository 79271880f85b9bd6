// Internal: the coordinator of gets, puts and deletes (docs/cluster.md, "Coordinator").
//
// Put and Delete build the new version against the coordinator's own stored state (which
// holds every dot it ever issued for the key: it keeps a copy of each key it coordinates,
// even one it does not replicate; when it dropped a key handed off after a ring change,
// the key's issued floor stands in for the dots dropped), apply it locally, and send the delta to
// the targets: the first N nodes of the preference list, a replica believed down replaced (sloppy
// quorum) by the next node up, which keeps the write as a hint for it. Get asks the same
// targets; stand-ins answer with their data joined with the hints they hold for the key.
// A request answers as soon as R (W) targets have, fails as soon as too many failed, and
// times out after its deadline; a get then repairs, in the background, every replica
// whose state differed from the join of all replies (read repair).
//
// Thread safety: none; the Node's thread.
#ifndef KVLSM_CLUSTER_COORDINATOR_H_
#define KVLSM_CLUSTER_COORDINATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/node.h"
#include "cluster/messages.h"
#include "cluster/node_context.h"

namespace kvlsm::cluster {

// One node a request goes to.
struct RequestTarget {
  NodeId node = 0;
  std::optional<NodeId> hint_for;  // set for a stand-in: the replica it replaces

  friend bool operator==(const RequestTarget& a, const RequestTarget& b) = default;
};

// The replicas and targets of one request.
struct RequestPlan {
  std::vector<NodeId> replicas;  // the first n of the preference list
  std::vector<RequestTarget> targets;
  size_t required = 0;  // R or W
};

// Chooses targets for a key: InvalidArgument for bad n / required, FailedPrecondition
// for an empty ring, Unavailable when fewer targets than required are up.
// `what` names the request in messages ("get of key \"k\"").
absl::StatusOr<RequestPlan> PlanRequest(const Ring& ring, const std::function<bool(NodeId)>& is_up,
                                        std::string_view key, int n, int required,
                                        Consistency consistency, bool sloppy,
                                        const std::string& what);

class Coordinator {
 public:
  Coordinator(NodeContext* context, uint64_t default_timeout_micros);
  // Cancels the timers; pending requests complete with Cancelled.
  ~Coordinator();

  void Get(std::string key, const GetOptions& options,
           std::function<void(absl::StatusOr<Siblings>)> done);
  void Put(std::string key, const Context& context, std::string value, const PutOptions& options,
           std::function<void(absl::StatusOr<Context>)> done);
  void Delete(std::string key, const Context& context, const PutOptions& options,
              std::function<void(absl::Status)> done);

  // Answers to this coordinator's requests; false when the id is not one of them.
  bool HandleReadResponse(NodeId from, const ReadResponse& response);
  bool HandleWriteResponse(NodeId from, const WriteResponse& response);

  // What a target stores when it receives a write, and what it answers to a read (its
  // state joined with hints for the key when it is a stand-in). Shared with the replica
  // side of the Node.
  static absl::Status StoreWrite(NodeContext* context, std::optional<NodeId> hint_for,
                                 const std::string& key, const DvvSet& state);
  static absl::StatusOr<DvvSet> ReadForCoordinator(NodeContext* context, const std::string& key);

 private:
  struct ReadOp;
  struct WriteOp;
  struct PreparedWrite {
    RequestPlan plan;
    DvvSet state;  // the coordinator's stored state of the key
  };

  // The plan of a put or delete (`kind`) and the state its new version extends.
  absl::StatusOr<PreparedWrite> PrepareWrite(const char* kind, const std::string& key,
                                             const PutOptions& options);

  // Applies a Put or Delete delta locally and sends it to the plan's targets.
  void Replicate(std::string key, DvvSet delta, RequestPlan plan, uint64_t timeout_micros,
                 std::function<void(absl::Status)> done);
  void OnReadReply(uint64_t id, NodeId from, absl::StatusOr<DvvSet> state);
  void OnWriteReply(uint64_t id, NodeId from, const absl::Status& status);
  void OnReadTimeout(uint64_t id);
  void OnWriteTimeout(uint64_t id);
  // Sends the merged state to every replica that answered with a different one.
  void RepairAndForget(uint64_t id);
  uint64_t Timeout(uint64_t requested) const;

  NodeContext* context_;
  uint64_t default_timeout_micros_;
  std::map<uint64_t, std::unique_ptr<ReadOp>> reads_;
  std::map<uint64_t, std::unique_ptr<WriteOp>> writes_;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_COORDINATOR_H_
