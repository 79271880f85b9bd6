#include "kvlsm/iterator.h"

namespace kvlsm {
namespace {

class EmptyIterator final : public Iterator {
 public:
  explicit EmptyIterator(const absl::Status& status) : status_(status) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void SeekForPrev(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  absl::Status status() const override { return status_; }

 private:
  const absl::Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewErrorIterator(const absl::Status& status) {
  return std::make_unique<EmptyIterator>(status);
}

}  // namespace kvlsm
