#include "db/db_iter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/get_context.h"

namespace kvlsm {
namespace {

class DBIter final : public Iterator {
 public:
  DBIter(DBIterOptions options, std::unique_ptr<Iterator> internal)
      : options_(std::move(options)), ucmp_(options_.user_comparator), iter_(std::move(internal)) {}

  ~DBIter() override {
    iter_.reset();
    if (options_.on_destroy) options_.on_destroy();
  }

  bool Valid() const override { return valid_; }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  absl::Status status() const override { return status_.ok() ? iter_->status() : status_; }

  void SeekToFirst() override {
    if (options_.lower_bound) {
      Seek(*options_.lower_bound);
      return;
    }
    Reset(kForward);
    iter_->SeekToFirst();
    FindNextUserEntry(/*skipping=*/false);
  }

  void SeekToLast() override {
    Reset(kReverse);
    if (options_.upper_bound) {
      SeekInternalForPrevBefore(*options_.upper_bound);
    } else {
      iter_->SeekToLast();
    }
    FindPrevUserEntry();
  }

  void Seek(std::string_view target) override {
    Reset(kForward);
    if (options_.lower_bound && ucmp_->Compare(target, *options_.lower_bound) < 0) {
      target = *options_.lower_bound;
    }
    scratch_.clear();
    AppendInternalKey(&scratch_, target, options_.sequence, kTypeForSeek);
    iter_->Seek(scratch_);
    FindNextUserEntry(/*skipping=*/false);
  }

  void SeekForPrev(std::string_view target) override {
    if (options_.upper_bound && ucmp_->Compare(target, *options_.upper_bound) >= 0) {
      SeekToLast();
      return;
    }
    Reset(kReverse);
    // The largest internal key for target: every entry of target sorts at or before it.
    scratch_.clear();
    AppendInternalKey(&scratch_, target, 0, ValueType::kDelete);
    iter_->SeekForPrev(scratch_);
    FindPrevUserEntry();
  }

  void Next() override {
    if (direction_ == kReverse) {
      // iter_ is before every entry of the current key: step onto them, then past them.
      direction_ = kForward;
      scratch_.clear();
      AppendInternalKey(&scratch_, saved_key_, kMaxSequenceNumber, kTypeForSeek);
      iter_->Seek(scratch_);
    } else if (!iter_past_current_) {
      saved_key_.assign(key_.data(), key_.size());
      iter_->Next();
    }
    FindNextUserEntry(/*skipping=*/true);
  }

  void Prev() override {
    if (direction_ == kForward) {
      // Move iter_ to the last entry before every entry of the current key.
      direction_ = kReverse;
      saved_key_.assign(key_.data(), key_.size());
      SeekInternalForPrevBefore(saved_key_);
    }
    FindPrevUserEntry();
  }

 private:
  enum Direction { kForward, kReverse };
  struct Entry {
    ValueType type;
    std::string value;
  };

  void Reset(Direction direction) {
    direction_ = direction;
    valid_ = false;
    status_ = absl::OkStatus();
    iter_past_current_ = false;
  }

  // Positions iter_ at the last internal entry whose user key is < user_key.
  void SeekInternalForPrevBefore(std::string_view user_key) {
    scratch_.clear();
    AppendInternalKey(&scratch_, user_key, kMaxSequenceNumber, kTypeForSeek);
    iter_->SeekForPrev(scratch_);
    // (user_key, kMaxSequenceNumber, kTypeForSeek) is smaller than any real entry of
    // user_key, so the result can only be one of user_key's entries if a sequence number
    // reached the maximum, which the write path never assigns.
  }

  bool Parse(ParsedInternalKey* ikey) {
    if (ParseInternalKey(iter_->key(), ikey)) return true;
    status_ = absl::DataLossError(
        absl::StrCat("corrupted internal key of ", iter_->key().size(), " bytes in iterator"));
    valid_ = false;
    return false;
  }

  // Forward: positions at the first visible, live user key at or after iter_, skipping
  // every entry whose user key is <= saved_key_ when `skipping`.
  void FindNextUserEntry(bool skipping) {
    valid_ = false;
    iter_past_current_ = false;
    ParsedInternalKey ikey;
    while (iter_->Valid()) {
      if (!Parse(&ikey)) return;
      if (options_.upper_bound && ucmp_->Compare(ikey.user_key, *options_.upper_bound) >= 0) {
        return;
      }
      if (ikey.sequence > options_.sequence ||
          (skipping && ucmp_->Compare(ikey.user_key, saved_key_) <= 0)) {
        iter_->Next();
        continue;
      }
      switch (ikey.type) {
        case ValueType::kDelete:
          saved_key_.assign(ikey.user_key.data(), ikey.user_key.size());
          skipping = true;
          iter_->Next();
          continue;
        case ValueType::kPut:
          key_ = ikey.user_key;
          value_ = iter_->value();
          valid_ = true;
          return;
        case ValueType::kMerge:
          MergeForward(ikey.user_key);
          return;
      }
    }
  }

  // iter_ is at the newest visible entry of user_key, a Merge: folds it with every older
  // entry of the key up to a Put or Delete, leaving iter_ past what it read.
  void MergeForward(std::string_view user_key) {
    saved_key_.assign(user_key.data(), user_key.size());
    GetContext ctx(options_.merge_operator, saved_key_, &saved_value_);
    ParsedInternalKey ikey;
    while (iter_->Valid()) {
      if (!Parse(&ikey)) return;
      if (ucmp_->Compare(ikey.user_key, saved_key_) != 0) break;
      const bool more = ctx.SaveValue(ikey.type, iter_->value());
      iter_->Next();
      if (!more) break;
    }
    Finish(&ctx, /*forward=*/true);
  }

  // Sets the position from a decided lookup. Returns true when the key is live.
  bool Finish(GetContext* ctx, bool forward) {
    absl::Status s = ctx->Finish();
    if (s.ok()) {
      key_ = saved_key_;
      value_ = saved_value_;
      valid_ = true;
      iter_past_current_ = forward;
      return true;
    }
    if (!absl::IsNotFound(s)) {
      status_ = s;
      valid_ = false;
    }
    return false;
  }

  // Reverse: positions at the last visible, live user key at or before iter_. Leaves
  // iter_ at the last entry before that key's entries.
  void FindPrevUserEntry() {
    valid_ = false;
    ParsedInternalKey ikey;
    while (status_.ok()) {
      // Gather the visible entries of the next user key going backwards, oldest first,
      // keeping only what decides its value: the newest Put/Delete and newer Merges.
      entries_.clear();
      while (iter_->Valid()) {
        if (!Parse(&ikey)) return;
        if (!entries_.empty() && ucmp_->Compare(ikey.user_key, saved_key_) != 0) break;
        if (options_.lower_bound && ucmp_->Compare(ikey.user_key, *options_.lower_bound) < 0) {
          break;
        }
        if (ikey.sequence <= options_.sequence) {
          if (entries_.empty()) saved_key_.assign(ikey.user_key.data(), ikey.user_key.size());
          if (ikey.type != ValueType::kMerge) entries_.clear();
          entries_.push_back(Entry{ikey.type, std::string(iter_->value())});
        }
        iter_->Prev();
      }
      if (entries_.empty()) return;  // Ran off the start or the lower bound.
      GetContext ctx(options_.merge_operator, saved_key_, &saved_value_);
      for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (!ctx.SaveValue(it->type, it->value)) break;
      }
      if (Finish(&ctx, /*forward=*/false)) return;
      // Deleted (or failed): try the previous key, unless an error stopped us.
    }
  }

  DBIterOptions options_;
  const Comparator* const ucmp_;
  std::unique_ptr<Iterator> iter_;
  Direction direction_ = kForward;
  bool valid_ = false;
  // Forward only: iter_ is already past the current key's entries (after a merge).
  bool iter_past_current_ = false;
  absl::Status status_;
  std::string_view key_;    // Into iter_ or saved_key_.
  std::string_view value_;  // Into iter_ or saved_value_.
  std::string saved_key_;
  std::string saved_value_;
  std::string scratch_;
  std::vector<Entry> entries_;
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(DBIterOptions options, std::unique_ptr<Iterator> internal) {
  return std::make_unique<DBIter>(std::move(options), std::move(internal));
}

}  // namespace kvlsm
