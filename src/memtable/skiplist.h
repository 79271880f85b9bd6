// SkipList: an ordered set of keys with one writer and any number of lock-free readers.
//
// Keys are stored by value inside nodes allocated from an Arena, and never removed: the
// list lives as long as its arena. Duplicate keys (Compare == 0) are not allowed.
//
// Thread safety:
// - Allocate and Insert require external synchronization: one writer at a time.
// - Contains and Iterator need no locking and may run concurrently with an Insert. A
//   reader sees every key whose Insert finished before the reader's operation started
//   (as ordered by the writer's synchronization, e.g. a mutex or a release store the reader
//   acquires), may or may not see a key being inserted concurrently, and always sees a
//   sorted list.
// How: a node's key and links are written before the node is published, and a node is
// published by a release store to its predecessor's link at each level, bottom level
// first; readers load links with acquire. Nodes are immutable once published except for
// their links, which only ever change from one valid node (or null) to a newer node whose
// own link points to the old target.
//
// Comparator: a copyable functor with int operator()(const Key& a, const Key& b) const,
// returning <0, 0 or >0. It is called concurrently from readers and the writer.
#ifndef KVLSM_MEMTABLE_SKIPLIST_H_
#define KVLSM_MEMTABLE_SKIPLIST_H_

#include <atomic>
#include <cassert>
#include <cstdint>
#include <new>

#include "memtable/arena.h"
#include "util/random.h"

namespace kvlsm {

template <typename Key, class Comparator>
class SkipList {
 private:
  struct Node;

 public:
  static constexpr int kMaxHeight = 12;
  // Each node reaches level i + 1 with probability 1 / kBranching given it reaches level i.
  static constexpr unsigned kBranching = 4;

  // The list allocates its nodes from *arena, which must outlive it. Key must be
  // default-constructible (for the head node) and copyable.
  SkipList(Comparator compare, Arena* arena, uint64_t seed = 0xdeadbeef)
      : compare_(compare), arena_(arena), head_(NewHead()), rnd_(seed) {}
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // A node allocated for a key but not yet linked into the list: see Allocate().
  class Allocation {
   public:
    // The caller's extra_bytes bytes, directly after the node; owned by the arena.
    char* extra() const { return extra_; }

   private:
    friend class SkipList;
    Allocation(Node* node, int height, char* extra) : node_(node), height_(height), extra_(extra) {}
    Node* node_;
    int height_;
    char* extra_;
  };

  // Allocates a node of random height followed by extra_bytes bytes for the caller, in one
  // arena allocation. A key that refers to data (e.g. a const char* to an encoded entry)
  // should keep that data there: the node's bottom link, the key and the start of the data
  // then share a cache line, which halves the cache misses of a search.
  // REQUIRES: external synchronization with other Allocate and Insert calls.
  Allocation Allocate(size_t extra_bytes) {
    const int height = RandomHeight();
    const size_t links_bytes = sizeof(std::atomic<Node*>) * height;
    char* mem = arena_->AllocateAligned(links_bytes + sizeof(Node) + extra_bytes, alignof(Node));
    Node* node = reinterpret_cast<Node*>(mem + links_bytes);
    return Allocation(node, height, mem + links_bytes + sizeof(Node));
  }

  // Inserts key into the node of `allocation`. Data the key refers to must be written
  // before this call: it is published together with the node.
  // REQUIRES: allocation came from Allocate() on this list and was not inserted before; no
  // key comparing equal to key is in the list; external synchronization with other Allocate
  // and Insert calls.
  void Insert(const Allocation& allocation, const Key& key) {
    Node* prev[kMaxHeight];
    Node* next = FindGreaterOrEqual(key, prev);
    assert(next == nullptr || compare_(key, next->key) != 0);
    (void)next;

    const int height = allocation.height_;
    const int max_height = MaxHeight();
    if (height > max_height) {
      for (int i = max_height; i < height; ++i) prev[i] = head_;
      // A reader that sees the new height before the node is linked finds null links at
      // the new levels of head_ and simply moves down.
      max_height_.store(height, std::memory_order_relaxed);
    }
    Node* x = new (allocation.node_) Node(key);
    for (int i = 0; i < height; ++i) {
      // x is not yet reachable, so relaxed stores suffice for its own links; the release
      // store below publishes them (and the key) together with x.
      new (x->link(i)) std::atomic<Node*>(prev[i]->NextRelaxed(i));
      prev[i]->SetNext(i, x);
    }
  }

  // Inserts key in a node with no extra space. Same requirements as above.
  void Insert(const Key& key) { Insert(Allocate(0), key); }

  // True when a key comparing equal to key is in the list.
  bool Contains(const Key& key) const {
    Node* x = FindGreaterOrEqual(key, nullptr);
    return x != nullptr && compare_(key, x->key) == 0;
  }

  // A cursor over the list. Stays valid as long as the list; see the thread-safety notes
  // at the top of the file. An Iterator itself is used by one thread at a time.
  class Iterator {
   public:
    explicit Iterator(const SkipList* list) : list_(list), node_(nullptr) {}

    bool Valid() const { return node_ != nullptr; }
    // REQUIRES: Valid().
    const Key& key() const {
      assert(Valid());
      return node_->key;
    }
    // REQUIRES: Valid().
    void Next() {
      assert(Valid());
      node_ = node_->Next(0);
    }
    // REQUIRES: Valid(). Costs a search from the head (nodes have no back links).
    void Prev() {
      assert(Valid());
      node_ = list_->NullIfHead(list_->FindLessThan(node_->key));
    }
    // Positions at the first key >= target.
    void Seek(const Key& target) { node_ = list_->FindGreaterOrEqual(target, nullptr); }
    // Positions at the last key <= target.
    void SeekForPrev(const Key& target) {
      node_ = list_->NullIfHead(list_->FindLessOrEqual(target));
    }
    void SeekToFirst() { node_ = list_->head_->Next(0); }
    void SeekToLast() { node_ = list_->NullIfHead(list_->FindLast()); }

   private:
    const SkipList* list_;
    Node* node_;
  };

 private:
  // A node of height h occupies, in one allocation:
  //   link[h-1] ... link[1] link[0] | Node (the key) | caller's extra bytes
  // Node* points at the key; link i (the next node at level i) lies i + 1 slots before it.
  // Searches mostly read link[0], the key and the start of the extra bytes: adjacent.
  struct alignas(std::atomic<Node*>) Node {
    explicit Node(const Key& k) : key(k) {}
    const Key key;

    Node* Next(int level) const { return link(level)->load(std::memory_order_acquire); }
    void SetNext(int level, Node* x) { link(level)->store(x, std::memory_order_release); }
    Node* NextRelaxed(int level) const { return link(level)->load(std::memory_order_relaxed); }
    std::atomic<Node*>* link(int level) const {
      return reinterpret_cast<std::atomic<Node*>*>(const_cast<Node*>(this)) - 1 - level;
    }
  };
  static_assert(sizeof(Node) % alignof(std::atomic<Node*>) == 0);

  // The head: a node of kMaxHeight null links and a default key (never compared).
  Node* NewHead() {
    const size_t links_bytes = sizeof(std::atomic<Node*>) * kMaxHeight;
    char* mem = arena_->AllocateAligned(links_bytes + sizeof(Node), alignof(Node));
    Node* node = new (mem + links_bytes) Node(Key());
    for (int i = 0; i < kMaxHeight; ++i) new (node->link(i)) std::atomic<Node*>(nullptr);
    return node;
  }

  int RandomHeight() {
    // Two random bits per level: continue with probability 1/4.
    static_assert(kBranching == 4);
    uint64_t bits = rnd_.Next();
    int height = 1;
    while (height < kMaxHeight && (bits & 3) == 0) {
      ++height;
      bits >>= 2;
    }
    return height;
  }

  int MaxHeight() const { return max_height_.load(std::memory_order_relaxed); }
  Node* NullIfHead(Node* x) const { return x == head_ ? nullptr : x; }

  // A search that stops advancing at `level` continues with x's successor one level down.
  // Fetching that node while the comparison at this level runs overlaps two cache misses;
  // measured 10-15% faster lookups in a 100k-entry memtable (bench/micro/memtable_bench.cc).
  static void PrefetchBelow(const Node* x, int level) {
    if (level > 0) __builtin_prefetch(x->NextRelaxed(level - 1));
  }

  // Returns the first node with key >= target (nullptr if none). When prev is not null,
  // fills prev[level] with the last node < target at each level below MaxHeight().
  Node* FindGreaterOrEqual(const Key& target, Node** prev) const {
    Node* x = head_;
    int level = MaxHeight() - 1;
    // The node known to be >= target at the level above: no need to compare it again.
    Node* known_bigger = nullptr;
    while (true) {
      Node* next = x->Next(level);
      PrefetchBelow(x, level);
      if (next != nullptr && next != known_bigger && compare_(next->key, target) < 0) {
        x = next;
      } else {
        if (prev != nullptr) prev[level] = x;
        if (level == 0) return next;
        known_bigger = next;
        --level;
      }
    }
  }

  // Returns the last node with key < target, or head_ if none.
  Node* FindLessThan(const Key& target) const { return FindLast<false>(&target); }
  // Returns the last node with key <= target, or head_ if none.
  Node* FindLessOrEqual(const Key& target) const { return FindLast<true>(&target); }
  // Returns the last node, or head_ if the list is empty.
  Node* FindLast() const { return FindLast<false>(nullptr); }

  // The last node whose key is < *target (<= when kInclusive), or the last node of all
  // when target is null; head_ if none.
  template <bool kInclusive>
  Node* FindLast(const Key* target) const {
    Node* x = head_;
    int level = MaxHeight() - 1;
    Node* known_bigger = nullptr;
    while (true) {
      Node* next = x->Next(level);
      PrefetchBelow(x, level);
      bool advance = next != nullptr && next != known_bigger;
      if (advance && target != nullptr) {
        const int c = compare_(next->key, *target);
        advance = kInclusive ? c <= 0 : c < 0;
      }
      if (advance) {
        x = next;
      } else {
        if (level == 0) return x;
        known_bigger = next;
        --level;
      }
    }
  }

  // Constant after construction.
  const Comparator compare_;
  Arena* const arena_;
  Node* const head_;

  // Written by the inserting thread only; read by readers (relaxed: see Insert).
  std::atomic<int> max_height_{1};
  // Used by the writer only.
  Random rnd_;
};

}  // namespace kvlsm

#endif  // KVLSM_MEMTABLE_SKIPLIST_H_
