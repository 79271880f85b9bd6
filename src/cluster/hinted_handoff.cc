#include "cluster/hinted_handoff.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_format.h"

namespace kvlsm::cluster {
namespace {

// Ticks between probes of owners believed down.
constexpr uint64_t kProbeTicks = 5;

}  // namespace

HintedHandoff::HintedHandoff(NodeContext* context, uint64_t interval_micros, size_t batch,
                             uint64_t timeout_micros)
    : context_(context),
      interval_micros_(interval_micros),
      batch_(batch),
      timeout_micros_(timeout_micros) {}

HintedHandoff::~HintedHandoff() { context_->clock->Cancel(timer_); }

void HintedHandoff::Start() {
  timer_ = context_->clock->Schedule(interval_micros_, [this] {
    timer_ = 0;
    Tick();
    Start();
  });
}

void HintedHandoff::Tick() {
  const uint64_t now = context_->clock->NowMicros();
  absl::StatusOr<size_t> expired = context_->hints->Expire(now);
  if (expired.ok() && *expired > 0) {
    context_->stats->hints_expired += *expired;
    context_->trace(absl::StrFormat("node %d: %d hints expired", context_->self, *expired));
  }
  // Forget replays that got no answer in time: their hints are sent again below.
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    it = now - it->second.sent_micros > timeout_micros_ ? in_flight_.erase(it) : std::next(it);
  }
  const bool probe = ++ticks_ % kProbeTicks == 0;
  for (NodeId owner : context_->hints->Owners()) {
    if (context_->is_up(owner)) {
      ReplayTo(owner);
    } else if (probe) {
      // One hint as a probe: an answer restarts the replay (HandleWriteResponse).
      for (uint64_t hint_id : context_->hints->IdsFor(owner, 1, InFlightHints())) {
        Deliver(hint_id, owner);
      }
    }
  }
}

std::vector<uint64_t> HintedHandoff::InFlightHints() const {
  std::vector<uint64_t> ids;
  for (const auto& [request, flight] : in_flight_) ids.push_back(flight.hint_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void HintedHandoff::ReplayTo(NodeId owner, bool answered) {
  if (!answered && !context_->is_up(owner)) return;
  size_t owner_in_flight = 0;
  for (const auto& [request, flight] : in_flight_) {
    if (flight.owner == owner) ++owner_in_flight;
  }
  if (owner_in_flight >= batch_) return;
  for (uint64_t hint_id :
       context_->hints->IdsFor(owner, batch_ - owner_in_flight, InFlightHints())) {
    Deliver(hint_id, owner);
  }
}

void HintedHandoff::Deliver(uint64_t hint_id, NodeId owner) {
  absl::StatusOr<DvvSet> state = context_->hints->Load(hint_id);
  if (!state.ok()) return;  // damaged: kept, and reported by the next Open
  const std::string key = context_->hints->hint(hint_id).key;
  if (owner == context_->self) {
    // A hint for this very node (it was believed down): apply it here.
    if (context_->store->Apply(key, *state).ok() && context_->hints->Remove(hint_id).ok()) {
      ++context_->stats->hints_delivered;
    }
    return;
  }
  const uint64_t request = context_->NextId();
  in_flight_[request] = InFlight{hint_id, owner, context_->clock->NowMicros()};
  context_->send(owner, EncodeMessage(WriteRequest{request, std::nullopt, key, *state}));
}

bool HintedHandoff::HandleWriteResponse(NodeId from, const WriteResponse& response) {
  auto it = in_flight_.find(response.request_id);
  if (it == in_flight_.end()) return false;
  if (it->second.owner != from) return true;  // not the owner's answer: ignore
  const InFlight flight = it->second;
  in_flight_.erase(it);
  if (!response.status.ok() || !context_->hints->contains(flight.hint_id)) return true;
  const std::string key = context_->hints->hint(flight.hint_id).key;
  if (context_->hints->Remove(flight.hint_id).ok()) {
    ++context_->stats->hints_delivered;
    context_->trace(absl::StrFormat("node %d: delivered the hint of key \"%s\" to node %d",
                                    context_->self, PrintableKey(key), from));
  }
  ReplayTo(from, /*answered=*/true);
  return true;
}

}  // namespace kvlsm::cluster
