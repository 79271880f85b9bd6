#include "table/block.h"

#include <cassert>
#include <limits>
#include <utility>

#include "absl/strings/str_format.h"
#include "util/coding.h"

namespace kvlsm {
namespace {

// Decodes an entry header at p: the three varints, then checks that the key suffix and
// the value fit before limit. Returns the start of the key suffix, or nullptr when the
// entry is malformed.
inline const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared,
                               uint32_t* unshared, uint32_t* value_length) {
  if (limit - p < 3) return nullptr;
  *shared = static_cast<uint8_t>(p[0]);
  *unshared = static_cast<uint8_t>(p[1]);
  *value_length = static_cast<uint8_t>(p[2]);
  if ((*shared | *unshared | *value_length) < 128) {
    p += 3;  // The common case: each varint is one byte.
  } else {
    if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, unshared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, value_length)) == nullptr) return nullptr;
  }
  if (static_cast<uint64_t>(limit - p) < uint64_t{*unshared} + *value_length) return nullptr;
  return p;
}

}  // namespace

Block::Block(BlockContents contents) : contents_(std::move(contents)) {
  const size_t size = contents_.data.size();
  if (size < sizeof(uint32_t) || size > std::numeric_limits<uint32_t>::max()) {
    malformed_ = true;
    return;
  }
  const uint32_t num_restarts = DecodeFixed32(contents_.data.data() + size - sizeof(uint32_t));
  const size_t max_restarts = (size - sizeof(uint32_t)) / sizeof(uint32_t);
  if (num_restarts == 0 || num_restarts > max_restarts) {
    malformed_ = true;
    return;
  }
  num_restarts_ = num_restarts;
  restart_offset_ = static_cast<uint32_t>(size - (1 + size_t{num_restarts}) * sizeof(uint32_t));
}

std::unique_ptr<Iterator> Block::NewIterator(const InternalKeyComparator* comparator) const {
  auto iter = std::make_unique<BlockIter>();
  iter->Init(this, comparator->user_comparator(), /*internal_keys=*/true);
  return iter;
}

std::unique_ptr<Iterator> Block::NewIterator(const Comparator* comparator) const {
  auto iter = std::make_unique<BlockIter>();
  iter->Init(this, comparator, /*internal_keys=*/false);
  return iter;
}

void Block::InitIterator(const InternalKeyComparator* comparator, BlockIter* iter) const {
  iter->Init(this, comparator->user_comparator(), /*internal_keys=*/true);
}

void BlockIter::Init(const Block* block, const Comparator* user_comparator, bool internal_keys) {
  data_ = block->contents_.data.data();
  restart_offset_ = block->restart_offset_;
  num_restarts_ = block->num_restarts_;
  user_comparator_ = user_comparator;
  bytewise_ = user_comparator == BytewiseComparator();
  internal_keys_ = internal_keys;
  current_ = restart_offset_;
  restart_index_ = num_restarts_;
  key_.clear();
  value_ = std::string_view(data_, 0);
  status_ = absl::OkStatus();
  if (block->malformed_) {
    status_ = absl::DataLossError(
        absl::StrFormat("malformed block: %d bytes cannot hold its restart array", block->size()));
  }
}

int BlockIter::Compare(std::string_view a, std::string_view b) const {
  if (!internal_keys_) return user_comparator_->Compare(a, b);
  // Both are at least 8 bytes: block keys are checked when decoded, targets on entry.
  const std::string_view ua = a.substr(0, a.size() - 8);
  const std::string_view ub = b.substr(0, b.size() - 8);
  // The default order inline: this runs a few dozen times per lookup.
  const int r = bytewise_ ? ua.compare(ub) : user_comparator_->Compare(ua, ub);
  if (r != 0) return r;
  const uint64_t ta = DecodeFixed64(a.data() + a.size() - 8);
  const uint64_t tb = DecodeFixed64(b.data() + b.size() - 8);
  return ta > tb ? -1 : (ta < tb ? 1 : 0);
}

uint32_t BlockIter::RestartPoint(uint32_t index) const {
  assert(index < num_restarts_);
  return DecodeFixed32(data_ + restart_offset_ + size_t{index} * sizeof(uint32_t));
}

void BlockIter::MarkDamaged(std::string_view what) {
  if (status_.ok()) {
    status_ = absl::DataLossError(
        absl::StrFormat("malformed block: %s near block offset %d", what, current_));
  }
  current_ = restart_offset_;
  restart_index_ = num_restarts_;
  key_.clear();
  value_ = std::string_view(data_, 0);
}

void BlockIter::SeekToRestartPoint(uint32_t index) {
  key_.clear();
  restart_index_ = index;
  const uint32_t offset = RestartPoint(index);
  if (offset > restart_offset_) {
    MarkDamaged(absl::StrFormat("restart point %d names offset %d", index, offset));
    return;
  }
  // ParseNextEntry starts where the (empty) current value ends.
  value_ = std::string_view(data_ + offset, 0);
}

bool BlockIter::ParseNextEntry() {
  current_ = NextEntryOffset();
  if (current_ >= restart_offset_) {
    current_ = restart_offset_;
    restart_index_ = num_restarts_;
    return false;
  }
  const char* p = data_ + current_;
  const char* const limit = data_ + restart_offset_;
  uint32_t shared, unshared, value_length;
  p = DecodeEntry(p, limit, &shared, &unshared, &value_length);
  if (p == nullptr) {
    MarkDamaged("an entry runs past the end of the entries");
    return false;
  }
  if (shared > key_.size()) {
    MarkDamaged("an entry shares more bytes than the previous key has");
    return false;
  }
  if (internal_keys_ && size_t{shared} + unshared < 8) {
    MarkDamaged("a key is shorter than an internal key's 8-byte trailer");
    return false;
  }
  key_.resize(shared);
  key_.append(p, unshared);
  value_ = std::string_view(p + unshared, value_length);
  while (restart_index_ + 1 < num_restarts_ && RestartPoint(restart_index_ + 1) <= current_) {
    ++restart_index_;
  }
  return true;
}

bool BlockIter::RestartKey(uint32_t index, std::string_view* key) {
  const uint32_t offset = RestartPoint(index);
  if (offset >= restart_offset_) {
    MarkDamaged(absl::StrFormat("restart point %d names offset %d", index, offset));
    return false;
  }
  uint32_t shared, unshared, value_length;
  const char* p =
      DecodeEntry(data_ + offset, data_ + restart_offset_, &shared, &unshared, &value_length);
  if (p == nullptr || shared != 0 || (internal_keys_ && unshared < 8)) {
    MarkDamaged(absl::StrFormat("bad entry at restart point %d", index));
    return false;
  }
  *key = std::string_view(p, unshared);
  return true;
}

void BlockIter::SeekToFirst() {
  if (!status_.ok() || num_restarts_ == 0) return;
  SeekToRestartPoint(0);
  if (status_.ok()) ParseNextEntry();
}

void BlockIter::SeekToLast() {
  if (!status_.ok() || num_restarts_ == 0) return;
  SeekToRestartPoint(num_restarts_ - 1);
  if (!status_.ok()) return;
  while (ParseNextEntry() && NextEntryOffset() < restart_offset_) {
  }
}

void BlockIter::Seek(std::string_view target) {
  if (!status_.ok() || num_restarts_ == 0) return;
  if (internal_keys_ && target.size() < 8) {
    status_ = absl::InvalidArgumentError("seek target is shorter than an internal key");
    current_ = restart_offset_;
    return;
  }
  // Binary search for the last restart point whose key is < target.
  uint32_t left = 0;
  uint32_t right = num_restarts_ - 1;
  while (left < right) {
    const uint32_t mid = left + (right - left + 1) / 2;
    std::string_view mid_key;
    if (!RestartKey(mid, &mid_key)) return;
    if (Compare(mid_key, target) < 0) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  SeekToRestartPoint(left);
  if (!status_.ok()) return;
  while (ParseNextEntry()) {
    if (Compare(key_, target) >= 0) return;
  }
}

void BlockIter::SeekForPrev(std::string_view target) {
  Seek(target);
  if (!status_.ok()) return;
  if (!Valid()) {
    SeekToLast();
  } else if (Compare(key_, target) > 0) {
    Prev();
  }
}

void BlockIter::Next() {
  assert(Valid());
  ParseNextEntry();
}

void BlockIter::Prev() {
  assert(Valid());
  const uint32_t original = current_;
  // Back up to the last restart point before the current entry.
  while (RestartPoint(restart_index_) >= original) {
    if (restart_index_ == 0) {  // The current entry is the first.
      current_ = restart_offset_;
      restart_index_ = num_restarts_;
      return;
    }
    --restart_index_;
  }
  SeekToRestartPoint(restart_index_);
  if (!status_.ok()) return;
  // Decode forward to the entry just before the original one.
  while (ParseNextEntry() && NextEntryOffset() < original) {
  }
}

}  // namespace kvlsm
