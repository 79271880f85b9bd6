#include "sstdump/table_layout.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "base/dbformat.h"
#include "kvlsm/comparator.h"
#include "table/block.h"

namespace kvlsm::tools {
namespace {

constexpr std::string_view kDataSuffix = ".sst";
constexpr std::string_view kIndexSuffix = ".idx";
// TableBuilder never writes a larger .idx; a larger size is damage, not a reason to
// allocate.
constexpr uint64_t kMaxIndexFileSize = uint64_t{1} << 31;

absl::Status Damaged(const std::string& file, std::string_view what) {
  return absl::DataLossError(absl::StrFormat("%s: %s", file, what));
}

}  // namespace

absl::StatusOr<TablePaths> ResolveTablePaths(std::string_view file,
                                             const std::optional<std::string>& index_dir) {
  const bool is_sst = file.ends_with(kDataSuffix);
  if (!is_sst && !file.ends_with(kIndexSuffix)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: a table file must end in .sst or .idx", file));
  }
  const std::string_view stem_path = file.substr(0, file.size() - kDataSuffix.size());
  TablePaths paths;
  paths.sst = absl::StrFormat("%s%s", stem_path, kDataSuffix);
  paths.idx = absl::StrFormat("%s%s", stem_path, kIndexSuffix);
  if (index_dir.has_value()) {
    const size_t slash = stem_path.rfind('/');
    const std::string_view stem =
        slash == std::string_view::npos ? stem_path : stem_path.substr(slash + 1);
    paths.idx = absl::StrFormat("%s/%s%s", *index_dir, stem, kIndexSuffix);
    if (!is_sst) {
      const std::string_view dir =
          slash == std::string_view::npos ? "." : stem_path.substr(0, slash);
      paths.sst = absl::StrFormat("%s/%s%s", dir, stem, kDataSuffix);
    }
  }
  return paths;
}

absl::Status CheckBothHalvesExist(Env* env, const TablePaths& paths, bool named_idx) {
  const std::string& named = named_idx ? paths.idx : paths.sst;
  const std::string& other = named_idx ? paths.sst : paths.idx;
  if (!env->FileExists(named))
    return absl::NotFoundError(absl::StrFormat("%s: no such file", named));
  if (!env->FileExists(other)) {
    return absl::DataLossError(absl::StrFormat("%s: missing (the %s half of table %s)", other,
                                               named_idx ? "data" : "index", named));
  }
  return absl::OkStatus();
}

absl::StatusOr<TableLayout> TableLayout::Read(Env* env, const TablePaths& paths) {
  TableLayout layout;
  layout.paths_ = paths;
  auto sst_size = env->GetFileSize(paths.sst);
  if (!sst_size.ok()) return sst_size.status();
  auto idx_size = env->GetFileSize(paths.idx);
  if (!idx_size.ok()) return idx_size.status();
  layout.sst_size_ = *sst_size;
  layout.idx_size_ = *idx_size;
  if (layout.idx_size_ > kMaxIndexFileSize) {
    return Damaged(paths.idx,
                   absl::StrFormat("implausible size %d for a table index", layout.idx_size_));
  }
  auto sst_file = env->NewRandomAccessFile(paths.sst);
  if (!sst_file.ok()) return sst_file.status();
  layout.sst_file_ = *std::move(sst_file);

  std::string contents;
  absl::Status s = ReadFileToString(env, paths.idx, &contents);
  if (!s.ok()) return s;
  absl::StatusOr<Footer> footer = Footer::DecodeFrom(contents, paths.idx);
  if (!footer.ok()) return footer.status();
  layout.footer_ = *footer;
  const std::string_view blocks =
      std::string_view(contents).substr(0, contents.size() - footer->encoded_size);
  auto problem = [&layout](absl::Status status) { layout.problems_.push_back(std::move(status)); };

  if (footer->has_filter()) {
    auto filter = DecodeBlock(blocks, footer->filter_handle, /*verify_checksum=*/true, paths.idx);
    if (!filter.ok()) problem(filter.status());
  }
  auto properties =
      DecodeBlock(blocks, footer->properties_handle, /*verify_checksum=*/true, paths.idx);
  if (!properties.ok()) {
    problem(properties.status());
  } else {
    TableProperties decoded;
    s = decoded.DecodeFrom(properties->data);
    if (s.ok()) {
      decoded.format_version = footer->format_version;
      layout.properties_ = std::move(decoded);
    } else {
      problem(Damaged(paths.idx, absl::StrFormat("properties block: %s", s.message())));
    }
  }

  if (footer->index_handle.offset != 0) {
    problem(Damaged(paths.idx, absl::StrFormat("index block at offset %d, not 0",
                                               footer->index_handle.offset)));
  }
  auto index = DecodeBlock(blocks, footer->index_handle, /*verify_checksum=*/true, paths.idx);
  if (!index.ok()) return index.status();
  const InternalKeyComparator comparator(BytewiseComparator());
  const Block index_block(*std::move(index));
  BlockIter iter;
  index_block.InitIterator(&comparator, &iter);
  for (iter.SeekToFirst(); iter.Valid(); iter.Next()) {
    DataBlockEntry entry;
    std::string_view value = iter.value();
    if (!entry.handle.DecodeFrom(&value) || !value.empty()) {
      problem(Damaged(paths.idx, absl::StrFormat("index entry %d: malformed block handle",
                                                 layout.data_blocks_.size())));
      continue;
    }
    entry.separator = std::string(iter.key());
    layout.data_blocks_.push_back(std::move(entry));
  }
  if (!iter.status().ok()) {
    problem(Damaged(paths.idx, absl::StrFormat("index block: %s", iter.status().message())));
  }
  layout.CheckTiling();
  return layout;
}

void TableLayout::CheckTiling() {
  const InternalKeyComparator comparator(BytewiseComparator());
  // Separator order is the table's comparator's: checkable only for the built-in one.
  const bool bytewise =
      properties_.has_value() && properties_->comparator_name == BytewiseComparator()->Name();
  uint64_t expected = 0;
  for (size_t i = 0; i < data_blocks_.size(); ++i) {
    const BlockHandle& handle = data_blocks_[i].handle;
    if (handle.offset != expected) {
      problems_.push_back(
          Damaged(paths_.idx, absl::StrFormat("data block %d at offset %d, expected %d (the blocks "
                                              "must tile %s)",
                                              i, handle.offset, expected, paths_.sst)));
    }
    if (!handle.End(&expected)) expected = handle.offset;
    if (bytewise && i > 0 &&
        comparator.Compare(data_blocks_[i - 1].separator, data_blocks_[i].separator) >= 0) {
      problems_.push_back(Damaged(
          paths_.idx, absl::StrFormat("index entries %d and %d are out of order", i - 1, i)));
    }
  }
  if (expected != sst_size_) {
    problems_.push_back(Damaged(paths_.sst, absl::StrFormat("has %d bytes but the index names "
                                                            "blocks covering %d",
                                                            sst_size_, expected)));
  }
  if (!properties_.has_value()) return;
  if (properties_->data_size != sst_size_) {
    problems_.push_back(Damaged(
        paths_.sst, absl::StrFormat("has %d bytes but %s records %d (truncated, extended or "
                                    "not this index's data half)",
                                    sst_size_, paths_.idx, properties_->data_size)));
  }
  if (properties_->num_data_blocks != data_blocks_.size()) {
    problems_.push_back(
        Damaged(paths_.idx, absl::StrFormat("the index names %d data blocks but the properties "
                                            "record %d",
                                            data_blocks_.size(), properties_->num_data_blocks)));
  }
  if (footer_.has_filter() == properties_->filter_policy_name.empty()) {
    problems_.push_back(Damaged(paths_.idx, footer_.has_filter()
                                                ? "a filter block without a filter policy name"
                                                : "a filter policy name without a filter block"));
  }
}

absl::Status TableLayout::CheckInSst(const BlockHandle& handle) const {
  uint64_t end;
  if (!handle.End(&end) || end > sst_size_) {
    return Damaged(paths_.idx,
                   absl::StrFormat("names a block at offset %d (%d bytes) past the end of %s "
                                   "(%d bytes)",
                                   handle.offset, handle.size, paths_.sst, sst_size_));
  }
  return absl::OkStatus();
}

absl::StatusOr<BlockContents> TableLayout::ReadDataBlock(size_t i) const {
  const BlockHandle& handle = data_blocks_[i].handle;
  if (absl::Status s = CheckInSst(handle); !s.ok()) return s;
  return ReadBlock(sst_file_.get(), handle, /*verify_checksum=*/true, paths_.sst);
}

absl::StatusOr<uint8_t> TableLayout::StoredCompression(size_t i) const {
  const BlockHandle& handle = data_blocks_[i].handle;
  if (absl::Status s = CheckInSst(handle); !s.ok()) return s;
  char scratch;
  std::string_view result;
  absl::Status s = sst_file_->Read(handle.offset + handle.size, 1, &result, &scratch);
  if (!s.ok()) return s;
  if (result.size() != 1) {
    return Damaged(paths_.sst,
                   absl::StrFormat("block at offset %d: truncated trailer", handle.offset));
  }
  return static_cast<uint8_t>(result[0]);
}

}  // namespace kvlsm::tools
