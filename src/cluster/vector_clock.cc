// The vector clock encoding (docs/cluster.md, "Vector clock"):
//
//   clock := version:u8(=1) count:varint32 entry{count}
//   entry := actor_delta:varint64 counter:varint64 timestamp_micros:varint64
//
// Entries are in strictly increasing actor order; the first entry stores its actor, each
// later one the (non-zero) difference from the previous actor. Counters are >= 1.
#include "kvlsm/cluster/vector_clock.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cluster/canonical_coding.h"
#include "cluster/format.h"
#include "util/coding.h"

namespace kvlsm::cluster {

const char* CausalOrderName(CausalOrder order) {
  switch (order) {
    case CausalOrder::kEqual:
      return "equal";
    case CausalOrder::kBefore:
      return "before";
    case CausalOrder::kAfter:
      return "after";
    case CausalOrder::kConcurrent:
      return "concurrent";
  }
  return "unknown";
}

void VectorClock::Increment(NodeId actor, uint64_t now_micros) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), actor,
                             [](const Entry& e, NodeId a) { return e.actor < a; });
  if (it != entries_.end() && it->actor == actor) {
    ++it->counter;
    it->timestamp_micros = std::max(it->timestamp_micros, now_micros);
  } else {
    entries_.insert(it, Entry{actor, 1, now_micros});
  }
}

void VectorClock::Merge(const VectorClock& other) {
  absl::InlinedVector<Entry, 6> merged;
  merged.reserve(entries_.size() + other.entries_.size());
  size_t i = 0, j = 0;
  const auto& a = entries_;
  const auto& b = other.entries_;
  while (i < a.size() && j < b.size()) {
    if (a[i].actor == b[j].actor) {
      merged.push_back(Entry{a[i].actor, std::max(a[i].counter, b[j].counter),
                             std::max(a[i].timestamp_micros, b[j].timestamp_micros)});
      ++i;
      ++j;
    } else if (a[i].actor < b[j].actor) {
      merged.push_back(a[i++]);
    } else {
      merged.push_back(b[j++]);
    }
  }
  for (; i < a.size(); ++i) merged.push_back(a[i]);
  for (; j < b.size(); ++j) merged.push_back(b[j]);
  entries_.swap(merged);
}

CausalOrder VectorClock::Compare(const VectorClock& other) const {
  bool this_ahead = false, other_ahead = false;
  size_t i = 0, j = 0;
  const auto& a = entries_;
  const auto& b = other.entries_;
  while (i < a.size() && j < b.size()) {
    if (a[i].actor == b[j].actor) {
      if (a[i].counter > b[j].counter) {
        this_ahead = true;
      } else if (a[i].counter < b[j].counter) {
        other_ahead = true;
      }
      ++i;
      ++j;
    } else if (a[i].actor < b[j].actor) {
      this_ahead = true;  // other's counter for this actor is 0
      ++i;
    } else {
      other_ahead = true;
      ++j;
    }
    if (this_ahead && other_ahead) return CausalOrder::kConcurrent;
  }
  if (i < a.size()) this_ahead = true;
  if (j < b.size()) other_ahead = true;
  if (this_ahead && other_ahead) return CausalOrder::kConcurrent;
  if (this_ahead) return CausalOrder::kAfter;
  if (other_ahead) return CausalOrder::kBefore;
  return CausalOrder::kEqual;
}

bool VectorClock::Descends(const VectorClock& other) const {
  const CausalOrder order = Compare(other);
  return order == CausalOrder::kEqual || order == CausalOrder::kAfter;
}

uint64_t VectorClock::CounterOf(NodeId actor) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), actor,
                             [](const Entry& e, NodeId a) { return e.actor < a; });
  return it != entries_.end() && it->actor == actor ? it->counter : 0;
}

size_t VectorClock::Prune(const ClockPruneOptions& options, uint64_t now_micros) {
  if (entries_.size() <= options.max_entries) return 0;
  // Old enough to prune: last updated at least min_age_micros before now.
  std::vector<Entry> candidates;
  for (const Entry& e : entries_) {
    const uint64_t age = now_micros > e.timestamp_micros ? now_micros - e.timestamp_micros : 0;
    if (age >= options.min_age_micros) candidates.push_back(e);
  }
  std::sort(candidates.begin(), candidates.end(), [](const Entry& x, const Entry& y) {
    if (x.timestamp_micros != y.timestamp_micros) return x.timestamp_micros < y.timestamp_micros;
    return x.actor < y.actor;
  });
  const size_t excess = entries_.size() - options.max_entries;
  const size_t removing = std::min(excess, candidates.size());
  std::vector<NodeId> doomed;
  for (size_t i = 0; i < removing; ++i) doomed.push_back(candidates[i].actor);
  std::sort(doomed.begin(), doomed.end());
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&doomed](const Entry& e) {
                                  return std::binary_search(doomed.begin(), doomed.end(), e.actor);
                                }),
                 entries_.end());
  return removing;
}

absl::Status VectorClock::EncodeTo(std::string* dst) const {
  if (entries_.size() > clock_format::kMaxEntries) {
    return absl::ResourceExhaustedError(absl::StrCat("vector clock has ", entries_.size(),
                                                     " entries; the format allows ",
                                                     clock_format::kMaxEntries, " (prune it)"));
  }
  dst->push_back(static_cast<char>(clock_format::kVersion));
  PutVarint32(dst, static_cast<uint32_t>(entries_.size()));
  NodeId previous = 0;
  for (const Entry& e : entries_) {
    PutVarint64(dst, e.actor - previous);
    PutVarint64(dst, e.counter);
    PutVarint64(dst, e.timestamp_micros);
    previous = e.actor;
  }
  return absl::OkStatus();
}

absl::StatusOr<VectorClock> VectorClock::Decode(std::string_view input) {
  const auto bad = [](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("vector clock encoding: ", what));
  };
  if (input.empty()) return bad("empty input");
  const uint8_t version = static_cast<uint8_t>(input[0]);
  input.remove_prefix(1);
  if (version != clock_format::kVersion) {
    return bad(absl::StrCat("unknown format version ", version));
  }
  uint32_t count = 0;
  if (!GetCanonicalVarint32(&input, &count)) return bad("truncated or overlong entry count");
  if (count > clock_format::kMaxEntries) {
    return bad(absl::StrCat(count, " entries exceed the limit of ", clock_format::kMaxEntries));
  }
  VectorClock clock;
  NodeId actor = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t delta = 0, counter = 0, timestamp = 0;
    if (!GetCanonicalVarint64(&input, &delta) || !GetCanonicalVarint64(&input, &counter) ||
        !GetCanonicalVarint64(&input, &timestamp)) {
      return bad(absl::StrCat("entry #", i, " is truncated or overlong"));
    }
    if (i > 0 && (delta == 0 || actor + delta < actor)) {
      return bad(absl::StrCat("entry #", i, ": actors not strictly increasing"));
    }
    if (counter == 0) return bad(absl::StrCat("entry #", i, " has counter 0"));
    actor += delta;
    clock.entries_.push_back(Entry{actor, counter, timestamp});
  }
  if (!input.empty()) return bad(absl::StrCat(input.size(), " trailing bytes"));
  return clock;
}

std::string VectorClock::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i > 0) out += ", ";
    absl::StrAppend(&out, entries_[i].actor, ":", entries_[i].counter);
  }
  out += "}";
  return out;
}

}  // namespace kvlsm::cluster
