// Sharding parameters of NewLRUCache (include/kvlsm/cache.h), exposed for its tests.
//
// A key's shard is the top shard_bits bits of Hash64(key); each shard has capacity
// capacity_bytes >> shard_bits (rounded down, so the shards together never hold more than
// capacity_bytes in unpinned entries) and its own lock, hash table and LRU list.
#ifndef KVLSM_CACHE_LRU_CACHE_H_
#define KVLSM_CACHE_LRU_CACHE_H_

#include <cstddef>

namespace kvlsm {

// Limits of the automatic choice (shard_bits < 0): at most 64 shards, each at least
// 512 KiB, and at least one shard.
inline constexpr int kLRUCacheMaxDefaultShardBits = 6;
inline constexpr size_t kLRUCacheMinShardBytes = size_t{512} << 10;
// An explicit shard_bits above this is clamped to it (65536 shards).
inline constexpr int kLRUCacheMaxShardBits = 16;

// The shard_bits NewLRUCache uses for `shard_bits` and `capacity_bytes`.
int LRUCacheShardBits(size_t capacity_bytes, int shard_bits);

}  // namespace kvlsm

#endif  // KVLSM_CACHE_LRU_CACHE_H_
