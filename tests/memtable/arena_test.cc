#include "memtable/arena.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "testutil/testutil.h"
#include "util/random.h"

namespace kvlsm {
namespace {

TEST(ArenaTest, EmptyArenaUsesNoMemory) {
  Arena arena;
  EXPECT_EQ(arena.MemoryUsage(), 0u);
}

TEST(ArenaTest, AllocationsAreDistinctAndKeepTheirContents) {
  const uint64_t seed = test::TestSeed(7);
  SCOPED_TRACE(test::SeedTrace(seed));
  Random rnd(seed);
  Arena arena;
  std::vector<std::pair<size_t, char*>> allocated;
  size_t bytes = 0;
  for (int i = 0; i < 20000; ++i) {
    size_t size = i % (i / 1000 + 1) == 0 ? rnd.Uniform(6000) + 1 : rnd.Uniform(20) + 1;
    char* p = rnd.OneIn(10) ? arena.AllocateAligned(size) : arena.Allocate(size);
    std::memset(p, i % 256, size);
    allocated.emplace_back(size, p);
    bytes += size;
    EXPECT_GE(arena.MemoryUsage(), bytes);
    // Waste is bounded: at most a quarter block abandoned per block, plus bookkeeping.
    EXPECT_LE(arena.MemoryUsage(), bytes * 1.4 + 2 * Arena::kDefaultBlockSize);
  }
  for (size_t i = 0; i < allocated.size(); ++i) {
    const auto& [size, p] = allocated[i];
    ASSERT_EQ(std::string_view(p, size), std::string(size, static_cast<char>(i % 256)))
        << "allocation " << i;
  }
}

TEST(ArenaTest, AlignedAllocationsAreAligned) {
  Arena arena;
  for (size_t alignment : {1, 2, 4, 8, 16}) {
    for (int i = 0; i < 100; ++i) {
      arena.Allocate(1 + i % 7);  // Misalign the bump pointer.
      char* p = arena.AllocateAligned(1 + i % 33, alignment);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u);
    }
  }
  // A fresh block, and a large allocation with its own block, are aligned too.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(arena.AllocateAligned(3000, 16)) % 16, 0u);
}

TEST(ArenaTest, LargeAllocationGetsItsOwnBlock) {
  Arena arena(4096);
  char* a = arena.Allocate(100);
  const size_t before = arena.MemoryUsage();
  char* big = arena.Allocate(10000);
  EXPECT_GE(arena.MemoryUsage(), before + 10000);
  EXPECT_LT(arena.MemoryUsage(), before + 10000 + 100);
  // The current block keeps serving small allocations.
  char* b = arena.Allocate(100);
  EXPECT_EQ(b, a + 100);
  EXPECT_TRUE(big + 10000 <= a || big >= a + 4096);
}

TEST(ArenaTest, SmallAllocationsShareBlocks) {
  Arena arena(4096);
  for (int i = 0; i < 40; ++i) arena.Allocate(100);
  EXPECT_LT(arena.MemoryUsage(), 4096 + 64);
  arena.Allocate(100);  // 41 * 100 > 4096: a second block.
  EXPECT_GE(arena.MemoryUsage(), 2 * 4096);
}

TEST(ArenaTest, MemoryUsageIsReadableConcurrently) {
  Arena arena;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    size_t last = 0;
    while (!done.load(std::memory_order_acquire)) {
      const size_t now = arena.MemoryUsage();
      EXPECT_GE(now, last);
      last = now;
    }
  });
  for (int i = 0; i < 100000; ++i) arena.Allocate(1 + i % 100);
  done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_GE(arena.MemoryUsage(), 100000u);
}

}  // namespace
}  // namespace kvlsm
