#include "memtable/arena.h"

#include <cassert>
#include <cstdint>

namespace kvlsm {

Arena::Arena(size_t block_size) : block_size_(block_size) { assert(block_size >= 256); }

Arena::~Arena() = default;

char* Arena::AllocateAligned(size_t bytes, size_t alignment) {
  assert(alignment > 0 && (alignment & (alignment - 1)) == 0);
  assert(alignment <= alignof(std::max_align_t));
  const size_t misalignment = reinterpret_cast<uintptr_t>(ptr_) & (alignment - 1);
  const size_t padding = misalignment == 0 ? 0 : alignment - misalignment;
  if (bytes + padding <= remaining_) {
    char* result = ptr_ + padding;
    ptr_ += bytes + padding;
    remaining_ -= bytes + padding;
    return result;
  }
  return AllocateFallback(bytes, alignment);
}

char* Arena::AllocateFallback(size_t bytes, size_t alignment) {
  // New blocks come from operator new[] and so are aligned to alignof(std::max_align_t).
  if (bytes > block_size_ / 4) {
    // A large object gets its own block; the current block keeps serving small ones.
    return NewBlock(bytes);
  }
  // The rest of the current block (less than a quarter of a block) is abandoned.
  ptr_ = NewBlock(block_size_);
  remaining_ = block_size_;
  char* result = ptr_;
  ptr_ += bytes;
  remaining_ -= bytes;
  return result;
}

char* Arena::NewBlock(size_t bytes) {
  blocks_.emplace_back(new char[bytes]);
  memory_usage_.fetch_add(bytes + sizeof(std::unique_ptr<char[]>), std::memory_order_relaxed);
  return blocks_.back().get();
}

}  // namespace kvlsm
