#include "table/table_reader.h"

#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_format.h"
#include "base/get_context.h"
#include "util/coding.h"

namespace kvlsm {
namespace {

// A .idx larger than this is not something TableBuilder writes (it would index hundreds
// of GiB of data); refusing it keeps a damaged size from turning into a huge allocation.
constexpr uint64_t kMaxIndexFileSize = uint64_t{1} << 31;

// The internal key a point lookup seeks to: the first entry of user_key at or below
// snapshot. Lives on the stack for ordinary key sizes.
class LookupKey {
 public:
  LookupKey(std::string_view user_key, SequenceNumber snapshot) {
    const size_t n = user_key.size() + 8;
    char* p = stack_;
    if (n > sizeof(stack_)) {
      heap_ = std::make_unique<char[]>(n);
      p = heap_.get();
    }
    if (!user_key.empty()) std::memcpy(p, user_key.data(), user_key.size());
    EncodeFixed64(p + user_key.size(), PackSequenceAndType(snapshot, kTypeForSeek));
    key_ = std::string_view(p, n);
  }
  std::string_view internal_key() const { return key_; }

 private:
  char stack_[128];
  std::unique_ptr<char[]> heap_;
  std::string_view key_;
};

void DeleteCachedBlock(std::string_view /*key*/, void* value) { delete static_cast<Block*>(value); }

}  // namespace

// A two-level iterator: the pinned index block picks data blocks, read (or found in the
// cache) one at a time.
class TableReader::TableIterator final : public Iterator {
 public:
  TableIterator(const TableReader* table, const ReadOptions& options)
      : table_(table), options_(options) {
    table_->index_block_->InitIterator(table_->options_.comparator, &index_iter_);
  }

  bool Valid() const override { return has_block_ && data_iter_.Valid(); }

  void SeekToFirst() override {
    if (!status_.ok()) return;
    index_iter_.SeekToFirst();
    InitDataBlock();
    if (has_block_) data_iter_.SeekToFirst();
    SkipEmptyBlocksForward();
  }

  void SeekToLast() override {
    if (!status_.ok()) return;
    index_iter_.SeekToLast();
    InitDataBlock();
    if (has_block_) data_iter_.SeekToLast();
    SkipEmptyBlocksBackward();
  }

  void Seek(std::string_view target) override {
    if (!status_.ok()) return;
    index_iter_.Seek(target);
    InitDataBlock();
    if (has_block_) data_iter_.Seek(target);
    SkipEmptyBlocksForward();
  }

  void SeekForPrev(std::string_view target) override {
    Seek(target);
    if (!status_.ok()) return;
    if (!Valid()) {
      SeekToLast();
    } else if (table_->options_.comparator->Compare(key(), target) > 0) {
      Prev();
    }
  }

  void Next() override {
    data_iter_.Next();
    SkipEmptyBlocksForward();
  }

  void Prev() override {
    data_iter_.Prev();
    SkipEmptyBlocksBackward();
  }

  std::string_view key() const override { return data_iter_.key(); }
  std::string_view value() const override { return data_iter_.value(); }
  absl::Status status() const override { return status_; }

 private:
  void SetError(const absl::Status& s) {
    if (status_.ok()) status_ = s;
    has_block_ = false;
  }

  // Makes data_iter_ iterate the block the index iterator is at (unpositioned).
  void InitDataBlock() {
    has_block_ = false;
    if (!index_iter_.Valid()) {
      if (!index_iter_.status().ok()) SetError(table_->IndexError(index_iter_.status()));
      return;
    }
    BlockHandle handle;
    absl::Status s = table_->DecodeIndexValue(index_iter_.value(), &handle);
    if (s.ok() && (block_.block() == nullptr || handle.offset != handle_.offset)) {
      block_.Reset();
      s = table_->GetDataBlock(options_, handle, &block_);
      if (s.ok()) {
        handle_ = handle;
        block_.block()->InitIterator(table_->options_.comparator, &data_iter_);
      }
    }
    if (!s.ok()) {
      SetError(s);
      return;
    }
    has_block_ = true;
  }

  // Moves past blocks that have no entry left in the direction of travel. Stops (with
  // the error) on damage.
  void SkipEmptyBlocksForward() {
    while (has_block_ && !data_iter_.Valid()) {
      if (!data_iter_.status().ok()) {
        SetError(table_->DataBlockError(handle_, data_iter_.status()));
        return;
      }
      index_iter_.Next();
      InitDataBlock();
      if (has_block_) data_iter_.SeekToFirst();
    }
  }

  void SkipEmptyBlocksBackward() {
    while (has_block_ && !data_iter_.Valid()) {
      if (!data_iter_.status().ok()) {
        SetError(table_->DataBlockError(handle_, data_iter_.status()));
        return;
      }
      index_iter_.Prev();
      InitDataBlock();
      if (has_block_) data_iter_.SeekToLast();
    }
  }

  const TableReader* const table_;
  const ReadOptions options_;
  BlockIter index_iter_;
  BlockRef block_;       // The data block data_iter_ iterates.
  BlockHandle handle_;   // Its handle.
  BlockIter data_iter_;  // Meaningful only while has_block_.
  bool has_block_ = false;
  absl::Status status_;  // The first error; the iterator stays !Valid() after it.
};

void TableReader::BlockRef::Reset() {
  if (handle_ != nullptr) cache_->Release(handle_);
  handle_ = nullptr;
  cache_ = nullptr;
  owned_.reset();
  block_ = nullptr;
}

TableReader::TableReader(const TableReaderOptions& options) : options_(options) {}

TableReader::~TableReader() = default;

absl::StatusOr<std::unique_ptr<TableReader>> TableReader::Open(
    const TableReaderOptions& options, std::unique_ptr<RandomAccessFile> data_file,
    uint64_t data_file_size, std::unique_ptr<RandomAccessFile> index_file,
    uint64_t index_file_size) {
  const std::string& index_name = options.index_file_name;
  auto damaged = [&](std::string_view what) {
    return absl::DataLossError(absl::StrFormat("%s: %s", index_name, what));
  };
  if (index_file_size > kMaxIndexFileSize) {
    return damaged(absl::StrFormat("implausible table index size %d", index_file_size));
  }
  std::unique_ptr<TableReader> table(new TableReader(options));
  table->data_file_ = std::move(data_file);
  table->index_file_ = std::move(index_file);
  table->data_size_ = data_file_size;
  table->index_file_size_ = index_file_size;

  // The whole .idx, in one read.
  const size_t n = static_cast<size_t>(index_file_size);
  table->index_file_contents_ = std::make_unique<char[]>(n == 0 ? 1 : n);
  std::string_view contents;
  absl::Status s = table->index_file_->Read(0, n, &contents, table->index_file_contents_.get());
  if (!s.ok()) return s;
  if (contents.size() != n) {
    return damaged(absl::StrFormat("read %d of the %d bytes expected", contents.size(), n));
  }
  if (n > 0 && contents.data() != table->index_file_contents_.get()) {
    std::memcpy(table->index_file_contents_.get(), contents.data(), n);
  }
  contents = std::string_view(table->index_file_contents_.get(), n);

  absl::StatusOr<Footer> footer = Footer::DecodeFrom(contents, index_name);
  if (!footer.ok()) return footer.status();
  // The blocks lie before the footer; offset 0 is the index block.
  const std::string_view blocks = contents.substr(0, n - footer->encoded_size);
  if (footer->index_handle.offset != 0) {
    return damaged(absl::StrFormat("index block at offset %d, not 0", footer->index_handle.offset));
  }

  absl::StatusOr<BlockContents> properties_block =
      DecodeBlock(blocks, footer->properties_handle, /*verify_checksum=*/true, index_name);
  if (!properties_block.ok()) return properties_block.status();
  s = table->properties_.DecodeFrom(properties_block->data);
  if (!s.ok()) return damaged(std::string(s.message()));
  table->properties_.format_version = footer->format_version;

  const char* comparator_name = options.comparator->user_comparator()->Name();
  if (table->properties_.comparator_name != comparator_name) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the table was written with comparator %s but is opened with comparator %s", index_name,
        table->properties_.comparator_name, comparator_name));
  }
  if (table->properties_.data_size != data_file_size) {
    return absl::DataLossError(absl::StrFormat(
        "%s: has %d bytes but its index %s records %d (a truncated or mismatched table half)",
        options.data_file_name, data_file_size, index_name, table->properties_.data_size));
  }

  absl::StatusOr<BlockContents> index_block =
      DecodeBlock(blocks, footer->index_handle, /*verify_checksum=*/true, index_name);
  if (!index_block.ok()) return index_block.status();
  table->index_block_ = std::make_unique<Block>(*std::move(index_block));

  const std::string& filter_name = table->properties_.filter_policy_name;
  if (footer->has_filter() != !filter_name.empty()) {
    return damaged(footer->has_filter() ? "a filter block without a filter policy name"
                                        : "a filter policy name without a filter block");
  }
  if (footer->has_filter() && options.filter_policy != nullptr) {
    if (filter_name != options.filter_policy->Name()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: the table's filter was built by filter policy %s but it is opened with "
          "filter policy %s",
          index_name, filter_name, options.filter_policy->Name()));
    }
    absl::StatusOr<BlockContents> filter =
        DecodeBlock(blocks, footer->filter_handle, /*verify_checksum=*/true, index_name);
    if (!filter.ok()) return filter.status();
    table->filter_contents_ = *std::move(filter);
    auto reader = options.filter_policy->NewReader(table->filter_contents_.data);
    if (!reader.ok()) return damaged(absl::StrFormat("filter: %s", reader.status().message()));
    table->filter_ = *std::move(reader);
  }

  if (options.block_cache != nullptr) table->cache_id_ = options.block_cache->NewId();
  if (options.paranoid_checks) {
    s = table->CheckIndex();
    if (!s.ok()) return s;
  }
  return table;
}

size_t TableReader::IndexAndFilterMemory() const {
  size_t bytes = static_cast<size_t>(index_file_size_) + index_block_->ApproximateMemoryUsage() +
                 filter_contents_.owned_size;
  if (filter_ != nullptr) bytes += filter_->ApproximateMemoryUsage();
  return bytes;
}

absl::Status TableReader::IndexError(const absl::Status& status) const {
  if (status.code() != absl::StatusCode::kDataLoss) return status;
  return absl::DataLossError(
      absl::StrFormat("%s: index block: %s", options_.index_file_name, status.message()));
}

absl::Status TableReader::DataBlockError(const BlockHandle& handle,
                                         const absl::Status& status) const {
  if (status.code() != absl::StatusCode::kDataLoss) return status;
  return absl::DataLossError(absl::StrFormat(
      "%s: data block at offset %d: %s", options_.data_file_name, handle.offset, status.message()));
}

absl::Status TableReader::DecodeIndexValue(std::string_view value, BlockHandle* handle) const {
  if (!handle->DecodeFrom(&value) || !value.empty()) {
    return IndexError(absl::DataLossError("malformed block handle"));
  }
  uint64_t end;
  if (!handle->End(&end) || end > data_size_) {
    return absl::DataLossError(absl::StrFormat(
        "%s: index names a block at offset %d (%d bytes) past the end of %s (%d bytes)",
        options_.index_file_name, handle->offset, handle->size, options_.data_file_name,
        data_size_));
  }
  return absl::OkStatus();
}

absl::Status TableReader::GetDataBlock(const ReadOptions& options, const BlockHandle& handle,
                                       BlockRef* ref) const {
  Cache* const cache = options_.block_cache;
  char cache_key[16];
  if (cache != nullptr) {
    EncodeFixed64(cache_key, cache_id_);
    EncodeFixed64(cache_key + 8, handle.offset);
    if (Cache::Handle* h = cache->Lookup(std::string_view(cache_key, sizeof(cache_key)))) {
      ref->cache_ = cache;
      ref->handle_ = h;
      ref->block_ = static_cast<const Block*>(cache->Value(h));
      return absl::OkStatus();
    }
  }
  absl::StatusOr<BlockContents> contents =
      ReadBlock(data_file_.get(), handle, options.verify_checksums, options_.data_file_name);
  if (!contents.ok()) return contents.status();
  auto block = std::make_unique<Block>(*std::move(contents));
  // Only verified blocks enter the cache, where later readers trust them.
  if (cache != nullptr && options.fill_cache && options.verify_checksums) {
    const size_t charge = block->ApproximateMemoryUsage();
    Block* raw = block.release();
    ref->cache_ = cache;
    ref->handle_ = cache->Insert(std::string_view(cache_key, sizeof(cache_key)), raw, charge,
                                 &DeleteCachedBlock);
    ref->block_ = raw;
  } else {
    ref->owned_ = std::move(block);
    ref->block_ = ref->owned_.get();
  }
  return absl::OkStatus();
}

absl::Status TableReader::Get(const ReadOptions& options, std::string_view user_key,
                              SequenceNumber snapshot, GetContext* ctx) const {
  if (filter_ != nullptr && !filter_->KeyMayMatch(user_key)) return absl::OkStatus();
  const LookupKey lookup(user_key, snapshot);
  const std::string_view target = lookup.internal_key();
  const InternalKeyComparator* const comparator = options_.comparator;
  const Comparator* const user = comparator->user_comparator();

  BlockIter index_iter;
  index_block_->InitIterator(comparator, &index_iter);
  index_iter.Seek(target);
  // Versions of one user key may continue into the following blocks.
  for (bool first = true; index_iter.Valid(); index_iter.Next(), first = false) {
    BlockHandle handle;
    absl::Status s = DecodeIndexValue(index_iter.value(), &handle);
    if (!s.ok()) return s;
    BlockRef ref;
    s = GetDataBlock(options, handle, &ref);
    if (!s.ok()) return s;
    BlockIter iter;
    ref.block()->InitIterator(comparator, &iter);
    if (first) {
      iter.Seek(target);
    } else {
      iter.SeekToFirst();
    }
    for (; iter.Valid(); iter.Next()) {
      ParsedInternalKey parsed;
      if (!ParseInternalKey(iter.key(), &parsed)) {
        return DataBlockError(handle, absl::DataLossError("an entry has an unknown type"));
      }
      if (user->Compare(parsed.user_key, user_key) != 0) return absl::OkStatus();
      if (!ctx->SaveValue(parsed.type, iter.value())) return absl::OkStatus();
    }
    if (!iter.status().ok()) return DataBlockError(handle, iter.status());
  }
  return index_iter.status().ok() ? absl::OkStatus() : IndexError(index_iter.status());
}

std::unique_ptr<Iterator> TableReader::NewIterator(const ReadOptions& options) const {
  return std::make_unique<TableIterator>(this, options);
}

uint64_t TableReader::ApproximateOffsetOf(std::string_view internal_key) const {
  BlockIter index_iter;
  index_block_->InitIterator(options_.comparator, &index_iter);
  index_iter.Seek(internal_key);
  BlockHandle handle;
  if (index_iter.Valid() && DecodeIndexValue(index_iter.value(), &handle).ok()) {
    return handle.offset;
  }
  return data_size_;
}

absl::Status TableReader::CheckIndex() const {
  BlockIter index_iter;
  index_block_->InitIterator(options_.comparator, &index_iter);
  std::string previous;
  uint64_t expected_offset = 0;
  uint64_t blocks = 0;
  for (index_iter.SeekToFirst(); index_iter.Valid(); index_iter.Next()) {
    if (blocks > 0 && options_.comparator->Compare(previous, index_iter.key()) >= 0) {
      return IndexError(absl::DataLossError("separator keys out of order"));
    }
    previous.assign(index_iter.key().data(), index_iter.key().size());
    BlockHandle handle;
    absl::Status s = DecodeIndexValue(index_iter.value(), &handle);
    if (!s.ok()) return s;
    if (handle.offset != expected_offset) {
      return IndexError(absl::DataLossError(
          absl::StrFormat("data block %d at offset %d, expected %d (blocks must tile %s)", blocks,
                          handle.offset, expected_offset, options_.data_file_name)));
    }
    handle.End(&expected_offset);
    ++blocks;
  }
  if (!index_iter.status().ok()) return IndexError(index_iter.status());
  if (expected_offset != data_size_ || blocks != properties_.num_data_blocks) {
    return IndexError(absl::DataLossError(absl::StrFormat(
        "%d blocks covering %d bytes, but the properties record %d blocks and %s has %d bytes",
        blocks, expected_offset, properties_.num_data_blocks, options_.data_file_name,
        data_size_)));
  }
  return absl::OkStatus();
}

absl::Status TableReader::VerifyChecksums() const {
  // The .idx as it is on disk now (the pinned copy was checked at Open).
  const size_t n = static_cast<size_t>(index_file_size_);
  auto buffer = std::make_unique<char[]>(n == 0 ? 1 : n);
  std::string_view contents;
  absl::Status s = index_file_->Read(0, n, &contents, buffer.get());
  if (!s.ok()) return s;
  if (contents.size() != n) {
    return absl::DataLossError(absl::StrFormat("%s: read %d of the %d bytes expected",
                                               options_.index_file_name, contents.size(), n));
  }
  absl::StatusOr<Footer> footer = Footer::DecodeFrom(contents, options_.index_file_name);
  if (!footer.ok()) return footer.status();
  const std::string_view blocks = contents.substr(0, n - footer->encoded_size);
  for (const BlockHandle* h :
       {&footer->index_handle, &footer->filter_handle, &footer->properties_handle}) {
    if (h == &footer->filter_handle && !footer->has_filter()) continue;
    absl::StatusOr<BlockContents> block =
        DecodeBlock(blocks, *h, /*verify_checksum=*/true, options_.index_file_name);
    if (!block.ok()) return block.status();
  }
  s = CheckIndex();
  if (!s.ok()) return s;

  // Every data block: checksum, then every entry decodes, in order, within its separator.
  ReadOptions options;
  options.fill_cache = false;
  const InternalKeyComparator* const comparator = options_.comparator;
  BlockIter index_iter;
  index_block_->InitIterator(comparator, &index_iter);
  std::string previous;
  bool have_previous = false;
  for (index_iter.SeekToFirst(); index_iter.Valid(); index_iter.Next()) {
    BlockHandle handle;
    s = DecodeIndexValue(index_iter.value(), &handle);
    if (!s.ok()) return s;
    absl::StatusOr<BlockContents> contents =
        ReadBlock(data_file_.get(), handle, /*verify_checksum=*/true, options_.data_file_name);
    if (!contents.ok()) return contents.status();
    const Block block(*std::move(contents));
    BlockIter iter;
    block.InitIterator(comparator, &iter);
    for (iter.SeekToFirst(); iter.Valid(); iter.Next()) {
      ParsedInternalKey parsed;
      if (!ParseInternalKey(iter.key(), &parsed)) {
        return DataBlockError(handle, absl::DataLossError("an entry has an unknown type"));
      }
      if ((have_previous && comparator->Compare(previous, iter.key()) >= 0) ||
          comparator->Compare(iter.key(), index_iter.key()) > 0) {
        return DataBlockError(handle, absl::DataLossError("keys out of order"));
      }
      previous.assign(iter.key().data(), iter.key().size());
      have_previous = true;
    }
    if (!iter.status().ok()) return DataBlockError(handle, iter.status());
  }
  return index_iter.status().ok() ? absl::OkStatus() : IndexError(index_iter.status());
}

}  // namespace kvlsm
