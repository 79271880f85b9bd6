// SnapshotList: the live snapshots of a DB, oldest first.
//
// Thread safety: not synchronized; DBImpl guards it with its mutex.
#ifndef KVLSM_DB_SNAPSHOT_LIST_H_
#define KVLSM_DB_SNAPSHOT_LIST_H_

#include <list>
#include <vector>

#include "base/dbformat.h"
#include "kvlsm/db.h"

namespace kvlsm {

class SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(SequenceNumber sequence) : sequence_(sequence) {}
  SequenceNumber sequence() const { return sequence_; }

 private:
  friend class SnapshotList;
  const SequenceNumber sequence_;
  std::list<SnapshotImpl>::iterator self_;
};

class SnapshotList {
 public:
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  // Every snapshot's sequence number, ascending.
  std::vector<SequenceNumber> Sequences() const {
    std::vector<SequenceNumber> out;
    out.reserve(list_.size());
    for (const SnapshotImpl& s : list_) out.push_back(s.sequence());
    return out;
  }

  // REQUIRES: sequence >= every sequence in the list.
  const SnapshotImpl* New(SequenceNumber sequence) {
    list_.emplace_back(sequence);
    auto it = std::prev(list_.end());
    it->self_ = it;
    return &*it;
  }
  // REQUIRES: snapshot came from New() on this list and was not deleted yet.
  void Delete(const SnapshotImpl* snapshot) { list_.erase(snapshot->self_); }

 private:
  std::list<SnapshotImpl> list_;
};

}  // namespace kvlsm

#endif  // KVLSM_DB_SNAPSHOT_LIST_H_
