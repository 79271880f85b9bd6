// kvlsm/cluster/history_checker.h: checks a cluster's history of gets, puts and deletes
// against what a Dynamo-style store promises.
//
// A test records every client operation in a History (invoked, then completed with its
// result or never completed), lets the cluster heal and run anti-entropy, collects each
// replica's final state, and calls CheckHistory. It reports every violation of:
//
//   kLostWrite        every acknowledged put is present on all N replicas of its key: its
//                     dot is in each replica's history;
//   kDroppedSibling   a write's value disappears only when some operation's context saw
//                     it: truly concurrent writes survive as siblings;
//   kResurrected      a value that an acknowledged put or delete superseded (its dot is in
//                     that operation's context) is not a sibling anywhere in the end:
//                     deleted keys do not come back;
//   kStaleRead        with R + W > N and no sloppy fallback, a get invoked after a put or
//                     delete was acknowledged sees it: its context covers the put's dot
//                     (or the delete's context) and it returns no value they superseded;
//   kForeignValue     replicas and reads hold only values some put wrote, under the dot
//                     that put was given (a dot issued twice shows up here);
//   kDivergent        all replicas of a key hold equal states and all replicas of a range
//                     report equal Merkle roots.
//
// Identifying writes. Values must be unique per key (CheckHistory refuses a history
// that writes one value twice to a key): a value read or stored names the put that wrote
// it. A put's dot is the one dot its returned context adds to the context it was given;
// for a put that was not acknowledged it is taken from a replica's sibling holding its
// value, when one does.
//
// Times are the test's true time (SimNetwork::NowMicros), not a node's skewed clock:
// "acknowledged before invoked" is real-time order.
//
// Thread safety: History is a value; record from one thread.
#ifndef KVLSM_CLUSTER_HISTORY_CHECKER_H_
#define KVLSM_CLUSTER_HISTORY_CHECKER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/node_id.h"
#include "kvlsm/cluster/token.h"
#include "kvlsm/export.h"

namespace kvlsm::cluster {

// The replication a request asked for.
struct KVLSM_EXPORT HistoryQuorum {
  int n = 3;
  int r = 2;
  int w = 2;
  // Whether the coordinator could fall back to nodes outside the first N (sloppy quorum).
  bool sloppy = true;
};

struct KVLSM_EXPORT HistoryOperation {
  enum class Kind { kGet, kPut, kDelete };

  uint64_t id = 0;  // index in History::operations()
  Kind kind = Kind::kGet;
  std::string key;
  HistoryQuorum quorum;
  uint64_t invoked_micros = 0;
  // Empty while the operation has not completed (a client that never heard back).
  std::optional<uint64_t> completed_micros;
  // Completed with OK: acknowledged.
  bool acknowledged = false;
  std::string error;  // the status message when it failed

  std::string value;       // kPut: the value written
  Context context;         // kPut, kDelete: the context passed in
  Context result_context;  // kPut: the context returned; kGet: the context read
  std::vector<std::string> read_values;  // kGet: the siblings read
};

// Records operations as a test runs them.
class KVLSM_EXPORT History {
 public:
  // Each returns the operation's id, for the matching Complete call.
  uint64_t InvokeGet(std::string_view key, const HistoryQuorum& quorum, uint64_t now_micros);
  uint64_t InvokePut(std::string_view key, std::string_view value, const Context& context,
                     const HistoryQuorum& quorum, uint64_t now_micros);
  uint64_t InvokeDelete(std::string_view key, const Context& context,
                        const HistoryQuorum& quorum, uint64_t now_micros);

  // REQUIRES: id came from the matching Invoke call and has not completed yet.
  void CompleteGet(uint64_t id, uint64_t now_micros, const absl::StatusOr<Siblings>& result);
  void CompletePut(uint64_t id, uint64_t now_micros, const absl::StatusOr<Context>& result);
  void CompleteDelete(uint64_t id, uint64_t now_micros, const absl::Status& result);

  const std::vector<HistoryOperation>& operations() const { return operations_; }

 private:
  uint64_t Invoke(HistoryOperation::Kind kind, std::string_view key, const HistoryQuorum& quorum,
                  uint64_t now_micros);
  HistoryOperation& Complete(uint64_t id, uint64_t now_micros, const absl::Status& status);

  std::vector<HistoryOperation> operations_;
};

// What the replicas hold once the cluster has healed and anti-entropy has run.
struct KVLSM_EXPORT FinalReplicaState {
  // Each node's stored states, by key. A key a node does not list is an empty state.
  std::map<NodeId, std::map<std::string, DvvSet>> stores;
  // The N replicas of a key (the first N of its preference list on the final ring).
  std::function<std::vector<NodeId>(std::string_view key)> replicas_of;

  // The Merkle root a node reports for a range; every report for the same range (equal
  // start and end) must agree.
  struct RangeRoot {
    NodeId node = 0;
    TokenRange range;
    uint64_t root = 0;
  };
  std::vector<RangeRoot> merkle_roots;
};

struct KVLSM_EXPORT HistoryViolation {
  enum class Kind {
    kLostWrite,
    kDroppedSibling,
    kResurrected,
    kStaleRead,
    kForeignValue,
    kDivergent,
  };
  Kind kind = Kind::kLostWrite;
  std::string key;
  // The operation the violation is about, when there is one.
  std::optional<uint64_t> operation;
  // What went wrong, naming the operation, node, value and dots involved.
  std::string message;
};

// "lost write", "dropped sibling", ...
KVLSM_EXPORT std::string_view ViolationKindName(HistoryViolation::Kind kind);

struct KVLSM_EXPORT HistoryCheckReport {
  std::vector<HistoryViolation> violations;
  // What was checked, for the test's log.
  uint64_t acknowledged_puts = 0;
  uint64_t acknowledged_deletes = 0;
  uint64_t reads_checked_for_staleness = 0;
  uint64_t keys = 0;

  bool ok() const { return violations.empty(); }
  // One line per violation (at most `max_lines`, then how many more), after a summary.
  std::string ToString(size_t max_lines = 20) const;
};

// Checks `operations` against `final_state`. InvalidArgument when the history itself is
// unusable: a value written twice to one key, an acknowledged put whose returned context
// does not add exactly one dot to its input, or no replicas_of function.
KVLSM_EXPORT absl::StatusOr<HistoryCheckReport> CheckHistory(
    const std::vector<HistoryOperation>& operations, const FinalReplicaState& final_state);

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_HISTORY_CHECKER_H_
