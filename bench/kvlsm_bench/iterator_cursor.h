// A Cursor over an engine's own iterator type. kvlsm, RocksDB and LevelDB iterators have
// the same shape and differ only in their slice and status types, which `Traits`
// converts:
//
//   struct Traits {
//     static <engine slice> ToSlice(std::string_view);
//     static std::string_view ToView(<engine slice>);
//     static absl::Status ToStatus(const <engine status>&);
//   };
#ifndef KVLSM_BENCH_KVLSM_BENCH_ITERATOR_CURSOR_H_
#define KVLSM_BENCH_KVLSM_BENCH_ITERATOR_CURSOR_H_

#include <memory>
#include <string_view>
#include <utility>

#include "engine.h"

namespace kvlsm::bench {

template <typename Iter, typename Traits>
class IteratorCursor final : public Cursor {
 public:
  explicit IteratorCursor(std::unique_ptr<Iter> iter) : iter_(std::move(iter)) {}

  void SeekToFirst() override { iter_->SeekToFirst(); }
  void SeekToLast() override { iter_->SeekToLast(); }
  void Seek(std::string_view target) override { iter_->Seek(Traits::ToSlice(target)); }
  void Next() override { iter_->Next(); }
  void Prev() override { iter_->Prev(); }
  bool Valid() const override { return iter_->Valid(); }
  std::string_view key() const override { return Traits::ToView(iter_->key()); }
  std::string_view value() const override { return Traits::ToView(iter_->value()); }
  absl::Status status() const override { return Traits::ToStatus(iter_->status()); }

 private:
  std::unique_ptr<Iter> iter_;
};

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_ITERATOR_CURSOR_H_
