#include "cluster/coordinator.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kvlsm::cluster {

struct Coordinator::ReadOp {
  std::string key;
  std::string what;
  RequestPlan plan;
  uint64_t timeout_micros = 0;
  std::map<NodeId, DvvSet> replies;
  std::vector<NodeId> answered;  // replied, with a state or an error
  DvvSet merged;
  size_t failures = 0;
  absl::Status last_error;
  std::function<void(absl::StatusOr<Siblings>)> done;  // empty once answered
  Clock::TimerId timer = 0;
};

struct Coordinator::WriteOp {
  std::string what;
  RequestPlan plan;
  uint64_t timeout_micros = 0;
  size_t acks = 0;
  size_t failures = 0;
  std::vector<NodeId> answered;
  absl::Status last_error;
  std::function<void(absl::Status)> done;  // empty once answered
  Clock::TimerId timer = 0;
};

namespace {

size_t RequiredFor(Consistency consistency, size_t n) {
  switch (consistency) {
    case Consistency::kOne:
      return 1;
    case Consistency::kAll:
      return n;
    case Consistency::kQuorum:
      break;
  }
  return n / 2 + 1;
}

// Records that `from` answered; false when it had already.
bool FirstAnswer(std::vector<NodeId>* answered, NodeId from) {
  if (std::find(answered->begin(), answered->end(), from) != answered->end()) return false;
  answered->push_back(from);
  return true;
}

std::string LastError(const absl::Status& status) {
  if (status.ok()) return "";
  return absl::StrCat("; last error: ", status.ToString());
}

}  // namespace

absl::StatusOr<RequestPlan> PlanRequest(const Ring& ring, const std::function<bool(NodeId)>& is_up,
                                        std::string_view key, int n, int required,
                                        Consistency consistency, bool sloppy,
                                        const std::string& what) {
  const int replication = ring.options().replication_factor;
  if (n < 0 || n > replication) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": n = ", n, " outside [1, ", replication,
                                                   "] (the ring's replication factor)"));
  }
  if (key.size() > message_format::kMaxKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": key of ", key.size(), " bytes exceeds ",
                                                   message_format::kMaxKeyBytes));
  }
  if (ring.node_count() == 0) {
    return absl::FailedPreconditionError(absl::StrCat(what, ": the ring has no node"));
  }
  const size_t wanted = n == 0 ? static_cast<size_t>(replication) : static_cast<size_t>(n);
  if (required < 0 || static_cast<size_t>(required) > wanted) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", required, " replies required of n = ", wanted));
  }
  RequestPlan plan;
  const std::vector<NodeId> list = ring.PreferenceList(key, wanted, sloppy ? ring.node_count() : 0);
  const size_t replicas = std::min(wanted, list.size());
  plan.replicas.assign(list.begin(), list.begin() + replicas);
  plan.required = required > 0 ? static_cast<size_t>(required) : RequiredFor(consistency, wanted);
  size_t next_fallback = replicas;
  size_t uncovered = 0;  // replicas down with no stand-in up
  for (NodeId replica : plan.replicas) {
    if (!sloppy || is_up(replica)) {
      plan.targets.push_back(RequestTarget{replica, std::nullopt});
      continue;
    }
    while (next_fallback < list.size() && !is_up(list[next_fallback])) ++next_fallback;
    if (next_fallback < list.size()) {
      plan.targets.push_back(RequestTarget{list[next_fallback++], replica});
    } else {
      ++uncovered;
    }
  }
  if (plan.targets.size() < plan.required) {
    return absl::UnavailableError(absl::StrFormat(
        "%s: %d of the %d replicas required are up (n = %d, %d down without a stand-in)", what,
        plan.targets.size(), plan.required, wanted, uncovered));
  }
  return plan;
}

absl::Status Coordinator::StoreWrite(NodeContext* context, std::optional<NodeId> hint_for,
                                     const std::string& key, const DvvSet& state) {
  if (!hint_for.has_value()) {
    absl::StatusOr<DvvSet> applied = context->store->Apply(key, state);
    if (applied.ok()) ++context->stats->replica_writes;
    return applied.status();
  }
  absl::Status s = context->hints->Add(*hint_for, key, state, context->clock->NowMicros());
  if (s.ok()) {
    ++context->stats->hints_stored;
    context->trace(absl::StrFormat("node %d: stored a hint of key \"%s\" for node %d",
                                   context->self, PrintableKey(key), *hint_for));
  } else {
    ++context->stats->hints_refused;
  }
  return s;
}

absl::StatusOr<DvvSet> Coordinator::ReadForCoordinator(NodeContext* context,
                                                       const std::string& key) {
  absl::StatusOr<DvvSet> state = context->store->Read(key);
  if (!state.ok()) return state;
  ++context->stats->replica_reads;
  absl::StatusOr<DvvSet> hinted = context->hints->JoinedStateOf(key);
  if (!hinted.ok()) return hinted.status();
  if (absl::Status s = state->Sync(*hinted); !s.ok()) return s;
  return state;
}

Coordinator::Coordinator(NodeContext* context, uint64_t default_timeout_micros)
    : context_(context), default_timeout_micros_(default_timeout_micros) {}

Coordinator::~Coordinator() {
  // Collect first: callbacks may not re-enter a coordinator being destroyed, but they
  // run user code that may hold references to the maps through the Node.
  std::map<uint64_t, std::unique_ptr<ReadOp>> reads = std::move(reads_);
  std::map<uint64_t, std::unique_ptr<WriteOp>> writes = std::move(writes_);
  const absl::Status cancelled = absl::CancelledError("the node is shutting down");
  for (auto& [id, op] : reads) {
    context_->clock->Cancel(op->timer);
    if (op->done) op->done(cancelled);
  }
  for (auto& [id, op] : writes) {
    context_->clock->Cancel(op->timer);
    if (op->done) op->done(cancelled);
  }
}

uint64_t Coordinator::Timeout(uint64_t requested) const {
  return requested == 0 ? default_timeout_micros_ : requested;
}

void Coordinator::Get(std::string key, const GetOptions& options,
                      std::function<void(absl::StatusOr<Siblings>)> done) {
  ++context_->stats->gets;
  const std::string what = absl::StrCat("get of key \"", PrintableKey(key), "\"");
  absl::StatusOr<RequestPlan> plan =
      PlanRequest(*context_->ring, context_->is_up, key, options.n, options.r, options.consistency,
                  options.sloppy, what);
  if (!plan.ok()) {
    ++context_->stats->requests_failed;
    done(plan.status());
    return;
  }
  const uint64_t id = context_->NextId();
  auto op = std::make_unique<ReadOp>();
  op->key = key;
  op->what = what;
  op->plan = *std::move(plan);
  op->timeout_micros = Timeout(options.timeout_micros);
  op->done = std::move(done);
  op->timer = context_->clock->Schedule(op->timeout_micros, [this, id] { OnReadTimeout(id); });
  const std::vector<RequestTarget> targets = op->plan.targets;
  reads_.emplace(id, std::move(op));
  for (const RequestTarget& target : targets) {
    if (target.node == context_->self) {
      OnReadReply(id, target.node, ReadForCoordinator(context_, key));
    } else {
      context_->send(target.node, EncodeMessage(ReadRequest{id, key}));
    }
  }
}

absl::StatusOr<Coordinator::PreparedWrite> Coordinator::PrepareWrite(const char* kind,
                                                                     const std::string& key,
                                                                     const PutOptions& options) {
  const std::string what = absl::StrCat(kind, " of key \"", PrintableKey(key), "\"");
  absl::StatusOr<RequestPlan> plan =
      PlanRequest(*context_->ring, context_->is_up, key, options.n, options.w, options.consistency,
                  options.sloppy, what);
  if (!plan.ok()) return plan.status();
  absl::StatusOr<DvvSet> state = context_->store->Read(key);
  if (!state.ok()) return state.status();
  // A copy dropped after a hand-off left the highest counter this node had issued for
  // the key: the next dot goes above it (the seed only steers DvvSet::Put's counter; the
  // delta sent and stored does not include it).
  absl::StatusOr<uint64_t> floor = context_->store->IssuedFloor(key);
  if (!floor.ok()) return floor.status();
  if (*floor > state->history().MaxCounter(context_->self)) {
    DottedVersionVector issued;
    issued.Add(Dot{context_->self, *floor});
    DvvSet seed;
    if (absl::Status s = seed.Delete(Context(std::move(issued))); !s.ok()) return s;
    if (absl::Status s = state->Sync(seed); !s.ok()) return s;
  }
  return PreparedWrite{*std::move(plan), *std::move(state)};
}

void Coordinator::Put(std::string key, const Context& context, std::string value,
                      const PutOptions& options,
                      std::function<void(absl::StatusOr<Context>)> done) {
  ++context_->stats->puts;
  absl::StatusOr<PreparedWrite> prepared = PrepareWrite("put", key, options);
  DvvSet delta;
  absl::StatusOr<Context> written =
      prepared.ok() ? prepared->state.Put(context, value, context_->self, &delta)
                    : absl::StatusOr<Context>(prepared.status());
  if (!written.ok()) {
    ++context_->stats->requests_failed;
    done(written.status());
    return;
  }
  Replicate(std::move(key), std::move(delta), std::move(prepared->plan),
            Timeout(options.timeout_micros),
            [done = std::move(done), result = *std::move(written)](absl::Status s) {
              if (s.ok()) {
                done(result);
              } else {
                done(s);
              }
            });
}

void Coordinator::Delete(std::string key, const Context& context, const PutOptions& options,
                         std::function<void(absl::Status)> done) {
  ++context_->stats->deletes;
  absl::StatusOr<PreparedWrite> prepared = PrepareWrite("delete", key, options);
  DvvSet delta;
  absl::Status deleted =
      prepared.ok() ? prepared->state.Delete(context, &delta) : prepared.status();
  if (!deleted.ok()) {
    ++context_->stats->requests_failed;
    done(deleted);
    return;
  }
  Replicate(std::move(key), std::move(delta), std::move(prepared->plan),
            Timeout(options.timeout_micros), std::move(done));
}

void Coordinator::Replicate(std::string key, DvvSet delta, RequestPlan plan,
                            uint64_t timeout_micros, std::function<void(absl::Status)> done) {
  // The coordinator keeps every dot it issues (see the file comment). When it is a
  // replica, this write is also its acknowledgement.
  absl::StatusOr<DvvSet> own = context_->store->Apply(key, delta);
  if (!own.ok()) {
    ++context_->stats->requests_failed;
    done(absl::Status(own.status().code(),
                      absl::StrCat("storing the coordinator's copy: ", own.status().message())));
    return;
  }
  const uint64_t id = context_->NextId();
  auto op = std::make_unique<WriteOp>();
  op->what = absl::StrCat(delta.sibling_count() == 0 ? "delete" : "put", " of key \"",
                          PrintableKey(key), "\"");
  op->plan = std::move(plan);
  op->timeout_micros = timeout_micros;
  op->done = std::move(done);
  op->timer = context_->clock->Schedule(timeout_micros, [this, id] { OnWriteTimeout(id); });
  const std::vector<RequestTarget> targets = op->plan.targets;
  writes_.emplace(id, std::move(op));
  for (const RequestTarget& target : targets) {
    if (target.node == context_->self) {
      // The data write above already counts for a replica; a stand-in also keeps a hint.
      OnWriteReply(id, target.node,
                   target.hint_for.has_value() ? StoreWrite(context_, target.hint_for, key, delta)
                                               : absl::OkStatus());
    } else {
      context_->send(target.node, EncodeMessage(WriteRequest{id, target.hint_for, key, delta}));
    }
  }
}

bool Coordinator::HandleReadResponse(NodeId from, const ReadResponse& response) {
  auto it = reads_.find(response.request_id);
  if (it == reads_.end()) return false;
  if (response.status.ok()) {
    OnReadReply(response.request_id, from, response.state);
  } else {
    OnReadReply(response.request_id, from, response.status);
  }
  return true;
}

bool Coordinator::HandleWriteResponse(NodeId from, const WriteResponse& response) {
  if (writes_.find(response.request_id) == writes_.end()) return false;
  OnWriteReply(response.request_id, from, response.status);
  return true;
}

void Coordinator::OnReadReply(uint64_t id, NodeId from, absl::StatusOr<DvvSet> state) {
  auto it = reads_.find(id);
  if (it == reads_.end()) return;
  ReadOp& op = *it->second;
  const bool asked = std::any_of(op.plan.targets.begin(), op.plan.targets.end(),
                                 [from](const RequestTarget& t) { return t.node == from; });
  // Only the targets count, once each (a duplicate or a stranger's answer is ignored).
  if (!asked || !FirstAnswer(&op.answered, from)) return;
  if (state.ok()) {
    absl::Status joined = op.merged.Sync(*state);
    if (joined.ok()) {
      op.replies.emplace(from, *std::move(state));
    } else {
      state = joined;
    }
  }
  if (!state.ok()) {
    ++op.failures;
    op.last_error = state.status();
  }
  const size_t targets = op.plan.targets.size();
  if (op.done && op.replies.size() >= op.plan.required) {
    std::function<void(absl::StatusOr<Siblings>)> done = std::move(op.done);
    op.done = nullptr;
    done(op.merged.Read());
  } else if (op.done && targets - op.failures < op.plan.required) {
    ++context_->stats->requests_failed;
    std::function<void(absl::StatusOr<Siblings>)> done = std::move(op.done);
    op.done = nullptr;
    done(absl::UnavailableError(absl::StrFormat(
        "%s: read quorum not met: %d of %d required replies, %d of %d replicas failed%s", op.what,
        op.replies.size(), op.plan.required, op.failures, targets, LastError(op.last_error))));
  }
  // The callback may have re-entered: look the request up again.
  it = reads_.find(id);
  if (it != reads_.end() && it->second->replies.size() + it->second->failures == targets) {
    RepairAndForget(id);
  }
}

void Coordinator::OnReadTimeout(uint64_t id) {
  auto it = reads_.find(id);
  if (it == reads_.end()) return;
  ReadOp& op = *it->second;
  op.timer = 0;
  if (op.done) {
    ++context_->stats->requests_failed;
    std::function<void(absl::StatusOr<Siblings>)> done = std::move(op.done);
    op.done = nullptr;
    done(absl::DeadlineExceededError(
        absl::StrFormat("%s: %d of %d required replies within %d ms (%d replicas asked)%s", op.what,
                        op.replies.size(), op.plan.required, op.timeout_micros / 1000,
                        op.plan.targets.size(), LastError(op.last_error))));
  }
  if (reads_.count(id) != 0) RepairAndForget(id);
}

void Coordinator::RepairAndForget(uint64_t id) {
  auto it = reads_.find(id);
  std::unique_ptr<ReadOp> op = std::move(it->second);
  reads_.erase(it);
  context_->clock->Cancel(op->timer);
  for (const auto& [node, state] : op->replies) {
    if (state == op->merged || std::find(op->plan.replicas.begin(), op->plan.replicas.end(),
                                         node) == op->plan.replicas.end()) {
      continue;  // up to date, or a stand-in (its hints go to the replica)
    }
    ++context_->stats->read_repairs;
    context_->trace(absl::StrFormat("node %d: read repair of key \"%s\" on node %d", context_->self,
                                    PrintableKey(op->key), node));
    if (node == context_->self) {
      // A failure here leaves the key to anti-entropy, as a lost repair message would.
      (void)context_->store->Apply(op->key, op->merged);
    } else {
      context_->send(node, EncodeMessage(RepairWrite{op->key, op->merged}));
    }
  }
}

void Coordinator::OnWriteReply(uint64_t id, NodeId from, const absl::Status& status) {
  auto it = writes_.find(id);
  if (it == writes_.end()) return;
  WriteOp& op = *it->second;
  if (std::none_of(op.plan.targets.begin(), op.plan.targets.end(),
                   [from](const RequestTarget& t) { return t.node == from; }) ||
      !FirstAnswer(&op.answered, from)) {
    return;
  }
  if (status.ok()) {
    ++op.acks;
  } else {
    ++op.failures;
    op.last_error = status;
  }
  const size_t targets = op.plan.targets.size();
  if (op.done && op.acks >= op.plan.required) {
    std::function<void(absl::Status)> done = std::move(op.done);
    op.done = nullptr;
    done(absl::OkStatus());
  } else if (op.done && targets - op.failures < op.plan.required) {
    ++context_->stats->requests_failed;
    std::function<void(absl::Status)> done = std::move(op.done);
    op.done = nullptr;
    done(absl::UnavailableError(absl::StrFormat(
        "%s: write quorum not met: %d of %d required acknowledgements, %d of %d replicas "
        "failed%s",
        op.what, op.acks, op.plan.required, op.failures, targets, LastError(op.last_error))));
  }
  it = writes_.find(id);
  if (it != writes_.end() && it->second->acks + it->second->failures >= targets) {
    context_->clock->Cancel(it->second->timer);
    writes_.erase(it);
  }
}

void Coordinator::OnWriteTimeout(uint64_t id) {
  auto it = writes_.find(id);
  if (it == writes_.end()) return;
  std::unique_ptr<WriteOp> op = std::move(it->second);
  writes_.erase(it);
  if (!op->done) return;
  ++context_->stats->requests_failed;
  op->done(absl::DeadlineExceededError(
      absl::StrFormat("%s: %d of %d required acknowledgements within %d ms (%d replicas asked)%s",
                      op->what, op->acks, op->plan.required, op->timeout_micros / 1000,
                      op->plan.targets.size(), LastError(op->last_error))));
}

}  // namespace kvlsm::cluster
