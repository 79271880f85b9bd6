// CompactionIterator: what a compaction keeps of a sorted stream of internal keys.
//
// Reads the merged entries of a compaction's inputs (user key ascending, newest version
// first) one user key at a time and yields the entries to write:
//   - Snapshots cut each key's versions into stripes: the entries a snapshot sees and a
//     newer one does not (the newest stripe is what a read without a snapshot sees).
//     Within a stripe only the newest Put or Delete matters; older entries of the stripe
//     are dropped as shadowed.
//   - Merge operands are folded with the MergeOperator: onto the stripe's Put or Delete
//     (a full merge, written as a Put), onto nothing when no older version of the key
//     exists anywhere (the bottom), or else pairwise by PartialMerge. An operator that
//     fails keeps the operands as they were, so a read reports the same error later.
//   - A Delete is dropped once no older version of the key remains below it: in this
//     compaction's output or in any table that is not an input (asked through
//     key_may_exist_below).
//
// Thread safety: one thread at a time.
#ifndef KVLSM_COMPACTION_COMPACTION_ITERATOR_H_
#define KVLSM_COMPACTION_COMPACTION_ITERATOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "base/dbformat.h"
#include "kvlsm/iterator.h"
#include "kvlsm/merge_operator.h"

namespace kvlsm {

struct CompactionIteratorOptions {
  const Comparator* user_comparator = nullptr;
  const MergeOperator* merge_operator = nullptr;  // May be null (no Merge entries then).
  // Sequence numbers of the live snapshots, ascending.
  std::vector<SequenceNumber> snapshots;
  // True when a table that is not an input, and is older than the inputs, may hold
  // user_key. Called at most once per user key.
  std::function<bool(std::string_view user_key)> key_may_exist_below;
};

class CompactionIterator {
 public:
  struct Stats {
    uint64_t input_entries = 0;
    uint64_t output_entries = 0;
    uint64_t dropped_shadowed = 0;    // Versions no snapshot or read can see.
    uint64_t dropped_tombstones = 0;  // Deletes with nothing left to hide.
    uint64_t merged_operands = 0;     // Operands folded into another entry.
  };

  // input yields internal keys in InternalKeyComparator order; not owned.
  CompactionIterator(CompactionIteratorOptions options, Iterator* input);

  // Positions at the first entry to keep.
  void SeekToFirst();
  bool Valid() const { return pos_ < out_.size(); }
  // REQUIRES: Valid(). Valid until the next call of Next or SeekToFirst.
  std::string_view key() const { return out_[pos_].key; }
  std::string_view value() const { return out_[pos_].value; }
  // True when key() has another user key than the entry before it.
  bool starts_user_key() const { return pos_ == 0; }
  void Next();
  // The input's error, or Corruption for an entry that does not parse.
  absl::Status status() const { return status_; }
  const Stats& stats() const { return stats_; }

 private:
  struct Entry {
    std::string key;  // Internal key.
    std::string value;
    SequenceNumber sequence = 0;
    ValueType type = ValueType::kPut;
  };

  // Reads the next user key's entries into in_ and computes out_; leaves out_ empty at
  // the end of the input or on error.
  void ProcessNextUserKey();
  void Compute();
  // Appends to out_ the entries for in_[begin, end), a run of Merge operands of one
  // stripe, newest first, followed by `base` (an index into in_, or -1 for none).
  void EmitMerge(size_t begin, size_t end, int base, bool at_bottom);
  void Emit(const Entry& entry) { out_.push_back(entry); }
  void EmitNew(std::string_view user_key, SequenceNumber sequence, ValueType type,
               std::string value);
  size_t StripeOf(SequenceNumber sequence) const;
  bool KeyMayExistBelow();

  const CompactionIteratorOptions options_;
  Iterator* const input_;
  absl::Status status_;
  Stats stats_;
  std::string user_key_;           // Of in_ and out_.
  std::vector<Entry> in_;          // The user key's entries, newest first.
  std::vector<Entry> out_;         // What to write for it, newest first.
  size_t pos_ = 0;                 // In out_.
  int may_exist_below_ = -1;       // Cached answer for user_key_; -1 unknown.
};

}  // namespace kvlsm

#endif  // KVLSM_COMPACTION_COMPACTION_ITERATOR_H_
