#include "manifest/level_iterator.h"

#include <algorithm>

#include "cache/table_cache.h"

namespace kvlsm {
namespace {

class LevelIterator final : public Iterator {
 public:
  LevelIterator(const ReadOptions& options, const InternalKeyComparator* comparator,
                TableCache* table_cache, const FileList* files)
      : options_(options), comparator_(comparator), table_cache_(table_cache), files_(*files) {}

  bool Valid() const override { return table_ != nullptr && table_->Valid(); }

  void SeekToFirst() override {
    OpenTable(0);
    if (table_ != nullptr) table_->SeekToFirst();
    SkipEmptyForward();
  }

  void SeekToLast() override {
    OpenTable(files_.size() - 1);
    if (table_ != nullptr) table_->SeekToLast();
    SkipEmptyBackward();
  }

  void Seek(std::string_view target) override {
    // The first table whose largest key is >= target.
    auto it = std::lower_bound(files_.begin(), files_.end(), target,
                               [this](const auto& file, std::string_view t) {
                                 return comparator_->Compare(file->largest, t) < 0;
                               });
    OpenTable(static_cast<size_t>(it - files_.begin()));
    if (table_ != nullptr) table_->Seek(target);
    SkipEmptyForward();
  }

  void SeekForPrev(std::string_view target) override {
    // The last table whose smallest key is <= target.
    auto it = std::upper_bound(files_.begin(), files_.end(), target,
                               [this](std::string_view t, const auto& file) {
                                 return comparator_->Compare(t, file->smallest) < 0;
                               });
    if (it == files_.begin()) {
      Close();
      return;
    }
    OpenTable(static_cast<size_t>(it - files_.begin()) - 1);
    if (table_ != nullptr) table_->SeekForPrev(target);
    SkipEmptyBackward();
  }

  void Next() override {
    table_->Next();
    SkipEmptyForward();
  }

  void Prev() override {
    table_->Prev();
    SkipEmptyBackward();
  }

  std::string_view key() const override { return table_->key(); }
  std::string_view value() const override { return table_->value(); }

  absl::Status status() const override {
    if (!status_.ok()) return status_;
    return table_ != nullptr ? table_->status() : absl::OkStatus();
  }

 private:
  void Close() {
    table_.reset();
    index_ = files_.size();
  }

  // Opens the table at index i (closing the current one); past the end closes.
  void OpenTable(size_t i) {
    if (i >= files_.size()) {
      Close();
      return;
    }
    if (table_ != nullptr && index_ == i) return;
    // Remember an error of the table being left before it goes.
    if (table_ != nullptr && status_.ok()) status_ = table_->status();
    index_ = i;
    table_ = table_cache_->NewIterator(options_, *files_[i]);
  }

  // Moves to the next table while the current one is exhausted (and without error).
  void SkipEmptyForward() {
    while (table_ != nullptr && !table_->Valid()) {
      if (!table_->status().ok()) return;
      if (index_ + 1 >= files_.size()) {
        Close();
        return;
      }
      OpenTable(index_ + 1);
      table_->SeekToFirst();
    }
  }

  void SkipEmptyBackward() {
    while (table_ != nullptr && !table_->Valid()) {
      if (!table_->status().ok()) return;
      if (index_ == 0) {
        Close();
        return;
      }
      OpenTable(index_ - 1);
      table_->SeekToLast();
    }
  }

  const ReadOptions options_;
  const InternalKeyComparator* const comparator_;
  TableCache* const table_cache_;
  const FileList& files_;
  std::unique_ptr<Iterator> table_;  // Over files_[index_], or null.
  size_t index_ = 0;
  absl::Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewLevelIterator(const ReadOptions& options,
                                           const InternalKeyComparator* comparator,
                                           TableCache* table_cache, const FileList* files) {
  return std::make_unique<LevelIterator>(options, comparator, table_cache, files);
}

}  // namespace kvlsm
