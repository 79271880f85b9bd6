// BlockBuilder: assembles one block of sorted key/value entries (data blocks in the .sst,
// the index block in the .idx).
//
//   block       := entry* restart:fixed32[num_restarts] num_restarts:fixed32
//   entry       := shared:varint32 unshared:varint32 value_length:varint32
//                  key_suffix:byte[unshared] value:byte[value_length]
//
// Each key is stored as the number of bytes it shares with the previous key plus the rest
// (prefix compression). Every `restart_interval` entries the sharing restarts: that entry
// has shared = 0 and its offset is listed in the restart array, so a reader can binary
// search the restart points and decode forward from one. num_restarts >= 1 always (an
// empty block has the single restart point 0). docs/format.md ("Blocks") has the details.
//
// Thread safety: one thread at a time.
#ifndef KVLSM_TABLE_BLOCK_BUILDER_H_
#define KVLSM_TABLE_BLOCK_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kvlsm {

class BlockBuilder {
 public:
  // REQUIRES: restart_interval >= 1.
  explicit BlockBuilder(int restart_interval);
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Starts a new, empty block (after Finish, or to discard what was added).
  void Reset();

  // Appends an entry. REQUIRES: Finish() was not called since the last Reset(); the key
  // sorts after every key added since then (the caller owns the order; the builder does
  // not compare).
  void Add(std::string_view key, std::string_view value);

  // Appends the restart array and returns the block's bytes, valid until Reset() or the
  // builder's destruction.
  std::string_view Finish();

  // The size of the block if it were finished now.
  size_t CurrentSizeEstimate() const {
    return buffer_.size() + restarts_.size() * sizeof(uint32_t) + sizeof(uint32_t);
  }

  bool empty() const { return entries_ == 0; }
  size_t num_entries() const { return entries_; }
  // The key most recently added. REQUIRES: !empty().
  std::string_view last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;  // Entries since the last restart point.
  size_t entries_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace kvlsm

#endif  // KVLSM_TABLE_BLOCK_BUILDER_H_
