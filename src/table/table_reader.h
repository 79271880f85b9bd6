// TableReader: reads a table pair written by TableBuilder.
//
// Open reads the whole .idx with one read, checks its footer and every block checksum in
// it, and keeps the index block and the filter pinned in memory for the reader's life.
// Data blocks are read from the .sst on demand, one read per block, through the block
// cache when there is one (key: the reader's cache id, then the block's offset).
//
// Damage is reported, never worked around: a damaged or inconsistent table gives DataLoss
// naming the file (and, for a block, the offset), whether found at Open (footer, .idx
// checksums, a .sst of the wrong size, an index naming blocks outside the .sst), in Get,
// or by an iterator. A table written with another comparator, or with a filter of another
// policy, refuses to open with InvalidArgument naming both names; so does a table of a
// newer format version ("written by a newer kvlsm").
//
// Thread safety: after Open a TableReader is immutable; Get, NewIterator and every other
// method may be called concurrently. Each iterator belongs to one thread.
#ifndef KVLSM_TABLE_TABLE_READER_H_
#define KVLSM_TABLE_TABLE_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/dbformat.h"
#include "kvlsm/cache.h"
#include "kvlsm/env.h"
#include "kvlsm/filter_policy.h"
#include "kvlsm/iterator.h"
#include "kvlsm/options.h"
#include "table/block.h"
#include "table/format.h"
#include "table/table_properties.h"

namespace kvlsm {

class GetContext;

struct TableReaderOptions {
  // Required; not owned, must outlive the reader. Its user comparator's Name() must match
  // the one the table records.
  const InternalKeyComparator* comparator = nullptr;
  // When the table has a filter: null means the filter is not used; a policy of the same
  // name as the recorded one uses it; a policy of another name refuses to open. Not
  // owned, must outlive the reader.
  const FilterPolicy* filter_policy = nullptr;
  // Where uncompressed data blocks are cached; null: no caching. Not owned, must outlive
  // the reader.
  Cache* block_cache = nullptr;
  // true: Open also walks the whole index, checking that its entries are ordered and tile
  // the .sst exactly, so a mismatched pair of files is found at Open. Costs a pass over
  // the (in-memory) index.
  bool paranoid_checks = true;
  // Names for error messages.
  std::string data_file_name;
  std::string index_file_name;
};

class TableReader {
 public:
  // Opens a table pair. data_file_size and index_file_size are the files' sizes (from the
  // MANIFEST or the file system); a .sst whose size differs from the one the .idx records
  // is DataLoss.
  static absl::StatusOr<std::unique_ptr<TableReader>> Open(
      const TableReaderOptions& options, std::unique_ptr<RandomAccessFile> data_file,
      uint64_t data_file_size, std::unique_ptr<RandomAccessFile> index_file,
      uint64_t index_file_size);

  ~TableReader();
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  // Feeds ctx the entries for user_key visible at `snapshot` (sequence <= snapshot), newest
  // first, while ctx->SaveValue returns true, consulting the filter first. OK when the
  // table holds nothing for the key (ctx untouched); DataLoss naming the file and offset
  // on damage; I/O errors as the files report them. Honors fill_cache and
  // verify_checksums; ignores snapshot and bounds in `options`.
  absl::Status Get(const ReadOptions& options, std::string_view user_key, SequenceNumber snapshot,
                   GetContext* ctx) const;

  // An iterator over every entry: key() is the internal key, value() the value, in
  // comparator order, in both directions. Seek and SeekForPrev take internal keys.
  // Honors fill_cache and verify_checksums; ignores snapshot and bounds. It must not
  // outlive the reader.
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) const;

  const TableProperties& properties() const { return properties_; }

  // Bytes pinned in memory for the index and the filter (the .idx contents plus what the
  // filter reader holds).
  size_t IndexAndFilterMemory() const;

  // Rereads every block of both files (bypassing the cache), checking each checksum and
  // that every block decodes. OK, or the first damage found.
  absl::Status VerifyChecksums() const;

  // An approximate offset in the .sst where internal_key is or would be: the offset of
  // the data block that would hold it, or the .sst's size past the last key.
  uint64_t ApproximateOffsetOf(std::string_view internal_key) const;

 private:
  class TableIterator;
  friend class TableIterator;

  // A data block in use: held from the cache or owned.
  class BlockRef {
   public:
    BlockRef() = default;
    ~BlockRef() { Reset(); }
    BlockRef(const BlockRef&) = delete;
    BlockRef& operator=(const BlockRef&) = delete;
    void Reset();
    const Block* block() const { return block_; }

   private:
    friend class TableReader;
    const Block* block_ = nullptr;
    Cache* cache_ = nullptr;
    Cache::Handle* handle_ = nullptr;
    std::unique_ptr<Block> owned_;
  };

  explicit TableReader(const TableReaderOptions& options);

  // Checks the index entry's value and the handle it names against the .sst.
  absl::Status DecodeIndexValue(std::string_view value, BlockHandle* handle) const;
  // Makes *ref hold the data block at `handle`.
  absl::Status GetDataBlock(const ReadOptions& options, const BlockHandle& handle,
                            BlockRef* ref) const;
  // Walks the whole index (paranoid_checks): ordered, within the .sst, tiling it.
  absl::Status CheckIndex() const;
  // DataLoss (or the status's own code when it is not damage) naming the .sst and the
  // block.
  absl::Status DataBlockError(const BlockHandle& handle, const absl::Status& status) const;
  absl::Status IndexError(const absl::Status& status) const;

  // Constant after Open.
  const TableReaderOptions options_;
  std::unique_ptr<RandomAccessFile> data_file_;
  std::unique_ptr<RandomAccessFile> index_file_;
  uint64_t data_size_ = 0;
  uint64_t index_file_size_ = 0;
  uint64_t cache_id_ = 0;
  std::unique_ptr<char[]> index_file_contents_;  // The whole .idx.
  std::unique_ptr<Block> index_block_;           // Points into index_file_contents_.
  BlockContents filter_contents_;                // Points into index_file_contents_.
  std::unique_ptr<FilterReader> filter_;         // Null when the filter is not used.
  TableProperties properties_;
};

}  // namespace kvlsm

#endif  // KVLSM_TABLE_TABLE_READER_H_
