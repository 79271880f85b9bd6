#include "compaction/compaction_iterator.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"

namespace kvlsm {

CompactionIterator::CompactionIterator(CompactionIteratorOptions options, Iterator* input)
    : options_(std::move(options)), input_(input) {}

void CompactionIterator::SeekToFirst() {
  status_ = absl::OkStatus();
  stats_ = Stats();
  input_->SeekToFirst();
  ProcessNextUserKey();
}

void CompactionIterator::Next() {
  if (++pos_ < out_.size()) return;
  ProcessNextUserKey();
}

void CompactionIterator::ProcessNextUserKey() {
  // Keys whose every entry is dropped yield nothing: go on to the next one.
  out_.clear();
  pos_ = 0;
  while (out_.empty() && status_.ok() && input_->Valid()) {
    in_.clear();
    may_exist_below_ = -1;
    ParsedInternalKey parsed;
    for (bool first = true; input_->Valid(); input_->Next(), first = false) {
      if (!ParseInternalKey(input_->key(), &parsed)) {
        status_ = absl::DataLossError(absl::StrFormat(
            "compaction input holds a malformed internal key (%d bytes)", input_->key().size()));
        return;
      }
      if (first) {
        user_key_.assign(parsed.user_key);
      } else if (options_.user_comparator->Compare(parsed.user_key, user_key_) != 0) {
        break;
      }
      in_.push_back(
          Entry{std::string(input_->key()), std::string(input_->value()), parsed.sequence,
                parsed.type});
    }
    if (!input_->status().ok()) {
      status_ = input_->status();
      return;
    }
    stats_.input_entries += in_.size();
    Compute();
    stats_.output_entries += out_.size();
  }
  // The input ends at its last entry or at an error (also before its first entry).
  if (status_.ok() && !input_->Valid()) status_ = input_->status();
  if (!status_.ok()) out_.clear();
}

size_t CompactionIterator::StripeOf(SequenceNumber sequence) const {
  // The oldest snapshot that sees the entry; snapshots.size() for "only newer reads".
  return std::lower_bound(options_.snapshots.begin(), options_.snapshots.end(), sequence) -
         options_.snapshots.begin();
}

bool CompactionIterator::KeyMayExistBelow() {
  if (may_exist_below_ < 0) {
    may_exist_below_ =
        options_.key_may_exist_below && options_.key_may_exist_below(user_key_) ? 1 : 0;
  }
  return may_exist_below_ == 1;
}

void CompactionIterator::Compute() {
  size_t i = 0;
  while (i < in_.size()) {
    const size_t stripe = StripeOf(in_[i].sequence);
    size_t end = i;  // End of the stripe.
    while (end < in_.size() && StripeOf(in_[end].sequence) == stripe) ++end;
    if (in_[i].type != ValueType::kMerge) {
      out_.push_back(std::move(in_[i]));
      stats_.dropped_shadowed += end - i - 1;
    } else {
      size_t operands_end = i;
      while (operands_end < end && in_[operands_end].type == ValueType::kMerge) ++operands_end;
      const int base = operands_end < end ? static_cast<int>(operands_end) : -1;
      const bool at_bottom = base < 0 && end == in_.size() && !KeyMayExistBelow();
      EmitMerge(i, operands_end, base, at_bottom);
      if (base >= 0) stats_.dropped_shadowed += end - operands_end - 1;
    }
    i = end;
  }
  // The oldest remaining entry, when a Delete with nothing below it, hides nothing.
  while (!out_.empty() && out_.back().type == ValueType::kDelete && !KeyMayExistBelow()) {
    out_.pop_back();
    ++stats_.dropped_tombstones;
  }
}

void CompactionIterator::EmitNew(std::string_view user_key, SequenceNumber sequence,
                                 ValueType type, std::string value) {
  Entry e;
  AppendInternalKey(&e.key, user_key, sequence, type);
  e.value = std::move(value);
  e.sequence = sequence;
  e.type = type;
  out_.push_back(std::move(e));
}

void CompactionIterator::EmitMerge(size_t begin, size_t end, int base, bool at_bottom) {
  const MergeOperator* op = options_.merge_operator;
  const auto keep_as_is = [&] {
    for (size_t k = begin; k < end; ++k) out_.push_back(std::move(in_[k]));
    if (base >= 0) out_.push_back(std::move(in_[base]));
  };
  if (op == nullptr) {
    keep_as_is();
    return;
  }
  const SequenceNumber newest = in_[begin].sequence;
  if (base >= 0 || at_bottom) {
    std::optional<std::string_view> existing;
    if (base >= 0 && in_[base].type == ValueType::kPut) existing = in_[base].value;
    std::vector<std::string_view> operands;  // Oldest first.
    for (size_t k = end; k > begin; --k) operands.push_back(in_[k - 1].value);
    std::string merged;
    if (!op->FullMerge(user_key_, existing, operands, &merged).ok()) {
      keep_as_is();
      return;
    }
    stats_.merged_operands += end - begin + (base >= 0 ? 1 : 0) - 1;
    EmitNew(user_key_, newest, ValueType::kPut, std::move(merged));
    return;
  }
  // Fold adjacent operands, oldest first, as far as the operator allows. Each result
  // carries the sequence number of its newest operand.
  std::vector<Entry> folded;  // Oldest first.
  for (size_t k = end; k > begin; --k) {
    Entry& next = in_[k - 1];
    std::string combined;
    if (!folded.empty() && op->PartialMerge(user_key_, folded.back().value, next.value,
                                            &combined)) {
      Entry& acc = folded.back();
      acc.key.clear();
      AppendInternalKey(&acc.key, user_key_, next.sequence, ValueType::kMerge);
      acc.value = std::move(combined);
      acc.sequence = next.sequence;
      ++stats_.merged_operands;
    } else {
      folded.push_back(std::move(next));
    }
  }
  for (auto it = folded.rbegin(); it != folded.rend(); ++it) out_.push_back(std::move(*it));
}

}  // namespace kvlsm
