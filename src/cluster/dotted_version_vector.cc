// The dotted version vector encoding (docs/cluster.md, "Dotted version vector"):
//
//   dvv   := version:u8(=1) vector_count:varint32 vector_entry{vector_count}
//            cloud_count:varint32 cloud_dot{cloud_count}
//   vector_entry := actor_delta:varint64 counter:varint64      (counter >= 1)
//   cloud_dot    := actor_delta:varint64 counter:varint64
//
// Vector actors strictly increase (the first delta is the actor itself, later deltas are
// >= 1). Cloud dots strictly increase by (actor, counter) (deltas may be 0 between dots
// of one actor), and each cloud counter is at least the actor's vector counter + 2:
// the encoding is canonical.
#include "kvlsm/cluster/dotted_version_vector.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cluster/canonical_coding.h"
#include "cluster/format.h"
#include "util/coding.h"

namespace kvlsm::cluster {
namespace {

using VectorEntry = std::pair<NodeId, uint64_t>;

bool ActorLess(const VectorEntry& e, NodeId actor) { return e.first < actor; }

}  // namespace

uint64_t DottedVersionVector::VectorCounter(NodeId actor) const {
  auto it = std::lower_bound(vector_.begin(), vector_.end(), actor, ActorLess);
  return it != vector_.end() && it->first == actor ? it->second : 0;
}

bool DottedVersionVector::Contains(const Dot& dot) const {
  if (dot.counter <= VectorCounter(dot.actor)) return true;
  return std::binary_search(cloud_.begin(), cloud_.end(), dot);
}

void DottedVersionVector::Add(const Dot& dot) {
  if (Contains(dot)) return;
  cloud_.insert(std::lower_bound(cloud_.begin(), cloud_.end(), dot), dot);
  Normalize();
}

void DottedVersionVector::Merge(const DottedVersionVector& other) {
  std::vector<VectorEntry> merged;
  merged.reserve(vector_.size() + other.vector_.size());
  size_t i = 0, j = 0;
  while (i < vector_.size() && j < other.vector_.size()) {
    if (vector_[i].first == other.vector_[j].first) {
      merged.emplace_back(vector_[i].first, std::max(vector_[i].second, other.vector_[j].second));
      ++i;
      ++j;
    } else if (vector_[i].first < other.vector_[j].first) {
      merged.push_back(vector_[i++]);
    } else {
      merged.push_back(other.vector_[j++]);
    }
  }
  for (; i < vector_.size(); ++i) merged.push_back(vector_[i]);
  for (; j < other.vector_.size(); ++j) merged.push_back(other.vector_[j]);
  vector_.swap(merged);
  if (!other.cloud_.empty()) {
    std::vector<Dot> cloud;
    cloud.reserve(cloud_.size() + other.cloud_.size());
    std::set_union(cloud_.begin(), cloud_.end(), other.cloud_.begin(), other.cloud_.end(),
                   std::back_inserter(cloud));
    cloud_.swap(cloud);
  }
  if (!cloud_.empty()) Normalize();
}

void DottedVersionVector::Normalize() {
  std::vector<Dot> kept;
  for (size_t i = 0; i < cloud_.size();) {
    const NodeId actor = cloud_[i].actor;
    auto it = std::lower_bound(vector_.begin(), vector_.end(), actor, ActorLess);
    uint64_t counter = it != vector_.end() && it->first == actor ? it->second : 0;
    const uint64_t before = counter;
    for (; i < cloud_.size() && cloud_[i].actor == actor; ++i) {
      if (cloud_[i].counter <= counter) continue;  // already covered
      if (cloud_[i].counter == counter + 1) {
        counter = cloud_[i].counter;  // extends the vector
      } else {
        kept.push_back(cloud_[i]);
      }
    }
    if (counter != before) {
      if (it != vector_.end() && it->first == actor) {
        it->second = counter;
      } else {
        vector_.insert(it, VectorEntry(actor, counter));
      }
    }
  }
  // Dots are visited in increasing order, so a kept dot (beyond a gap) stays beyond it.
  cloud_.swap(kept);
}

uint64_t DottedVersionVector::MaxCounter(NodeId actor) const {
  uint64_t max = VectorCounter(actor);
  auto it = std::lower_bound(cloud_.begin(), cloud_.end(), Dot{actor + 1, 0});
  // `it` is past the last dot of actor unless actor + 1 wrapped to 0.
  if (actor == ~NodeId{0}) it = cloud_.end();
  if (it != cloud_.begin() && (it - 1)->actor == actor) max = std::max(max, (it - 1)->counter);
  return max;
}

bool DottedVersionVector::Includes(const DottedVersionVector& other) const {
  // A vector entry (a, n) of other needs all of (a, 1..n): since this history is
  // canonical, (a, vector counter + 1) is never in its cloud, so its vector must reach n.
  for (const VectorEntry& e : other.vector_) {
    if (VectorCounter(e.first) < e.second) return false;
  }
  for (const Dot& dot : other.cloud_) {
    if (!Contains(dot)) return false;
  }
  return true;
}

CausalOrder DottedVersionVector::Compare(const DottedVersionVector& other) const {
  const bool includes = Includes(other);
  const bool included = other.Includes(*this);
  if (includes && included) return CausalOrder::kEqual;
  if (includes) return CausalOrder::kAfter;
  if (included) return CausalOrder::kBefore;
  return CausalOrder::kConcurrent;
}

absl::Status DottedVersionVector::EncodeTo(std::string* dst) const {
  if (vector_.size() > dvv_format::kMaxEntries || cloud_.size() > dvv_format::kMaxDots) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "dotted version vector has ", vector_.size(), " actors and ", cloud_.size(),
        " extra dots; the format allows ", dvv_format::kMaxEntries, " and ", dvv_format::kMaxDots));
  }
  dst->push_back(static_cast<char>(dvv_format::kVersion));
  PutVarint32(dst, static_cast<uint32_t>(vector_.size()));
  NodeId previous = 0;
  for (const VectorEntry& e : vector_) {
    PutVarint64(dst, e.first - previous);
    PutVarint64(dst, e.second);
    previous = e.first;
  }
  PutVarint32(dst, static_cast<uint32_t>(cloud_.size()));
  previous = 0;
  for (const Dot& d : cloud_) {
    PutVarint64(dst, d.actor - previous);
    PutVarint64(dst, d.counter);
    previous = d.actor;
  }
  return absl::OkStatus();
}

absl::StatusOr<DottedVersionVector> DottedVersionVector::DecodeFrom(std::string_view* input) {
  const auto bad = [](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("dotted version vector encoding: ", what));
  };
  if (input->empty()) return bad("empty input");
  const uint8_t version = static_cast<uint8_t>((*input)[0]);
  input->remove_prefix(1);
  if (version != dvv_format::kVersion) {
    return bad(absl::StrCat("unknown format version ", version));
  }
  DottedVersionVector result;
  uint32_t count = 0;
  if (!GetCanonicalVarint32(input, &count)) return bad("truncated or overlong vector size");
  if (count > dvv_format::kMaxEntries) {
    return bad(absl::StrCat(count, " actors exceed the limit of ", dvv_format::kMaxEntries));
  }
  NodeId actor = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t delta = 0, counter = 0;
    if (!GetCanonicalVarint64(input, &delta) || !GetCanonicalVarint64(input, &counter)) {
      return bad(absl::StrCat("vector entry #", i, " is truncated or overlong"));
    }
    if (i > 0 && (delta == 0 || actor + delta < actor)) {
      return bad(absl::StrCat("vector entry #", i, ": actors not strictly increasing"));
    }
    if (counter == 0) return bad(absl::StrCat("vector entry #", i, " has counter 0"));
    if (counter > dvv_format::kMaxCounter) {
      return bad(absl::StrCat("vector entry #", i, " has counter ", counter,
                              ", above the limit of ", dvv_format::kMaxCounter));
    }
    actor += delta;
    result.vector_.emplace_back(actor, counter);
  }
  if (!GetCanonicalVarint32(input, &count)) return bad("truncated or overlong cloud size");
  if (count > dvv_format::kMaxDots) {
    return bad(absl::StrCat(count, " extra dots exceed the limit of ", dvv_format::kMaxDots));
  }
  actor = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t delta = 0, counter = 0;
    if (!GetCanonicalVarint64(input, &delta) || !GetCanonicalVarint64(input, &counter)) {
      return bad(absl::StrCat("cloud dot #", i, " is truncated or overlong"));
    }
    if (actor + delta < actor) return bad(absl::StrCat("cloud dot #", i, ": actor overflows"));
    if (counter > dvv_format::kMaxCounter) {
      return bad(absl::StrCat("cloud dot #", i, " has counter ", counter,
                              ", above the limit of ", dvv_format::kMaxCounter));
    }
    const Dot dot{actor + delta, counter};
    if (i > 0 && !(result.cloud_.back() < dot)) {
      return bad(absl::StrCat("cloud dot #", i, ": dots not strictly increasing"));
    }
    const uint64_t base = result.VectorCounter(dot.actor);
    if (dot.counter < base + 2 || base + 2 < base) {
      return bad(absl::StrCat("cloud dot #", i, " (", dot.actor, ",", dot.counter,
                              ") is covered by or adjacent to the vector (not canonical)"));
    }
    actor = dot.actor;
    result.cloud_.push_back(dot);
  }
  return result;
}

absl::StatusOr<DottedVersionVector> DottedVersionVector::Decode(std::string_view input) {
  absl::StatusOr<DottedVersionVector> result = DecodeFrom(&input);
  if (result.ok() && !input.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dotted version vector encoding: ", input.size(), " trailing bytes"));
  }
  return result;
}

std::string DottedVersionVector::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < vector_.size(); ++i) {
    if (i > 0) out += ", ";
    absl::StrAppend(&out, vector_[i].first, ":", vector_[i].second);
  }
  out += "}";
  if (!cloud_.empty()) {
    out += " + [";
    for (size_t i = 0; i < cloud_.size(); ++i) {
      if (i > 0) out += ", ";
      absl::StrAppend(&out, "(", cloud_[i].actor, ",", cloud_[i].counter, ")");
    }
    out += "]";
  }
  return out;
}

}  // namespace kvlsm::cluster
