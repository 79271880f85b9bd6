// NewLRUCache: a sharded LRU cache (include/kvlsm/cache.h).
//
// Each entry carries a reference count: one reference per outstanding Handle, plus one
// held by the cache while the entry is in its shard's table ("in cache"). An entry is in
// exactly one of three states:
//   in cache, no Handles      refs == 1   on the shard's LRU list (evictable)
//   in cache, pinned          refs >= 2   on no list
//   out of cache, pinned      refs >= 1   on no list, not in the table (erased, replaced
//                                         or evicted while pinned; freed at last Release)
// and is freed (its Deleter called, exactly once) when refs reaches 0. Usage counts the
// charges of in-cache entries only. Deleters run after the shard lock is released, so a
// Deleter may call back into the cache.
#include "cache/lru_cache.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "kvlsm/cache.h"
#include "util/hash.h"
#include "util/mutex.h"

namespace kvlsm {

int LRUCacheShardBits(size_t capacity_bytes, int shard_bits) {
  if (shard_bits >= 0) return std::min(shard_bits, kLRUCacheMaxShardBits);
  int bits = 0;
  while (bits < kLRUCacheMaxDefaultShardBits &&
         (capacity_bytes >> (bits + 1)) >= kLRUCacheMinShardBytes) {
    ++bits;
  }
  return bits;
}

namespace {

// One cached entry, allocated together with its key (the key's bytes follow the struct).
// Every field except key, hash, value and deleter (constant after construction) is
// guarded by the owning shard's mu_.
struct LRUEntry {
  void* value;
  Cache::Deleter deleter;
  size_t charge;
  uint64_t hash;
  size_t key_size;
  LRUEntry* next_hash;  // chain in the shard's table; also links entries awaiting Free
  LRUEntry* prev;       // LRU list neighbours (older, newer), while evictable
  LRUEntry* next;
  uint32_t refs;
  bool in_cache;

  std::string_view key() const {
    return std::string_view(reinterpret_cast<const char*>(this + 1), key_size);
  }
};

LRUEntry* NewEntry(std::string_view key, uint64_t hash, void* value, size_t charge,
                   Cache::Deleter deleter) {
  void* memory = ::operator new(sizeof(LRUEntry) + key.size());
  auto* e = new (memory) LRUEntry{value,   deleter, charge,  hash,       key.size(),
                                  nullptr, nullptr, nullptr, /*refs=*/0, /*in_cache=*/false};
  if (!key.empty()) std::memcpy(e + 1, key.data(), key.size());
  return e;
}

// Frees a chain of entries linked through next_hash. Called without any lock held.
void FreeEntries(LRUEntry* chain) {
  while (chain != nullptr) {
    LRUEntry* next = chain->next_hash;
    if (chain->deleter != nullptr) chain->deleter(chain->key(), chain->value);
    chain->~LRUEntry();
    ::operator delete(chain);
    chain = next;
  }
}

// A chained hash table of entries keyed by (hash, key), with power-of-two buckets indexed
// by the hash's low bits (the shard is chosen by its high bits). Not thread-safe: the
// owning shard's mu_ guards it.
class EntryTable {
 public:
  EntryTable() : buckets_(kMinBuckets, nullptr) {}

  LRUEntry* Lookup(std::string_view key, uint64_t hash) { return *FindSlot(key, hash); }

  // Inserts e, returning the entry it replaces (same key) or nullptr.
  LRUEntry* Insert(LRUEntry* e) {
    LRUEntry** slot = FindSlot(e->key(), e->hash);
    LRUEntry* old = *slot;
    e->next_hash = old == nullptr ? nullptr : old->next_hash;
    *slot = e;
    if (old == nullptr && ++size_ > buckets_.size()) Grow();
    return old;
  }

  // Unlinks and returns the entry for key, or nullptr.
  LRUEntry* Remove(std::string_view key, uint64_t hash) {
    LRUEntry** slot = FindSlot(key, hash);
    LRUEntry* e = *slot;
    if (e != nullptr) {
      *slot = e->next_hash;
      --size_;
    }
    return e;
  }

  size_t size() const { return size_; }

 private:
  static constexpr size_t kMinBuckets = 16;

  LRUEntry** FindSlot(std::string_view key, uint64_t hash) {
    LRUEntry** slot = &buckets_[hash & (buckets_.size() - 1)];
    while (*slot != nullptr && ((*slot)->hash != hash || (*slot)->key() != key)) {
      slot = &(*slot)->next_hash;
    }
    return slot;
  }

  void Grow() {
    std::vector<LRUEntry*> buckets(buckets_.size() * 2, nullptr);
    for (LRUEntry* head : buckets_) {
      while (head != nullptr) {
        LRUEntry* next = head->next_hash;
        LRUEntry** slot = &buckets[head->hash & (buckets.size() - 1)];
        head->next_hash = *slot;
        *slot = head;
        head = next;
      }
    }
    buckets_.swap(buckets);
  }

  std::vector<LRUEntry*> buckets_;  // size is a power of two, at least kMinBuckets
  size_t size_ = 0;
};

// One shard: a lock, a table of the in-cache entries and the LRU list of the evictable
// ones. Aligned to a cache line so that neighbouring shards' locks do not share one.
class alignas(64) LRUShard {
 public:
  LRUShard() = default;
  LRUShard(const LRUShard&) = delete;
  LRUShard& operator=(const LRUShard&) = delete;

  // REQUIRES: no Handle is outstanding.
  ~LRUShard() {
    assert(table_.size() == LruLength() && "cache destroyed with unreleased Handles");
    LRUEntry* garbage = nullptr;
    while (lru_oldest_ != nullptr) {
      LRUEntry* e = lru_oldest_;
      LruRemove(e);
      e->next_hash = garbage;
      garbage = e;
    }
    FreeEntries(garbage);
  }

  // Called once, before the shard is shared.
  void SetCapacity(size_t capacity) {
    MutexLock lock(&mu_);
    capacity_ = capacity;
  }

  // Returns the new entry with one Handle reference.
  LRUEntry* Insert(std::string_view key, uint64_t hash, void* value, size_t charge,
                   Cache::Deleter deleter) {
    LRUEntry* e = NewEntry(key, hash, value, charge, deleter);
    e->refs = 2;  // the cache's and the caller's
    e->in_cache = true;
    LRUEntry* garbage = nullptr;
    {
      MutexLock lock(&mu_);
      ++inserts_;
      usage_ += charge;
      if (LRUEntry* old = table_.Insert(e)) Detach(old, &garbage);
      EvictToCapacity(&garbage);
    }
    FreeEntries(garbage);
    return e;
  }

  LRUEntry* Lookup(std::string_view key, uint64_t hash) {
    MutexLock lock(&mu_);
    LRUEntry* e = table_.Lookup(key, hash);
    if (e == nullptr) {
      ++misses_;
      return nullptr;
    }
    ++hits_;
    if (e->refs == 1) LruRemove(e);  // it was evictable; now it is pinned
    ++e->refs;
    return e;
  }

  void Release(LRUEntry* e) {
    LRUEntry* garbage = nullptr;
    {
      MutexLock lock(&mu_);
      assert(e->refs >= 1);
      Unref(e, &garbage);
      if (e->in_cache && e->refs == 1) {
        LruAppend(e);
        EvictToCapacity(&garbage);
      }
    }
    FreeEntries(garbage);
  }

  void Erase(std::string_view key, uint64_t hash) {
    LRUEntry* garbage = nullptr;
    {
      MutexLock lock(&mu_);
      if (LRUEntry* e = table_.Remove(key, hash)) Detach(e, &garbage);
    }
    FreeEntries(garbage);
  }

  size_t Usage() const {
    MutexLock lock(&mu_);
    return usage_;
  }

  void AddStats(Cache::Stats* stats) const {
    MutexLock lock(&mu_);
    stats->hits += hits_;
    stats->misses += misses_;
    stats->inserts += inserts_;
    stats->evictions += evictions_;
  }

 private:
  // Takes an entry that was just removed from table_ out of the cache: drops the cache's
  // reference and its charge, and unlinks it from the LRU list if it was evictable.
  void Detach(LRUEntry* e, LRUEntry** garbage) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    assert(e->in_cache);
    if (e->refs == 1) LruRemove(e);
    e->in_cache = false;
    usage_ -= e->charge;
    Unref(e, garbage);
  }

  // Drops one reference; an entry left with none goes on *garbage for FreeEntries.
  void Unref(LRUEntry* e, LRUEntry** garbage) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (--e->refs == 0) {
      assert(!e->in_cache);
      e->next_hash = *garbage;
      *garbage = e;
    }
  }

  // Evicts least recently used entries until usage_ fits capacity_ or none is evictable.
  void EvictToCapacity(LRUEntry** garbage) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (usage_ > capacity_ && lru_oldest_ != nullptr) {
      LRUEntry* victim = lru_oldest_;
      LRUEntry* removed = table_.Remove(victim->key(), victim->hash);
      assert(removed == victim);
      (void)removed;
      Detach(victim, garbage);
      ++evictions_;
    }
  }

  void LruRemove(LRUEntry* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    (e->prev != nullptr ? e->prev->next : lru_oldest_) = e->next;
    (e->next != nullptr ? e->next->prev : lru_newest_) = e->prev;
    e->prev = e->next = nullptr;
  }

  // Makes e the most recently used entry.
  void LruAppend(LRUEntry* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    e->prev = lru_newest_;
    e->next = nullptr;
    (lru_newest_ != nullptr ? lru_newest_->next : lru_oldest_) = e;
    lru_newest_ = e;
  }

  size_t LruLength() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    size_t n = 0;
    for (const LRUEntry* e = lru_oldest_; e != nullptr; e = e->next) ++n;
    return n;
  }

  // The first cache line holds the lock and what every Lookup + Release pair writes
  // (40 + 8 + 8 + 8 bytes with glibc), so that an operation moves as few lines as
  // possible between the cores that share the shard.
  mutable Mutex mu_;
  // The evictable entries, linked through prev/next from the least recently used
  // (oldest) to the most recently used (newest); both nullptr when there are none.
  LRUEntry* lru_oldest_ ABSL_GUARDED_BY(mu_) = nullptr;
  LRUEntry* lru_newest_ ABSL_GUARDED_BY(mu_) = nullptr;
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  size_t capacity_ ABSL_GUARDED_BY(mu_) = 0;
  size_t usage_ ABSL_GUARDED_BY(mu_) = 0;  // sum of the charges of the in-cache entries
  EntryTable table_ ABSL_GUARDED_BY(mu_);  // every in-cache entry
  uint64_t inserts_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

LRUEntry* ToEntry(Cache::Handle* handle) { return reinterpret_cast<LRUEntry*>(handle); }
Cache::Handle* ToHandle(LRUEntry* e) { return reinterpret_cast<Cache::Handle*>(e); }

// Routes each key to a shard by the top bits of its hash. Thread-safe: the shards lock
// themselves; everything else is constant after construction or atomic.
class ShardedLRUCache final : public Cache {
 public:
  ShardedLRUCache(size_t capacity, int shard_bits)
      : capacity_(capacity),
        shard_bits_(LRUCacheShardBits(capacity, shard_bits)),
        shards_(new LRUShard[size_t{1} << shard_bits_]) {
    const size_t per_shard = capacity >> shard_bits_;
    for (size_t i = 0; i < (size_t{1} << shard_bits_); ++i) shards_[i].SetCapacity(per_shard);
  }

  Handle* Insert(std::string_view key, void* value, size_t charge, Deleter deleter) override {
    const uint64_t hash = Hash64(key);
    return ToHandle(Shard(hash).Insert(key, hash, value, charge, deleter));
  }

  Handle* Lookup(std::string_view key) override {
    const uint64_t hash = Hash64(key);
    return ToHandle(Shard(hash).Lookup(key, hash));
  }

  void Release(Handle* handle) override {
    LRUEntry* e = ToEntry(handle);
    Shard(e->hash).Release(e);
  }

  void* Value(Handle* handle) override { return ToEntry(handle)->value; }

  void Erase(std::string_view key) override {
    const uint64_t hash = Hash64(key);
    Shard(hash).Erase(key, hash);
  }

  uint64_t NewId() override { return next_id_.fetch_add(1, std::memory_order_relaxed) + 1; }

  size_t GetCapacity() const override { return capacity_; }

  size_t GetUsage() const override {
    size_t usage = 0;
    for (size_t i = 0; i < NumShards(); ++i) usage += shards_[i].Usage();
    return usage;
  }

  Stats GetStats() const override {
    Stats stats;
    for (size_t i = 0; i < NumShards(); ++i) shards_[i].AddStats(&stats);
    return stats;
  }

 private:
  size_t NumShards() const { return size_t{1} << shard_bits_; }
  LRUShard& Shard(uint64_t hash) const {
    return shards_[shard_bits_ == 0 ? 0 : hash >> (64 - shard_bits_)];
  }

  const size_t capacity_;
  const int shard_bits_;
  const std::unique_ptr<LRUShard[]> shards_;
  std::atomic<uint64_t> next_id_{0};
};

}  // namespace

std::shared_ptr<Cache> NewLRUCache(size_t capacity_bytes, int shard_bits) {
  return std::make_shared<ShardedLRUCache>(capacity_bytes, shard_bits);
}

}  // namespace kvlsm
