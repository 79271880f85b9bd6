// TableBuilder: writes a sorted stream of internal keys as a table pair, data blocks to
// the .sst and, at Finish, index, filter, properties and footer to the .idx (format.h has
// the grammar, docs/format.md the bytes).
//
// Data blocks are cut when their uncompressed size reaches block_size; each is compressed
// when configured and when that saves at least 12.5%. The index maps, for each data block,
// a short separator key (>= every key of the block, < every key of the next) to the
// block's handle in the .sst.
//
// Thread safety: one thread at a time.
#ifndef KVLSM_TABLE_TABLE_BUILDER_H_
#define KVLSM_TABLE_TABLE_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "base/dbformat.h"
#include "kvlsm/compression.h"
#include "kvlsm/env.h"
#include "kvlsm/filter_policy.h"
#include "table/block_builder.h"
#include "table/format.h"
#include "table/table_properties.h"

namespace kvlsm {

struct TableBuilderOptions {
  // Required. Its user comparator's Name() is recorded in the table. Not owned.
  const InternalKeyComparator* comparator = nullptr;
  // Builds a filter over the table's user keys; null: no filter. Not owned.
  const FilterPolicy* filter_policy = nullptr;
  // Target uncompressed size of a data block, in bytes (a block holds at least one entry,
  // so it may exceed this by one entry).
  size_t block_size = 4096;
  // Entries between restart points in data blocks. REQUIRES: >= 1.
  int block_restart_interval = 16;
  CompressionType compression = CompressionType::kNone;
  // Used when compression is kZstd. REQUIRES: within zstd's levels (-131072..22).
  int zstd_level = 3;
  // Recorded in the properties.
  uint64_t file_number = 0;
  uint64_t creation_time = 0;  // Seconds since the Unix epoch.
};

class TableBuilder {
 public:
  // Writes data blocks to data_file (the .sst) as they fill and, at Finish, the whole of
  // index_file (the .idx). Neither file is owned, synced or closed by the builder; both
  // must outlive it. REQUIRES: options.comparator != nullptr.
  TableBuilder(const TableBuilderOptions& options, WritableFile* data_file,
               WritableFile* index_file);
  ~TableBuilder();
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;

  // Adds an entry. REQUIRES: internal_key sorts after every key added before under the
  // comparator. A key that does not (or is not a well-formed internal key, or an entry of
  // 2 GiB or more) makes status() InvalidArgument; after an error, Add does nothing.
  // REQUIRES: Finish() and Abandon() were not called.
  void Add(std::string_view internal_key, std::string_view value);

  // The first error: a failed file write or a rejected Add.
  absl::Status status() const { return status_; }

  // Writes the last data block, then the .idx. Returns status(). REQUIRES: Finish() and
  // Abandon() were not called.
  absl::Status Finish();

  // Stops without finishing: the files hold a partial table the caller should delete.
  void Abandon();

  uint64_t NumEntries() const { return properties_.num_entries; }
  // Bytes written to the .sst so far (its final size after Finish).
  uint64_t DataFileSize() const { return data_offset_; }
  // Bytes written to the .idx; 0 before Finish.
  uint64_t IndexFileSize() const { return index_offset_; }
  // Complete after a successful Finish; before it, only the entry counts are.
  const TableProperties& properties() const { return properties_; }

 private:
  // Writes the current data block and leaves its index entry pending until the next key
  // (or Finish) gives its separator.
  void FlushDataBlock();
  // Appends payload + trailer to file at *offset; sets *handle and advances *offset.
  void WriteBlock(WritableFile* file, std::string_view payload, CompressionType type,
                  uint64_t* offset, BlockHandle* handle);
  // Adds the index entry of the last flushed block, separating it from `next_key` (or, at
  // the end of the table, from everything after it when next_key is empty).
  void AddPendingIndexEntry(std::string_view next_key);

  // Constant after construction.
  const TableBuilderOptions options_;
  WritableFile* const data_file_;
  WritableFile* const index_file_;

  absl::Status status_;
  bool closed_ = false;  // Finish or Abandon was called.
  BlockBuilder data_block_;
  BlockBuilder index_block_;
  BlockCompressor compressor_;
  std::unique_ptr<FilterBuilder> filter_builder_;  // Null without a filter policy.
  std::string last_key_;                           // The last internal key added.
  uint64_t data_offset_ = 0;
  uint64_t index_offset_ = 0;
  bool pending_index_entry_ = false;  // The last flushed block has no index entry yet.
  BlockHandle pending_handle_;
  std::string separator_;  // Scratch for AddPendingIndexEntry.
  TableProperties properties_;
};

}  // namespace kvlsm

#endif  // KVLSM_TABLE_TABLE_BUILDER_H_
