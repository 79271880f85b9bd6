// The history checker: per key, identify every write by its value and dot, then test
// each property of kvlsm/cluster/history_checker.h against the operations and the final
// replica states.
#include "kvlsm/cluster/history_checker.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kvlsm::cluster {

namespace {

// Debian's Abseil has its own string_view.
std::string Escape(std::string_view bytes) {
  return absl::CHexEscape(absl::string_view(bytes.data(), bytes.size()));
}

}  // namespace

// ---- History ----

uint64_t History::Invoke(HistoryOperation::Kind kind, std::string_view key,
                         const HistoryQuorum& quorum, uint64_t now_micros) {
  HistoryOperation op;
  op.id = operations_.size();
  op.kind = kind;
  op.key = std::string(key);
  op.quorum = quorum;
  op.invoked_micros = now_micros;
  operations_.push_back(std::move(op));
  return operations_.back().id;
}

uint64_t History::InvokeGet(std::string_view key, const HistoryQuorum& quorum,
                            uint64_t now_micros) {
  return Invoke(HistoryOperation::Kind::kGet, key, quorum, now_micros);
}

uint64_t History::InvokePut(std::string_view key, std::string_view value, const Context& context,
                            const HistoryQuorum& quorum, uint64_t now_micros) {
  const uint64_t id = Invoke(HistoryOperation::Kind::kPut, key, quorum, now_micros);
  operations_[id].value = std::string(value);
  operations_[id].context = context;
  return id;
}

uint64_t History::InvokeDelete(std::string_view key, const Context& context,
                               const HistoryQuorum& quorum, uint64_t now_micros) {
  const uint64_t id = Invoke(HistoryOperation::Kind::kDelete, key, quorum, now_micros);
  operations_[id].context = context;
  return id;
}

HistoryOperation& History::Complete(uint64_t id, uint64_t now_micros, const absl::Status& status) {
  HistoryOperation& op = operations_[id];
  op.completed_micros = now_micros;
  op.acknowledged = status.ok();
  if (!status.ok()) op.error = std::string(status.message());
  return op;
}

void History::CompleteGet(uint64_t id, uint64_t now_micros,
                          const absl::StatusOr<Siblings>& result) {
  // A get that found nothing has read the empty state, whichever way the node says so.
  const bool not_found = result.status().code() == absl::StatusCode::kNotFound;
  HistoryOperation& op = Complete(id, now_micros, not_found ? absl::OkStatus() : result.status());
  if (result.ok()) {
    op.read_values = result->values;
    op.result_context = result->context;
  }
}

void History::CompletePut(uint64_t id, uint64_t now_micros,
                          const absl::StatusOr<Context>& result) {
  HistoryOperation& op = Complete(id, now_micros, result.status());
  if (result.ok()) op.result_context = *result;
}

void History::CompleteDelete(uint64_t id, uint64_t now_micros, const absl::Status& result) {
  Complete(id, now_micros, result);
}

// ---- The check ----

std::string_view ViolationKindName(HistoryViolation::Kind kind) {
  switch (kind) {
    case HistoryViolation::Kind::kLostWrite:
      return "lost write";
    case HistoryViolation::Kind::kDroppedSibling:
      return "dropped sibling";
    case HistoryViolation::Kind::kResurrected:
      return "resurrected";
    case HistoryViolation::Kind::kStaleRead:
      return "stale read";
    case HistoryViolation::Kind::kForeignValue:
      return "foreign value";
    case HistoryViolation::Kind::kDivergent:
      return "divergent";
  }
  return "unknown";
}

std::string HistoryCheckReport::ToString(size_t max_lines) const {
  std::string out = absl::StrFormat(
      "%d violation(s); checked %d key(s), %d acknowledged put(s), %d acknowledged "
      "delete(s), %d read(s) for staleness",
      violations.size(), keys, acknowledged_puts, acknowledged_deletes,
      reads_checked_for_staleness);
  for (size_t i = 0; i < violations.size() && i < max_lines; ++i) {
    const HistoryViolation& v = violations[i];
    absl::StrAppendFormat(&out, "\n  %s: key \"%s\": %s", ViolationKindName(v.kind),
                          Escape(v.key), v.message);
  }
  if (violations.size() > max_lines) {
    absl::StrAppendFormat(&out, "\n  ... and %d more", violations.size() - max_lines);
  }
  return out;
}

namespace {

using Kind = HistoryViolation::Kind;
using OpKind = HistoryOperation::Kind;

// A value for a message: escaped, and cut short when long.
std::string Show(std::string_view value) {
  constexpr size_t kMax = 40;
  if (value.size() <= kMax) return "\"" + Escape(value) + "\"";
  return absl::StrFormat("\"%s\"... (%d bytes)", Escape(value.substr(0, kMax)),
                         value.size());
}

std::string ShowDot(const Dot& dot) { return absl::StrFormat("(%d,%d)", dot.actor, dot.counter); }

std::string ShowState(const DvvSet& state) {
  std::string text = state.ToString();
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  return text;
}

const char* KindName(OpKind kind) {
  switch (kind) {
    case OpKind::kGet:
      return "get";
    case OpKind::kPut:
      return "put";
    case OpKind::kDelete:
      return "delete";
  }
  return "op";
}

std::string ShowOp(const HistoryOperation& op) {
  std::string text = absl::StrFormat("%s #%d", KindName(op.kind), op.id);
  if (op.kind == OpKind::kPut) absl::StrAppend(&text, " of ", Show(op.value));
  if (op.completed_micros.has_value() && op.acknowledged) {
    absl::StrAppendFormat(&text, " (acknowledged at %d us)", *op.completed_micros);
  }
  return text;
}

// The dots `after` holds and `before` does not, stopping once two are found (callers
// only need to know whether there is exactly one). Bounded by before's cloud size.
std::vector<Dot> AddedDots(const DottedVersionVector& after, const DottedVersionVector& before) {
  std::vector<Dot> added;
  for (const auto& [actor, counter] : after.vector()) {
    uint64_t before_vector = 0;
    for (const auto& [b_actor, b_counter] : before.vector()) {
      if (b_actor == actor) before_vector = b_counter;
    }
    for (uint64_t c = before_vector + 1; c <= counter && added.size() < 2; ++c) {
      if (!before.Contains({actor, c})) added.push_back({actor, c});
    }
  }
  for (const Dot& dot : after.cloud()) {
    if (added.size() >= 2) break;
    if (!before.Contains(dot)) added.push_back(dot);
  }
  return added;
}

// Checks one key; the caller has grouped its operations.
class KeyChecker {
 public:
  KeyChecker(const std::string& key, std::vector<const HistoryOperation*> ops,
             const FinalReplicaState& final_state, HistoryCheckReport* report)
      : key_(key), ops_(std::move(ops)), report_(report) {
    for (NodeId node : final_state.replicas_of(key)) {
      static const DvvSet kEmpty;
      const DvvSet* state = &kEmpty;
      auto store = final_state.stores.find(node);
      if (store != final_state.stores.end()) {
        auto it = store->second.find(key);
        if (it != store->second.end()) state = &it->second;
      }
      replicas_.push_back({node, state});
    }
  }

  absl::Status Run() {
    if (absl::Status s = IdentifyWrites(); !s.ok()) return s;
    CheckStoredSiblings();
    CheckAcknowledgedPuts();
    CheckSuperseded();
    CheckReads();
    CheckConvergence();
    return absl::OkStatus();
  }

 private:
  struct Replica {
    NodeId node;
    const DvvSet* state;
  };

  void Report(Kind kind, std::optional<uint64_t> op, std::string message) {
    report_->violations.push_back({kind, key_, op, std::move(message)});
  }

  // Maps values to their puts and acknowledged puts to their dots.
  absl::Status IdentifyWrites() {
    for (const HistoryOperation* op : ops_) {
      if (op->kind != OpKind::kPut) continue;
      auto [it, inserted] = put_of_value_.emplace(op->value, op);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "CheckHistory: key \"%s\": puts #%d and #%d write the same value %s; values must "
            "be unique per key",
            Escape(key_), it->second->id, op->id, Show(op->value)));
      }
      if (!op->acknowledged) continue;
      report_->acknowledged_puts++;
      const std::vector<Dot> added =
          AddedDots(op->result_context.history(), op->context.history());
      if (added.size() != 1 || !op->result_context.history().Includes(op->context.history())) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "CheckHistory: key \"%s\": put #%d returned context %s, which is not its input "
            "context %s plus one dot",
            Escape(key_), op->id, op->result_context.ToString(),
            op->context.ToString()));
      }
      dot_of_put_[op->id] = added[0];
      auto [other, fresh] = put_of_dot_.emplace(added[0], op);
      if (!fresh) {
        Report(Kind::kForeignValue, op->id,
               absl::StrFormat("dot %s was issued twice: to %s and to %s", ShowDot(added[0]),
                               ShowOp(*other->second), ShowOp(*op)));
      }
    }
    for (const HistoryOperation* op : ops_) {
      if (op->kind == OpKind::kDelete && op->acknowledged) report_->acknowledged_deletes++;
    }
    return absl::OkStatus();
  }

  // Every stored sibling is a value some put wrote, under that put's dot; it also tells
  // the dot of puts that were never acknowledged.
  void CheckStoredSiblings() {
    for (const Replica& replica : replicas_) {
      for (const DvvSet::Sibling& sibling : replica.state->siblings()) {
        auto put = put_of_value_.find(sibling.value);
        if (put == put_of_value_.end()) {
          Report(Kind::kForeignValue, std::nullopt,
                 absl::StrFormat("node %d stores %s under dot %s, a value no put wrote",
                                 replica.node, Show(sibling.value), ShowDot(sibling.dot)));
          continue;
        }
        const HistoryOperation& op = *put->second;
        auto known = dot_of_put_.find(op.id);
        if (known == dot_of_put_.end()) {
          dot_of_put_.emplace(op.id, sibling.dot);
        } else if (known->second != sibling.dot) {
          Report(Kind::kForeignValue, op.id,
                 absl::StrFormat("node %d stores the value of %s under dot %s; the put was "
                                 "given dot %s",
                                 replica.node, ShowOp(op), ShowDot(sibling.dot),
                                 ShowDot(known->second)));
        }
      }
    }
  }

  // Whether some operation (acknowledged or not: a failed write may still have taken
  // effect) passed a context that saw `dot`.
  bool SomeContextSaw(const Dot& dot) const {
    for (const HistoryOperation* op : ops_) {
      if (op->kind != OpKind::kGet && op->context.history().Contains(dot)) return true;
    }
    return false;
  }

  void CheckAcknowledgedPuts() {
    for (const HistoryOperation* op : ops_) {
      if (op->kind != OpKind::kPut || !op->acknowledged) continue;
      const Dot dot = dot_of_put_.at(op->id);
      for (const Replica& replica : replicas_) {
        if (!replica.state->history().Contains(dot)) {
          Report(Kind::kLostWrite, op->id,
                 absl::StrFormat("%s, dot %s, is missing on replica %d", ShowOp(*op),
                                 ShowDot(dot), replica.node));
          continue;
        }
        const auto& siblings = replica.state->siblings();
        auto kept = std::find_if(siblings.begin(), siblings.end(),
                                 [&](const DvvSet::Sibling& s) { return s.dot == dot; });
        if (kept != siblings.end() && kept->value != op->value) {
          Report(Kind::kForeignValue, op->id,
                 absl::StrFormat("replica %d holds %s under dot %s, the dot of %s",
                                 replica.node, Show(kept->value), ShowDot(dot), ShowOp(*op)));
        }
        if (kept == siblings.end() && !SomeContextSaw(dot)) {
          Report(Kind::kDroppedSibling, op->id,
                 absl::StrFormat("%s, dot %s, is no longer a sibling on replica %d, yet no "
                                 "operation's context saw it",
                                 ShowOp(*op), ShowDot(dot), replica.node));
        }
      }
    }
  }

  void CheckSuperseded() {
    for (const HistoryOperation* op : ops_) {
      if (op->kind == OpKind::kGet || !op->acknowledged || op->context.empty()) continue;
      for (const Replica& replica : replicas_) {
        for (const DvvSet::Sibling& sibling : replica.state->siblings()) {
          if (op->context.history().Contains(sibling.dot)) {
            Report(Kind::kResurrected, op->id,
                   absl::StrFormat("node %d still holds %s (dot %s), which %s had superseded",
                                   replica.node, Show(sibling.value), ShowDot(sibling.dot),
                                   ShowOp(*op)));
          }
        }
      }
    }
  }

  // Whether a get must see `write`: both strict quorums that intersect, and the write
  // acknowledged before the get began.
  static bool MustSee(const HistoryOperation& get, const HistoryOperation& write) {
    return !get.quorum.sloppy && !write.quorum.sloppy && get.quorum.n == write.quorum.n &&
           get.quorum.r + write.quorum.w > get.quorum.n && write.acknowledged &&
           write.completed_micros.has_value() && *write.completed_micros < get.invoked_micros;
  }

  void CheckReads() {
    for (const HistoryOperation* get : ops_) {
      if (get->kind != OpKind::kGet || !get->acknowledged) continue;
      std::vector<std::pair<std::string, std::optional<Dot>>> read;  // value, its dot
      for (const std::string& value : get->read_values) {
        auto put = put_of_value_.find(value);
        if (put == put_of_value_.end()) {
          Report(Kind::kForeignValue, get->id,
                 absl::StrFormat("get #%d returned %s, a value no put wrote", get->id,
                                 Show(value)));
          continue;
        }
        auto dot = dot_of_put_.find(put->second->id);
        read.emplace_back(value, dot == dot_of_put_.end() ? std::nullopt
                                                          : std::optional<Dot>(dot->second));
      }
      if (get->quorum.sloppy) continue;
      report_->reads_checked_for_staleness++;
      const DottedVersionVector& seen = get->result_context.history();
      for (const HistoryOperation* write : ops_) {
        if (write->kind == OpKind::kGet || !MustSee(*get, *write)) continue;
        if (write->kind == OpKind::kPut && !seen.Contains(dot_of_put_.at(write->id))) {
          Report(Kind::kStaleRead, get->id,
                 absl::StrFormat("get #%d, invoked at %d us, read context %s, missing %s",
                                 get->id, get->invoked_micros, get->result_context.ToString(),
                                 ShowOp(*write)));
        }
        if (write->kind == OpKind::kDelete && !seen.Includes(write->context.history())) {
          Report(Kind::kStaleRead, get->id,
                 absl::StrFormat("get #%d, invoked at %d us, read context %s, which does not "
                                 "cover the context %s of %s",
                                 get->id, get->invoked_micros, get->result_context.ToString(),
                                 write->context.ToString(), ShowOp(*write)));
        }
        for (const auto& [value, dot] : read) {
          if (dot.has_value() && write->context.history().Contains(*dot)) {
            Report(Kind::kStaleRead, get->id,
                   absl::StrFormat("get #%d, invoked at %d us, returned %s, which %s had "
                                   "superseded",
                                   get->id, get->invoked_micros, Show(value), ShowOp(*write)));
          }
        }
      }
    }
  }

  void CheckConvergence() {
    for (size_t i = 1; i < replicas_.size(); ++i) {
      if (!(*replicas_[i].state == *replicas_[0].state)) {
        Report(Kind::kDivergent, std::nullopt,
               absl::StrFormat("replica %d holds %s but replica %d holds %s",
                               replicas_[0].node, ShowState(*replicas_[0].state),
                               replicas_[i].node, ShowState(*replicas_[i].state)));
      }
    }
  }

  const std::string& key_;
  const std::vector<const HistoryOperation*> ops_;
  HistoryCheckReport* const report_;
  std::vector<Replica> replicas_;
  absl::flat_hash_map<std::string, const HistoryOperation*> put_of_value_;
  std::map<uint64_t, Dot> dot_of_put_;  // by operation id
  std::map<Dot, const HistoryOperation*> put_of_dot_;
};

void CheckMerkleRoots(const std::vector<FinalReplicaState::RangeRoot>& roots,
                      HistoryCheckReport* report) {
  std::map<std::pair<Token, Token>, const FinalReplicaState::RangeRoot*> first;
  for (const auto& root : roots) {
    auto [it, inserted] = first.emplace(std::pair{root.range.start, root.range.end}, &root);
    if (!inserted && it->second->root != root.root) {
      report->violations.push_back(
          {Kind::kDivergent, "", std::nullopt,
           absl::StrFormat("Merkle roots of range %s differ: node %d has %016x, node %d has "
                           "%016x",
                           root.range.ToString(), it->second->node, it->second->root,
                           root.node, root.root)});
    }
  }
}

}  // namespace

absl::StatusOr<HistoryCheckReport> CheckHistory(const std::vector<HistoryOperation>& operations,
                                                const FinalReplicaState& final_state) {
  if (!final_state.replicas_of) {
    return absl::InvalidArgumentError("CheckHistory: FinalReplicaState::replicas_of is not set");
  }
  // Every key the history or a store mentions.
  std::map<std::string, std::vector<const HistoryOperation*>> by_key;
  for (const HistoryOperation& op : operations) by_key[op.key].push_back(&op);
  for (const auto& [node, store] : final_state.stores) {
    for (const auto& [key, state] : store) by_key[key];
  }
  HistoryCheckReport report;
  report.keys = by_key.size();
  for (auto& [key, ops] : by_key) {
    KeyChecker checker(key, std::move(ops), final_state, &report);
    if (absl::Status s = checker.Run(); !s.ok()) return s;
  }
  CheckMerkleRoots(final_state.merkle_roots, &report);
  return report;
}

}  // namespace kvlsm::cluster
