#include "kvlsm/comparator.h"

#include <algorithm>

namespace kvlsm {

void Comparator::FindShortestSeparator(std::string* start, std::string_view limit) const {}
void Comparator::FindShortSuccessor(std::string* key) const {}

namespace {

class BytewiseComparatorImpl final : public Comparator {
 public:
  int Compare(std::string_view a, std::string_view b) const override { return a.compare(b); }
  const char* Name() const override { return "kvlsm.BytewiseComparator"; }

  void FindShortestSeparator(std::string* start, std::string_view limit) const override {
    const size_t min_length = std::min(start->size(), limit.size());
    size_t diff = 0;
    while (diff < min_length && (*start)[diff] == limit[diff]) ++diff;
    if (diff >= min_length) return;  // One is a prefix of the other.
    const auto byte = static_cast<uint8_t>((*start)[diff]);
    if (byte < 0xff && byte + 1 < static_cast<uint8_t>(limit[diff])) {
      (*start)[diff] = static_cast<char>(byte + 1);
      start->resize(diff + 1);
    }
  }

  void FindShortSuccessor(std::string* key) const override {
    for (size_t i = 0; i < key->size(); ++i) {
      const auto byte = static_cast<uint8_t>((*key)[i]);
      if (byte != 0xff) {
        (*key)[i] = static_cast<char>(byte + 1);
        key->resize(i + 1);
        return;
      }
    }
    // All 0xff: leave it unchanged.
  }
};

}  // namespace

const Comparator* BytewiseComparator() {
  static const BytewiseComparatorImpl* const instance = new BytewiseComparatorImpl();
  return instance;
}

}  // namespace kvlsm
