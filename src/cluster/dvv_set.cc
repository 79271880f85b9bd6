// The DvvSet encoding (docs/cluster.md, "DvvSet"):
//
//   dvvset  := version:u8(=1) history:dvv sibling_count:varint32 sibling{sibling_count}
//   sibling := actor_delta:varint64 counter:varint64 value_length:varint32 value:bytes
//
// `dvv` is the dotted version vector encoding. Sibling dots strictly increase by
// (actor, counter) (the actor delta is from the previous sibling's actor; the first is
// absolute) and each lies in the history. A Context encodes as its dotted version vector.
#include "kvlsm/cluster/dvv_set.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "cluster/canonical_coding.h"
#include "cluster/format.h"
#include "util/coding.h"

namespace kvlsm::cluster {

absl::StatusOr<std::string> Context::Encode() const {
  std::string bytes;
  if (absl::Status s = history_.EncodeTo(&bytes); !s.ok()) return s;
  return bytes;
}

absl::StatusOr<Context> Context::Decode(std::string_view bytes) {
  absl::StatusOr<DottedVersionVector> history = DottedVersionVector::Decode(bytes);
  if (!history.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("context: ", history.status().message()));
  }
  return Context(*std::move(history));
}

absl::Status DvvSet::CheckBounds(const std::vector<Sibling>& siblings,
                                 const DottedVersionVector& history) {
  if (siblings.size() > dvv_set_format::kMaxSiblings) {
    return absl::ResourceExhaustedError(absl::StrCat(
        siblings.size(), " siblings exceed the limit of ", dvv_set_format::kMaxSiblings));
  }
  size_t total = 0;
  for (const Sibling& s : siblings) {
    if (s.value.size() > dvv_set_format::kMaxValueBytes) {
      return absl::ResourceExhaustedError(absl::StrCat("a value of ", s.value.size(),
                                                       " bytes exceeds the limit of ",
                                                       dvv_set_format::kMaxValueBytes));
    }
    total += s.value.size();
  }
  if (total > dvv_set_format::kMaxTotalBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "siblings of ", total, " bytes exceed the limit of ", dvv_set_format::kMaxTotalBytes));
  }
  if (history.vector().size() > dvv_format::kMaxEntries ||
      history.cloud().size() > dvv_format::kMaxDots) {
    return absl::ResourceExhaustedError(
        absl::StrCat("history ", history.vector().size(), " actors and ", history.cloud().size(),
                     " extra dots exceed the limits of ", dvv_format::kMaxEntries, " and ",
                     dvv_format::kMaxDots));
  }
  return absl::OkStatus();
}

Siblings DvvSet::Read() const {
  Siblings result;
  result.values.reserve(siblings_.size());
  for (const Sibling& s : siblings_) result.values.push_back(s.value);
  result.context = Context(history_);
  return result;
}

absl::StatusOr<Context> DvvSet::Put(const Context& context, std::string_view value,
                                    NodeId coordinator, DvvSet* delta) {
  DottedVersionVector history = history_;
  history.Merge(context.history());
  const uint64_t issued = history.MaxCounter(coordinator);
  if (issued >= dvv_format::kMaxCounter) {
    return absl::ResourceExhaustedError(
        absl::StrCat("actor ", coordinator, " has issued counter ", issued,
                     ": no dot above the limit of ", dvv_format::kMaxCounter,
                     " can be issued (a forged or damaged context?)"));
  }
  const Dot dot{coordinator, issued + 1};
  std::vector<Sibling> siblings;
  siblings.reserve(siblings_.size() + 1);
  for (const Sibling& s : siblings_) {
    if (!context.history().Contains(s.dot)) siblings.push_back(s);
  }
  siblings.insert(std::lower_bound(siblings.begin(), siblings.end(), dot,
                                   [](const Sibling& s, const Dot& d) { return s.dot < d; }),
                  Sibling{dot, std::string(value)});
  history.Add(dot);
  if (absl::Status s = CheckBounds(siblings, history); !s.ok()) return s;
  DottedVersionVector written = context.history();
  written.Add(dot);
  if (delta != nullptr) {
    delta->siblings_.assign(1, Sibling{dot, std::string(value)});
    delta->history_ = written;
  }
  siblings_.swap(siblings);
  history_ = std::move(history);
  return Context(std::move(written));
}

absl::Status DvvSet::Delete(const Context& context, DvvSet* delta) {
  DottedVersionVector history = history_;
  history.Merge(context.history());
  if (absl::Status s = CheckBounds({}, history); !s.ok()) return s;
  siblings_.erase(
      std::remove_if(siblings_.begin(), siblings_.end(),
                     [&context](const Sibling& s) { return context.history().Contains(s.dot); }),
      siblings_.end());
  history_ = std::move(history);
  if (delta != nullptr) {
    delta->siblings_.clear();
    delta->history_ = context.history();
  }
  return absl::OkStatus();
}

absl::Status DvvSet::Sync(const DvvSet& other) {
  // A sibling survives unless the other side has seen its dot and no longer holds it.
  std::vector<Sibling> merged;
  merged.reserve(siblings_.size() + other.siblings_.size());
  size_t i = 0, j = 0;
  const auto& a = siblings_;
  const auto& b = other.siblings_;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].dot < b[j].dot)) {
      if (!other.history_.Contains(a[i].dot)) merged.push_back(a[i]);
      ++i;
    } else if (i == a.size() || b[j].dot < a[i].dot) {
      if (!history_.Contains(b[j].dot)) merged.push_back(b[j]);
      ++j;
    } else {
      // One dot, one write: the values agree unless a replica is damaged; pick one by
      // content so the join stays commutative even then.
      merged.push_back(a[i].value <= b[j].value ? a[i] : b[j]);
      ++i;
      ++j;
    }
  }
  DottedVersionVector history = history_;
  history.Merge(other.history_);
  if (absl::Status s = CheckBounds(merged, history); !s.ok()) return s;
  siblings_.swap(merged);
  history_ = std::move(history);
  return absl::OkStatus();
}

void DvvSet::EncodeTo(std::string* dst) const {
  dst->push_back(static_cast<char>(dvv_set_format::kVersion));
  // The bounds were checked by every mutation, so the history always encodes.
  const absl::Status encoded = history_.EncodeTo(dst);
  (void)encoded;
  PutVarint32(dst, static_cast<uint32_t>(siblings_.size()));
  NodeId previous = 0;
  for (const Sibling& s : siblings_) {
    PutVarint64(dst, s.dot.actor - previous);
    PutVarint64(dst, s.dot.counter);
    PutLengthPrefixed(dst, s.value);
    previous = s.dot.actor;
  }
}

absl::StatusOr<DvvSet> DvvSet::Decode(std::string_view input) {
  const auto bad = [](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("DvvSet encoding: ", what));
  };
  if (input.empty()) return bad("empty input");
  const uint8_t version = static_cast<uint8_t>(input[0]);
  input.remove_prefix(1);
  if (version != dvv_set_format::kVersion) {
    return bad(absl::StrCat("unknown format version ", version));
  }
  DvvSet result;
  absl::StatusOr<DottedVersionVector> history = DottedVersionVector::DecodeFrom(&input);
  if (!history.ok()) return bad(std::string(history.status().message()));
  result.history_ = *std::move(history);
  uint32_t count = 0;
  if (!GetCanonicalVarint32(&input, &count)) return bad("truncated or overlong sibling count");
  if (count > dvv_set_format::kMaxSiblings) {
    return bad(absl::StrCat(count, " siblings exceed the limit of ", dvv_set_format::kMaxSiblings));
  }
  NodeId actor = 0;
  size_t total = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t delta = 0, counter = 0;
    std::string_view value;
    if (!GetCanonicalVarint64(&input, &delta) || !GetCanonicalVarint64(&input, &counter) ||
        !GetCanonicalLengthPrefixed(&input, &value)) {
      return bad(absl::StrCat("sibling #", i, " is truncated or overlong"));
    }
    if (actor + delta < actor) return bad(absl::StrCat("sibling #", i, ": actor overflows"));
    const Dot dot{actor + delta, counter};
    if (i > 0 && !(result.siblings_.back().dot < dot)) {
      return bad(absl::StrCat("sibling #", i, ": dots not strictly increasing"));
    }
    if (counter == 0 || !result.history_.Contains(dot)) {
      return bad(absl::StrCat("sibling #", i, " has dot (", dot.actor, ",", dot.counter,
                              ") outside the history"));
    }
    if (value.size() > dvv_set_format::kMaxValueBytes) {
      return bad(absl::StrCat("sibling #", i, " has a value of ", value.size(), " bytes"));
    }
    total += value.size();
    if (total > dvv_set_format::kMaxTotalBytes) return bad("siblings exceed the total limit");
    actor = dot.actor;
    result.siblings_.push_back(Sibling{dot, std::string(value)});
  }
  if (!input.empty()) return bad(absl::StrCat(input.size(), " trailing bytes"));
  return result;
}

std::string DvvSet::ToString() const {
  std::string out = history_.ToString();
  out += " [";
  for (size_t i = 0; i < siblings_.size(); ++i) {
    if (i > 0) out += ", ";
    const std::string_view value = siblings_[i].value;
    absl::StrAppend(&out, "(", siblings_[i].dot.actor, ",", siblings_[i].dot.counter, ")=\"",
                    absl::CHexEscape(std::string(value.substr(0, 32))),
                    value.size() > 32 ? "...\"" : "\"");
  }
  out += "]";
  return out;
}

}  // namespace kvlsm::cluster
