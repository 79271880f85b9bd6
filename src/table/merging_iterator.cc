#include "table/merging_iterator.h"

#include <utility>

namespace kvlsm {
namespace {

// Keeps the valid children in a binary heap ordered by (key, child index): smallest on top
// going forward, largest going backward. Next/Prev advance the top child and sift it down:
// O(log children) key comparisons per step. Changing direction repositions every other
// child around the current key (as a seek does) and rebuilds the heap.
class MergingIterator final : public Iterator {
 public:
  MergingIterator(const InternalKeyComparator* comparator,
                  std::vector<std::unique_ptr<Iterator>> children)
      : comparator_(comparator), children_(std::move(children)) {
    heap_.reserve(children_.size());
  }

  bool Valid() const override { return !heap_.empty(); }

  void SeekToFirst() override {
    for (auto& child : children_) child->SeekToFirst();
    Rebuild(kForward);
  }

  void SeekToLast() override {
    for (auto& child : children_) child->SeekToLast();
    Rebuild(kReverse);
  }

  void Seek(std::string_view target) override {
    for (auto& child : children_) child->Seek(target);
    Rebuild(kForward);
  }

  void SeekForPrev(std::string_view target) override {
    for (auto& child : children_) child->SeekForPrev(target);
    Rebuild(kReverse);
  }

  void Next() override {
    if (direction_ != kForward) {
      // Every other child must move to the first entry after key().
      Iterator* current = Top();
      const std::string k(current->key());
      for (auto& child : children_) {
        if (child.get() == current) continue;
        child->Seek(k);
        if (child->Valid() && comparator_->Compare(k, child->key()) == 0) child->Next();
      }
      current->Next();
      Rebuild(kForward);
      return;
    }
    Top()->Next();
    AfterTopMoved();
  }

  void Prev() override {
    if (direction_ != kReverse) {
      // Every other child must move to the last entry before key().
      Iterator* current = Top();
      const std::string k(current->key());
      for (auto& child : children_) {
        if (child.get() == current) continue;
        child->SeekForPrev(k);
        if (child->Valid() && comparator_->Compare(k, child->key()) == 0) child->Prev();
      }
      current->Prev();
      Rebuild(kReverse);
      return;
    }
    Top()->Prev();
    AfterTopMoved();
  }

  std::string_view key() const override { return Top()->key(); }
  std::string_view value() const override { return Top()->value(); }

  absl::Status status() const override {
    for (const auto& child : children_) {
      absl::Status s = child->status();
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  enum Direction { kForward, kReverse };

  Iterator* Top() const { return children_[heap_.front()].get(); }

  // True when child a should come out before child b in the current direction.
  bool Before(size_t a, size_t b) const {
    const int c = comparator_->Compare(children_[a]->key(), children_[b]->key());
    if (direction_ == kForward) return c < 0 || (c == 0 && a < b);
    return c > 0 || (c == 0 && a > b);
  }

  void Rebuild(Direction direction) {
    direction_ = direction;
    heap_.clear();
    for (size_t i = 0; i < children_.size(); ++i) {
      if (children_[i]->Valid()) heap_.push_back(i);
    }
    for (size_t i = heap_.size() / 2; i-- > 0;) SiftDown(i);
  }

  void AfterTopMoved() {
    if (!Top()->Valid()) {
      heap_.front() = heap_.back();
      heap_.pop_back();
      if (heap_.empty()) return;
    }
    SiftDown(0);
  }

  void SiftDown(size_t i) {
    const size_t n = heap_.size();
    while (true) {
      size_t best = i;
      const size_t left = 2 * i + 1;
      if (left < n && Before(heap_[left], heap_[best])) best = left;
      if (left + 1 < n && Before(heap_[left + 1], heap_[best])) best = left + 1;
      if (best == i) return;
      std::swap(heap_[i], heap_[best]);
      i = best;
    }
  }

  const InternalKeyComparator* const comparator_;
  std::vector<std::unique_ptr<Iterator>> children_;
  std::vector<size_t> heap_;  // Indexes of the valid children.
  Direction direction_ = kForward;
};

}  // namespace

std::unique_ptr<Iterator> NewMergingIterator(const InternalKeyComparator* comparator,
                                             std::vector<std::unique_ptr<Iterator>> children) {
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<MergingIterator>(comparator, std::move(children));
}

}  // namespace kvlsm
