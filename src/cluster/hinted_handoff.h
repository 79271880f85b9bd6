// Internal: replaying hints to their owners (the second half of hinted handoff).
//
// Every interval the node drops hints older than the bound (HintStore::Expire), then, for
// every owner with hints that is believed up, sends up to `batch` of them as ordinary
// replica writes (WriteRequest without hint_for). A hint is deleted only when its owner
// acknowledges it; a write that fails or gets no answer within the timeout is sent again
// at a later interval. Sending a hint twice is harmless: applying a DvvSet state is
// idempotent. SetPeerUp(owner, true) triggers a replay at once.
//
// The stand-in does not rely on the failure detector alone: every 5 intervals
// it also sends one hint to each owner believed down, and an owner that acknowledges a
// hint gets the rest at once, whatever the detector says (a detector that is slow to
// see a node come back would otherwise hold the hints until they expire).
//
// Thread safety: none; the Node's thread.
#ifndef KVLSM_CLUSTER_HINTED_HANDOFF_H_
#define KVLSM_CLUSTER_HINTED_HANDOFF_H_

#include <cstdint>
#include <map>
#include <vector>

#include "cluster/messages.h"
#include "cluster/node_context.h"

namespace kvlsm::cluster {

class HintedHandoff {
 public:
  HintedHandoff(NodeContext* context, uint64_t interval_micros, size_t batch,
                uint64_t timeout_micros);
  // Cancels the timer.
  ~HintedHandoff();

  // Starts the periodic replay.
  void Start();
  // Replays the hints of `owner` now (it came back); unless `answered`, only when the
  // owner is believed up.
  void ReplayTo(NodeId owner, bool answered = false);
  // An owner's answer to a replayed hint; false when the id is not a replay's.
  bool HandleWriteResponse(NodeId from, const WriteResponse& response);

 private:
  struct InFlight {
    uint64_t hint_id = 0;
    NodeId owner = 0;
    uint64_t sent_micros = 0;
  };

  void Tick();
  // The ids of the hints being replayed, sorted.
  std::vector<uint64_t> InFlightHints() const;
  void Deliver(uint64_t hint_id, NodeId owner);

  NodeContext* context_;
  uint64_t interval_micros_;
  size_t batch_;
  uint64_t timeout_micros_;
  Clock::TimerId timer_ = 0;
  uint64_t ticks_ = 0;
  std::map<uint64_t, InFlight> in_flight_;  // by request id
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_HINTED_HANDOFF_H_
