#include "table/table_builder.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "util/coding.h"

namespace kvlsm {
namespace {

// Index blocks restart at every entry: they are searched, never scanned, and kept in
// memory, where binary search over full keys beats saving a few bytes.
constexpr int kIndexRestartInterval = 1;

// Entries (and so blocks) must stay well inside the 32-bit offsets of a block.
constexpr size_t kMaxBlockBytes = size_t{1} << 31;

// The trailer that sorts an internal key first among the entries of its user key.
constexpr uint64_t kSeekTrailer = (kMaxSequenceNumber << 8) | static_cast<uint8_t>(kTypeForSeek);

std::string Escaped(std::string_view key) { return absl::CHexEscape(std::string(key)); }

}  // namespace

TableBuilder::TableBuilder(const TableBuilderOptions& options, WritableFile* data_file,
                           WritableFile* index_file)
    : options_(options),
      data_file_(data_file),
      index_file_(index_file),
      data_block_(std::max(1, options.block_restart_interval)),
      index_block_(kIndexRestartInterval),
      compressor_(options.compression, options.zstd_level) {
  assert(options.comparator != nullptr);
  if (options.filter_policy != nullptr) filter_builder_ = options.filter_policy->NewBuilder();
}

TableBuilder::~TableBuilder() = default;

void TableBuilder::Add(std::string_view internal_key, std::string_view value) {
  assert(!closed_);
  if (!status_.ok() || closed_) return;
  ParsedInternalKey parsed;
  if (!ParseInternalKey(internal_key, &parsed)) {
    status_ = absl::InvalidArgumentError(
        absl::StrFormat("table key '%s' is not an internal key", Escaped(internal_key)));
    return;
  }
  if (internal_key.size() + value.size() >= kMaxBlockBytes) {
    status_ = absl::InvalidArgumentError(
        absl::StrFormat("entry of %d bytes for key '%s' is too large for a table (limit 2 GiB)",
                        internal_key.size() + value.size(), Escaped(parsed.user_key)));
    return;
  }
  if (properties_.num_entries > 0 && options_.comparator->Compare(internal_key, last_key_) <= 0) {
    status_ =
        absl::InvalidArgumentError(absl::StrFormat("table keys out of order: '%s' added after '%s'",
                                                   Escaped(internal_key), Escaped(last_key_)));
    return;
  }
  if (!data_block_.empty() &&
      data_block_.CurrentSizeEstimate() + internal_key.size() + value.size() + 15 >=
          kMaxBlockBytes) {
    FlushDataBlock();
    if (!status_.ok()) return;
  }
  if (pending_index_entry_) AddPendingIndexEntry(internal_key);

  if (filter_builder_ != nullptr &&
      (properties_.num_entries == 0 || parsed.user_key != ExtractUserKey(last_key_))) {
    filter_builder_->AddKey(parsed.user_key);
  }
  if (properties_.num_entries == 0) {
    properties_.smallest_key.assign(internal_key.data(), internal_key.size());
    properties_.smallest_seqno = parsed.sequence;
    properties_.largest_seqno = parsed.sequence;
  } else {
    properties_.smallest_seqno = std::min(properties_.smallest_seqno, parsed.sequence);
    properties_.largest_seqno = std::max(properties_.largest_seqno, parsed.sequence);
  }
  ++properties_.num_entries;
  if (parsed.type == ValueType::kDelete) ++properties_.num_deletions;
  if (parsed.type == ValueType::kMerge) ++properties_.num_merges;
  properties_.raw_key_bytes += internal_key.size();
  properties_.raw_value_bytes += value.size();
  last_key_.assign(internal_key.data(), internal_key.size());

  data_block_.Add(internal_key, value);
  if (data_block_.CurrentSizeEstimate() >= options_.block_size) FlushDataBlock();
}

void TableBuilder::FlushDataBlock() {
  if (data_block_.empty() || !status_.ok()) return;
  CompressionType type;
  const std::string_view payload = compressor_.Compress(data_block_.Finish(), &type);
  WriteBlock(data_file_, payload, type, &data_offset_, &pending_handle_);
  data_block_.Reset();
  if (!status_.ok()) return;
  pending_index_entry_ = true;
  ++properties_.num_data_blocks;
}

void TableBuilder::WriteBlock(WritableFile* file, std::string_view payload, CompressionType type,
                              uint64_t* offset, BlockHandle* handle) {
  char trailer[kBlockTrailerSize];
  EncodeBlockTrailer(payload, type, trailer);
  handle->offset = *offset;
  handle->size = payload.size();
  status_ = file->Append(payload);
  if (status_.ok()) status_ = file->Append(std::string_view(trailer, kBlockTrailerSize));
  if (status_.ok()) *offset += payload.size() + kBlockTrailerSize;
}

void TableBuilder::AddPendingIndexEntry(std::string_view next_key) {
  const Comparator* user = options_.comparator->user_comparator();
  const std::string_view last_user = ExtractUserKey(last_key_);
  std::string shorter(last_user);
  if (next_key.empty()) {
    user->FindShortSuccessor(&shorter);
  } else {
    user->FindShortestSeparator(&shorter, ExtractUserKey(next_key));
  }
  // Use the shorter user key only when it really is shorter and still in range (a
  // comparator's shortening is a hint, not trusted); it then gets the trailer that sorts
  // before every real entry of that user key.
  if (shorter.size() < last_user.size() && user->Compare(last_user, shorter) < 0 &&
      (next_key.empty() || user->Compare(shorter, ExtractUserKey(next_key)) < 0)) {
    PutFixed64(&shorter, kSeekTrailer);
    separator_.swap(shorter);
  } else {
    separator_ = last_key_;
  }
  std::string handle;
  pending_handle_.EncodeTo(&handle);
  index_block_.Add(separator_, handle);
  pending_index_entry_ = false;
}

absl::Status TableBuilder::Finish() {
  assert(!closed_);
  FlushDataBlock();
  closed_ = true;
  if (!status_.ok()) return status_;
  if (pending_index_entry_) AddPendingIndexEntry({});

  properties_.data_size = data_offset_;
  properties_.largest_key = last_key_;
  properties_.compression = CompressionTypeName(options_.compression);
  properties_.comparator_name = options_.comparator->user_comparator()->Name();
  if (filter_builder_ != nullptr) properties_.filter_policy_name = options_.filter_policy->Name();
  properties_.creation_time = options_.creation_time;
  properties_.file_number = options_.file_number;
  properties_.format_version = kTableFormatVersion;

  Footer footer;
  WriteBlock(index_file_, index_block_.Finish(), CompressionType::kNone, &index_offset_,
             &footer.index_handle);
  if (!status_.ok()) return status_;
  properties_.index_size = footer.index_handle.size + kBlockTrailerSize;
  if (filter_builder_ != nullptr) {
    std::string filter;
    filter_builder_->Finish(&filter);
    WriteBlock(index_file_, filter, CompressionType::kNone, &index_offset_, &footer.filter_handle);
    if (!status_.ok()) return status_;
    properties_.filter_size = footer.filter_handle.size + kBlockTrailerSize;
  }
  std::string block;
  properties_.EncodeTo(&block);
  WriteBlock(index_file_, block, CompressionType::kNone, &index_offset_, &footer.properties_handle);
  if (!status_.ok()) return status_;
  block.clear();
  footer.EncodeTo(&block);
  status_ = index_file_->Append(block);
  if (status_.ok()) index_offset_ += block.size();
  return status_;
}

void TableBuilder::Abandon() {
  assert(!closed_);
  closed_ = true;
}

}  // namespace kvlsm
