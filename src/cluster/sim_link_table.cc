#include "cluster/sim_link_table.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace kvlsm::cluster {

namespace {

absl::Status CheckProbability(double p, const char* field) {
  if (!(p >= 0.0 && p <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("SimLink::%s = %g: must lie in [0, 1]", field, p));
  }
  return absl::OkStatus();
}

std::string GroupsToString(const std::vector<std::vector<NodeId>>& groups) {
  std::vector<std::string> parts;
  for (const auto& group : groups) parts.push_back("{" + absl::StrJoin(group, ",") + "}");
  return absl::StrJoin(parts, " | ");
}

}  // namespace

absl::Status SimLink::Validate() const {
  for (auto [value, field] : {std::pair{min_latency_micros, "min_latency_micros"},
                              std::pair{jitter_micros, "jitter_micros"},
                              std::pair{tail_mean_micros, "tail_mean_micros"}}) {
    if (value > kMaxLatencyMicros) {
      return absl::InvalidArgumentError(absl::StrFormat("SimLink::%s = %d: at most one hour (%d)",
                                                        field, value, kMaxLatencyMicros));
    }
  }
  if (absl::Status s = CheckProbability(loss, "loss"); !s.ok()) return s;
  return CheckProbability(duplicate, "duplicate");
}

SimLinkTable::SimLinkTable(SimLink default_link, Random* random, TraceFn trace)
    : random_(random), trace_(std::move(trace)), default_link_(std::move(default_link)) {}

const SimLink& SimLinkTable::LinkFor(NodeId from, NodeId to) const {
  auto it = links_.find({from, to});
  return it == links_.end() ? default_link_ : it->second;
}

uint64_t SimLinkTable::DrawLatency(const SimLink& link) {
  uint64_t latency = link.min_latency_micros;
  if (link.jitter_micros > 0) latency += random_->Uniform(link.jitter_micros + 1);
  if (link.tail_mean_micros > 0) {
    latency += static_cast<uint64_t>(-static_cast<double>(link.tail_mean_micros) *
                                     std::log(1.0 - Uniform01(random_)));
  }
  return latency;
}

absl::Status SimLinkTable::SetLink(NodeId from, NodeId to, const SimLink& link) {
  if (!Known(from) || !Known(to)) {
    return absl::NotFoundError(
        absl::StrFormat("SimNetwork::SetLink: unknown node in %d -> %d", from, to));
  }
  if (absl::Status s = link.Validate(); !s.ok()) return s;
  links_[{from, to}] = link;
  return absl::OkStatus();
}

absl::Status SimLinkTable::SetAllLinks(const SimLink& link) {
  if (absl::Status s = link.Validate(); !s.ok()) return s;
  links_.clear();
  default_link_ = link;
  return absl::OkStatus();
}

absl::Status SimLinkTable::Partition(const std::vector<std::vector<NodeId>>& groups) {
  std::map<NodeId, size_t> group_of;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (NodeId id : groups[g]) {
      if (!Known(id)) {
        return absl::InvalidArgumentError(
            absl::StrFormat("SimNetwork::Partition: unknown node %d in group %d", id, g));
      }
      if (!group_of.emplace(id, g).second) {
        return absl::InvalidArgumentError(
            absl::StrFormat("SimNetwork::Partition: node %d is in two groups", id));
      }
    }
  }
  cut_.clear();
  for (NodeId a : NodeIds()) {
    for (NodeId b : NodeIds()) {
      const size_t ga = group_of.count(a) ? group_of[a] : groups.size();
      const size_t gb = group_of.count(b) ? group_of[b] : groups.size();
      if (ga != gb) cut_.insert({a, b});
    }
  }
  Trace("partition " + GroupsToString(groups));
  return absl::OkStatus();
}

std::vector<NodeId> SimLinkTable::Shuffled() {
  std::vector<NodeId> ids = NodeIds();
  for (size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[random_->Uniform(i)]);
  return ids;
}

std::vector<std::vector<NodeId>> SimLinkTable::Sorted(std::vector<std::vector<NodeId>> groups) {
  for (auto& group : groups) std::sort(group.begin(), group.end());
  return groups;
}

std::vector<std::vector<NodeId>> SimLinkTable::PartitionHalves() {
  std::vector<NodeId> ids = Shuffled();
  const size_t half = ids.size() / 2;
  auto groups = Sorted({{ids.begin(), ids.begin() + half}, {ids.begin() + half, ids.end()}});
  Partition(groups).IgnoreError();  // the groups hold known nodes once each
  return groups;
}

std::vector<std::vector<NodeId>> SimLinkTable::PartitionBridge() {
  std::vector<NodeId> ids = Shuffled();
  if (ids.size() < 3) return PartitionHalves();
  const NodeId bridge = ids.back();
  ids.pop_back();
  const size_t half = ids.size() / 2;
  auto groups = Sorted({{ids.begin(), ids.begin() + half}, {ids.begin() + half, ids.end()}});
  cut_.clear();
  for (NodeId a : groups[0]) {
    for (NodeId b : groups[1]) {
      cut_.insert({a, b});
      cut_.insert({b, a});
    }
  }
  groups.push_back({bridge});
  Trace(absl::StrFormat("partition %s with bridge node %d", GroupsToString({groups[0], groups[1]}),
                        bridge));
  return groups;
}

std::vector<std::vector<NodeId>> SimLinkTable::PartitionRandom() {
  std::vector<NodeId> ids = Shuffled();
  if (ids.size() < 2) return {ids};
  const size_t max_groups = std::max<size_t>(2, ids.size() / 2);
  const size_t count = 2 + random_->Uniform(max_groups - 1);
  std::vector<std::vector<NodeId>> groups(count);
  for (size_t i = 0; i < ids.size(); ++i) {
    groups[i < count ? i : random_->Uniform(count)].push_back(ids[i]);
  }
  groups = Sorted(std::move(groups));
  Partition(groups).IgnoreError();  // the groups hold known nodes once each
  return groups;
}

absl::Status SimLinkTable::CutLink(NodeId from, NodeId to) {
  if (!Known(from) || !Known(to)) {
    return absl::NotFoundError(
        absl::StrFormat("SimNetwork::CutLink: unknown node in %d -> %d", from, to));
  }
  cut_.insert({from, to});
  Trace(absl::StrFormat("cut link %d -> %d", from, to));
  return absl::OkStatus();
}

void SimLinkTable::Heal() {
  cut_.clear();
  Trace("heal");
}

}  // namespace kvlsm::cluster
