#include "table/merging_iterator.h"

#include <utility>

namespace kvlsm {
namespace {

// Picks the current child by a linear scan of the children: O(children) per step, which
// beats a heap for the handful of children a memtable-only DB has.
class MergingIterator final : public Iterator {
 public:
  MergingIterator(const InternalKeyComparator* comparator,
                  std::vector<std::unique_ptr<Iterator>> children)
      : comparator_(comparator), children_(std::move(children)) {}

  bool Valid() const override { return current_ != nullptr; }

  void SeekToFirst() override {
    for (auto& child : children_) child->SeekToFirst();
    direction_ = kForward;
    FindSmallest();
  }

  void SeekToLast() override {
    for (auto& child : children_) child->SeekToLast();
    direction_ = kReverse;
    FindLargest();
  }

  void Seek(std::string_view target) override {
    for (auto& child : children_) child->Seek(target);
    direction_ = kForward;
    FindSmallest();
  }

  void SeekForPrev(std::string_view target) override {
    for (auto& child : children_) child->SeekForPrev(target);
    direction_ = kReverse;
    FindLargest();
  }

  void Next() override {
    if (direction_ != kForward) {
      // Every other child must move to the first entry after key().
      const std::string_view k = key();
      for (auto& child : children_) {
        if (child.get() == current_) continue;
        child->Seek(k);
        if (child->Valid() && comparator_->Compare(k, child->key()) == 0) child->Next();
      }
      direction_ = kForward;
    }
    current_->Next();
    FindSmallest();
  }

  void Prev() override {
    if (direction_ != kReverse) {
      // Every other child must move to the last entry before key().
      const std::string_view k = key();
      for (auto& child : children_) {
        if (child.get() == current_) continue;
        child->SeekForPrev(k);
        if (child->Valid() && comparator_->Compare(k, child->key()) == 0) child->Prev();
      }
      direction_ = kReverse;
    }
    current_->Prev();
    FindLargest();
  }

  std::string_view key() const override { return current_->key(); }
  std::string_view value() const override { return current_->value(); }

  absl::Status status() const override {
    for (const auto& child : children_) {
      absl::Status s = child->status();
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  enum Direction { kForward, kReverse };

  void FindSmallest() {
    current_ = nullptr;
    for (auto& child : children_) {
      if (child->Valid() &&
          (current_ == nullptr || comparator_->Compare(child->key(), current_->key()) < 0)) {
        current_ = child.get();
      }
    }
  }

  void FindLargest() {
    current_ = nullptr;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      Iterator* child = it->get();
      if (child->Valid() &&
          (current_ == nullptr || comparator_->Compare(child->key(), current_->key()) > 0)) {
        current_ = child;
      }
    }
  }

  const InternalKeyComparator* const comparator_;
  std::vector<std::unique_ptr<Iterator>> children_;
  Iterator* current_ = nullptr;
  Direction direction_ = kForward;
};

}  // namespace

std::unique_ptr<Iterator> NewMergingIterator(const InternalKeyComparator* comparator,
                                             std::vector<std::unique_ptr<Iterator>> children) {
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<MergingIterator>(comparator, std::move(children));
}

}  // namespace kvlsm
