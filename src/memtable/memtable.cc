// Entry grammar (see memtable.h):
//   entry := varint32(internal_key.size()) internal_key varint32(value.size()) value
//   internal_key := user_key fixed64(sequence << 8 | type)
#include "memtable/memtable.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <string>

#include "base/get_context.h"
#include "util/coding.h"

namespace kvlsm {
namespace {

// Decodes the length-prefixed string at p. Entries are written by Add, so they are valid.
inline std::string_view DecodeLengthPrefixed(const char* p) {
  uint32_t length;
  if (static_cast<uint8_t>(*p) < 128) {
    length = static_cast<uint8_t>(*p);
    ++p;
  } else {
    p = GetVarint32Ptr(p, p + 5, &length);
  }
  return std::string_view(p, length);
}

// Appends to *dst an entry holding only the internal key, for use as a search key.
void EncodeSearchKey(std::string* dst, std::string_view internal_key) {
  dst->clear();
  PutVarint32(dst, static_cast<uint32_t>(internal_key.size()));
  dst->append(internal_key.data(), internal_key.size());
}

}  // namespace

int MemTable::EntryComparator::operator()(const char* a, const char* b) const {
  return comparator.Compare(DecodeLengthPrefixed(a), DecodeLengthPrefixed(b));
}

MemTable::MemTable(const InternalKeyComparator& comparator)
    : comparator_{comparator}, table_(comparator_, &arena_) {}

MemTable::~MemTable() = default;

void MemTable::Add(SequenceNumber seq, ValueType type, std::string_view user_key,
                   std::string_view value) {
  assert(seq <= kMaxSequenceNumber);
  const size_t internal_key_size = user_key.size() + 8;
  const size_t encoded_size = VarintLength(internal_key_size) + internal_key_size +
                              VarintLength(value.size()) + value.size();
  // One allocation: the skiplist node, then the entry (see SkipList::Allocate).
  const Table::Allocation allocation = table_.Allocate(encoded_size);
  char* const entry = allocation.extra();
  char* p = EncodeVarint32(entry, static_cast<uint32_t>(internal_key_size));
  // (An empty string_view may have a null data(), which memcpy must not be given.)
  if (!user_key.empty()) std::memcpy(p, user_key.data(), user_key.size());
  p += user_key.size();
  EncodeFixed64(p, PackSequenceAndType(seq, type));
  p += 8;
  p = EncodeVarint32(p, static_cast<uint32_t>(value.size()));
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  assert(p + value.size() == entry + encoded_size);
  table_.Insert(allocation, entry);
  num_entries_.store(num_entries_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (type == ValueType::kDelete) {
    num_deletes_.store(num_deletes_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
}

bool MemTable::Get(std::string_view user_key, SequenceNumber snapshot, GetContext* ctx) const {
  if (ctx->done()) return true;
  // The search key, encoded as an entry: on the stack unless the key is long.
  const size_t internal_key_size = user_key.size() + 8;
  char stack_buffer[128];
  std::unique_ptr<char[]> heap_buffer;
  char* search = stack_buffer;
  if (internal_key_size + 5 > sizeof(stack_buffer)) {
    heap_buffer.reset(new char[internal_key_size + 5]);
    search = heap_buffer.get();
  }
  char* p = EncodeVarint32(search, static_cast<uint32_t>(internal_key_size));
  if (!user_key.empty()) std::memcpy(p, user_key.data(), user_key.size());
  EncodeFixed64(p + user_key.size(),
                PackSequenceAndType(std::min(snapshot, kMaxSequenceNumber), kTypeForSeek));

  Table::Iterator iter(&table_);
  const Comparator* user_comparator = comparator_.comparator.user_comparator();
  for (iter.Seek(search); iter.Valid(); iter.Next()) {
    const char* entry = iter.key();
    const std::string_view internal_key = DecodeLengthPrefixed(entry);
    if (user_comparator->Compare(ExtractUserKey(internal_key), user_key) != 0) break;
    const auto type = static_cast<ValueType>(ExtractTrailer(internal_key) & 0xff);
    const std::string_view value = DecodeLengthPrefixed(internal_key.data() + internal_key.size());
    if (!ctx->SaveValue(type, value)) return true;
  }
  return ctx->done();
}

// Iterates over the skiplist, decoding entries.
class MemTable::MemTableIterator final : public Iterator {
 public:
  explicit MemTableIterator(const Table* table) : iter_(table) {}

  bool Valid() const override { return iter_.Valid(); }
  void SeekToFirst() override { iter_.SeekToFirst(); }
  void SeekToLast() override { iter_.SeekToLast(); }
  void Seek(std::string_view target) override {
    assert(target.size() >= 8);
    EncodeSearchKey(&search_, target);
    iter_.Seek(search_.data());
  }
  void SeekForPrev(std::string_view target) override {
    assert(target.size() >= 8);
    EncodeSearchKey(&search_, target);
    iter_.SeekForPrev(search_.data());
  }
  void Next() override { iter_.Next(); }
  void Prev() override { iter_.Prev(); }
  std::string_view key() const override { return DecodeLengthPrefixed(iter_.key()); }
  std::string_view value() const override {
    const std::string_view internal_key = DecodeLengthPrefixed(iter_.key());
    return DecodeLengthPrefixed(internal_key.data() + internal_key.size());
  }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  Table::Iterator iter_;
  std::string search_;  // Seek target, encoded as an entry.
};

std::unique_ptr<Iterator> MemTable::NewIterator() const {
  return std::make_unique<MemTableIterator>(&table_);
}

}  // namespace kvlsm
