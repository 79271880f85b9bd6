// Arena: a bump allocator for objects that all die together (a memtable's entries and
// skiplist nodes).
//
// Memory comes in blocks of block_size bytes; an allocation larger than a quarter of a
// block gets a block of its own so that the unused tail of the current block is not wasted.
// Nothing is freed until the Arena is destroyed.
//
// Thread safety: Allocate/AllocateAligned require external synchronization (one allocating
// thread at a time). MemoryUsage() may be called from any thread concurrently with them.
// Memory handed out may be read by any thread once published to it (e.g. by a release
// store, as the skiplist does).
#ifndef KVLSM_MEMTABLE_ARENA_H_
#define KVLSM_MEMTABLE_ARENA_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace kvlsm {

class Arena {
 public:
  static constexpr size_t kDefaultBlockSize = 4096;

  // REQUIRES: block_size >= 256.
  explicit Arena(size_t block_size = kDefaultBlockSize);
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  // Returns `bytes` bytes with no particular alignment, owned by the arena.
  // REQUIRES: bytes > 0.
  char* Allocate(size_t bytes) {
    if (bytes <= remaining_) {
      char* result = ptr_;
      ptr_ += bytes;
      remaining_ -= bytes;
      return result;
    }
    return AllocateFallback(bytes, 1);
  }

  // Returns `bytes` bytes aligned to `alignment`, owned by the arena.
  // REQUIRES: bytes > 0; alignment is a power of two no larger than
  // alignof(std::max_align_t).
  char* AllocateAligned(size_t bytes, size_t alignment = alignof(std::max_align_t));

  // Bytes of memory the arena holds (blocks plus bookkeeping). Safe to call concurrently
  // with allocation; the value may lag the latest allocation.
  size_t MemoryUsage() const { return memory_usage_.load(std::memory_order_relaxed); }

 private:
  char* AllocateFallback(size_t bytes, size_t alignment);
  // Allocates a block of `bytes` bytes, accounts for it and returns it.
  char* NewBlock(size_t bytes);

  // Constant after construction.
  const size_t block_size_;

  // Guarded by the external synchronization of allocation.
  char* ptr_ = nullptr;   // Next free byte of the current block.
  size_t remaining_ = 0;  // Free bytes from ptr_ to the end of the current block.
  std::vector<std::unique_ptr<char[]>> blocks_;

  std::atomic<size_t> memory_usage_{0};
};

}  // namespace kvlsm

#endif  // KVLSM_MEMTABLE_ARENA_H_
