// Block and BlockIter: reading a block made by BlockBuilder (block_builder.h has the
// grammar).
//
// Every decode is bound-checked against the block: a malformed block (impossible restart
// array, an entry running past the restart array, a shared prefix longer than the previous
// key, an internal key shorter than its 8-byte trailer) makes the iterator !Valid() with a
// DataLoss status. It never reads outside the block.
//
// Thread safety: a Block is immutable and may be shared by any number of threads (through
// the block cache); each BlockIter belongs to one thread.
#ifndef KVLSM_TABLE_BLOCK_H_
#define KVLSM_TABLE_BLOCK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/dbformat.h"
#include "kvlsm/comparator.h"
#include "kvlsm/iterator.h"
#include "table/format.h"

namespace kvlsm {

class BlockIter;

class Block {
 public:
  // Takes the contents (which may point into memory owned elsewhere; then that memory must
  // outlive the Block). A malformed restart array is detected here and reported by every
  // iterator over the block.
  explicit Block(BlockContents contents);
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  // Bytes of payload.
  size_t size() const { return contents_.data.size(); }
  // Bytes this Block owns (its allocation, if any, and the object itself).
  size_t ApproximateMemoryUsage() const { return sizeof(Block) + contents_.owned_size; }
  uint32_t num_restarts() const { return num_restarts_; }

  // Iterators over the block's entries, whose keys are internal keys ordered by
  // `comparator`, or plain keys ordered by a user comparator. Seek and SeekForPrev targets
  // of an internal-key iterator must be internal keys (an 8-byte trailer at least; shorter
  // targets give InvalidArgument). REQUIRES: the block and the comparator outlive the
  // iterator.
  std::unique_ptr<Iterator> NewIterator(const InternalKeyComparator* comparator) const;
  std::unique_ptr<Iterator> NewIterator(const Comparator* comparator) const;

  // (Re)initializes *iter over this block, for callers that keep a BlockIter on the stack.
  void InitIterator(const InternalKeyComparator* comparator, BlockIter* iter) const;

 private:
  friend class BlockIter;

  BlockContents contents_;
  // Offset of the restart array; equal to size() when the block is malformed.
  uint32_t restart_offset_ = 0;
  uint32_t num_restarts_ = 0;
  bool malformed_ = false;
};

// An iterator over one Block. Public so that hot paths can keep one on the stack (see
// Block::InitIterator); a default-constructed BlockIter is !Valid() with an OK status.
class BlockIter final : public Iterator {
 public:
  BlockIter() = default;

  bool Valid() const override { return current_ < restart_offset_; }
  void SeekToFirst() override;
  void SeekToLast() override;
  void Seek(std::string_view target) override;
  void SeekForPrev(std::string_view target) override;
  void Next() override;
  void Prev() override;
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  absl::Status status() const override { return status_; }

 private:
  friend class Block;

  void Init(const Block* block, const Comparator* user_comparator, bool internal_keys);
  int Compare(std::string_view a, std::string_view b) const;
  uint32_t RestartPoint(uint32_t index) const;
  // Positions before the entry at restart point `index` (the next ParseNextEntry reads it).
  void SeekToRestartPoint(uint32_t index);
  // Decodes the entry at next_offset(); false at the end of the block or on damage.
  bool ParseNextEntry();
  // The key at restart point `index`, without touching the iterator's position; false
  // when malformed (status_ is then set).
  bool RestartKey(uint32_t index, std::string_view* key);
  uint32_t NextEntryOffset() const {
    return static_cast<uint32_t>(value_.data() + value_.size() - data_);
  }
  void MarkDamaged(std::string_view what);

  const char* data_ = nullptr;
  uint32_t restart_offset_ = 0;  // Entries live in [0, restart_offset_).
  uint32_t num_restarts_ = 0;
  const Comparator* user_comparator_ = nullptr;
  bool bytewise_ = false;  // user_comparator_ is BytewiseComparator().
  bool internal_keys_ = false;

  // current_ == restart_offset_ means !Valid().
  uint32_t current_ = 0;
  uint32_t restart_index_ = 0;  // The restart point at or before current_.
  std::string key_;
  std::string_view value_;
  absl::Status status_;
};

}  // namespace kvlsm

#endif  // KVLSM_TABLE_BLOCK_H_
