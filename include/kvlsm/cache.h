// kvlsm/cache.h: a byte-bounded cache of decoded blocks, shareable between DBs.
//
// Entries map a key to a value pointer with a "charge" (its size in bytes). When the sum
// of charges passes the capacity, the least recently used entries that nobody holds are
// evicted. An entry is pinned while a Handle to it is held: Release every Handle.
//
// Thread safety: every method is safe to call concurrently. The cache is split into
// shards, each with its own lock, so concurrent readers rarely contend.
#ifndef KVLSM_CACHE_H_
#define KVLSM_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "kvlsm/export.h"

namespace kvlsm {

class KVLSM_EXPORT Cache {
 public:
  // Opaque reference to an entry.
  struct Handle;
  // Called once when an entry leaves the cache and its last Handle is released, without
  // the cache's locks held. May be nullptr (nothing to free).
  using Deleter = void (*)(std::string_view key, void* value);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t inserts = 0;
    uint64_t evictions = 0;
  };

  virtual ~Cache() = default;

  // Inserts key -> value, replacing an existing entry for key (which is freed once
  // released), and returns a Handle to the new entry. The entry may be evicted at once
  // after Release if the cache is over capacity.
  virtual Handle* Insert(std::string_view key, void* value, size_t charge,
                         Deleter deleter) = 0;
  // A Handle to the entry for key, or nullptr.
  virtual Handle* Lookup(std::string_view key) = 0;
  // REQUIRES: handle came from this cache and was not released yet.
  virtual void Release(Handle* handle) = 0;
  // REQUIRES: handle is held.
  virtual void* Value(Handle* handle) = 0;
  // Drops the entry for key (freed once its Handles are released).
  virtual void Erase(std::string_view key) = 0;
  // A number unique within this cache, for clients sharing it to prefix their keys.
  virtual uint64_t NewId() = 0;

  virtual size_t GetCapacity() const = 0;
  // Sum of the charges of the entries held (pinned or not).
  virtual size_t GetUsage() const = 0;
  virtual Stats GetStats() const = 0;
};

// A sharded LRU cache of capacity_bytes. shard_bits < 0 picks a shard count from the
// capacity (at most 64 shards, each at least 512 KiB); larger than 16 acts as 16. Each
// shard holds capacity_bytes / shards. REQUIRES: every Handle is released before the
// last reference to the cache goes.
KVLSM_EXPORT std::shared_ptr<Cache> NewLRUCache(size_t capacity_bytes, int shard_bits = -1);

}  // namespace kvlsm

#endif  // KVLSM_CACHE_H_
