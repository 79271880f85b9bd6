#include "sstdump/sst_commands.h"

#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "base/dbformat.h"
#include "common/field_output.h"
#include "common/progress_bar.h"
#include "common/table_check.h"
#include "kvlsm/comparator.h"
#include "kvlsm/sst.h"
#include "table/block.h"

namespace kvlsm::tools {
namespace {

// Opens the pair with the public reader: the built-in comparator, the filter ignored.
absl::StatusOr<std::unique_ptr<SstReader>> OpenReader(const TablePaths& paths,
                                                      const SstDumpSettings& settings) {
  SstOptions options;
  options.env = settings.env;
  options.filter_policy = nullptr;
  return SstReader::Open(options, paths.sst, paths.idx);
}

// Counts the entries of a data block, checking that they decode.
absl::StatusOr<uint64_t> CountEntries(BlockContents contents, std::string* first_key) {
  const InternalKeyComparator comparator(BytewiseComparator());
  const Block block(std::move(contents));
  BlockIter iter;
  block.InitIterator(&comparator, &iter);
  uint64_t entries = 0;
  for (iter.SeekToFirst(); iter.Valid(); iter.Next()) {
    if (entries++ == 0) first_key->assign(iter.key().data(), iter.key().size());
  }
  if (!iter.status().ok()) return iter.status();
  return entries;
}

void WriteHandle(support::JsonWriter* json, std::string_view name, const BlockHandle& handle) {
  json->Key(name);
  json->BeginObject();
  json->Member("offset", handle.offset);
  json->Member("size", handle.size);
  json->EndObject();
}

std::string HandleText(const BlockHandle& handle) {
  return absl::StrFormat("offset %d, %d bytes + %d trailer", handle.offset, handle.size,
                         kBlockTrailerSize);
}

}  // namespace

absl::Status CheckTable(const TablePaths& paths, const SstDumpSettings& settings) {
  auto layout = TableLayout::Read(settings.env, paths);
  if (!layout.ok()) return layout.status();
  std::vector<absl::Status> problems = layout->problems();
  const size_t blocks = layout->data_blocks().size();
  {
    ProgressBar progress("check", blocks, "data blocks");
    for (size_t i = 0; i < blocks; ++i) {
      auto block = layout->ReadDataBlock(i);
      if (!block.ok()) problems.push_back(block.status());
      progress.Update(i + 1);
    }
  }
  const Footer& footer = layout->footer();
  std::vector<Field> fields = {
      {"magic", std::string(kTableIndexMagic)},
      {"format_version", uint64_t{footer.format_version}},
      {"footer_size", uint64_t{footer.encoded_size}},
      {"index_file_size", layout->idx_size()},
      {"data_file_size", layout->sst_size()},
      {"data_blocks_checked", uint64_t{blocks}},
      {"problems_found", uint64_t{problems.size()}},
  };
  WriteFields(fields, settings.json, "  ");
  WriteProblems("problems", problems, settings.json, "  ");
  return FirstProblem(problems);
}

absl::Status ScanTable(const TablePaths& paths, const SstDumpSettings& settings) {
  auto reader = OpenReader(paths, settings);
  if (!reader.ok()) return reader.status();
  const BytesFormat& format = settings.format;
  support::JsonWriter* json = settings.json;
  std::unique_ptr<SstEntryIterator> iter = (*reader)->NewRawIterator();
  if (json != nullptr) {
    json->Key("entries");
    json->BeginArray();
  }
  const uint64_t shown =
      ScanRange(iter.get(), settings.range, (*reader)->properties().num_entries, [&] {
        const char* type = EntryTypeName(static_cast<uint8_t>(iter->type()));
        if (json != nullptr) {
          json->BeginObject();
          json->Member("key", format.Encode(iter->key()));
          json->Member("sequence", iter->sequence());
          json->Member("type", type);
          json->Member("value", format.Encode(iter->value()));
          json->EndObject();
        } else {
          std::printf("%s @%llu %s => %s\n", format.Show(iter->key()).c_str(),
                      static_cast<unsigned long long>(iter->sequence()), type,
                      format.Show(iter->value()).c_str());
        }
      });
  if (json != nullptr) {
    json->EndArray();
    json->Member("count", shown);
  }
  return iter->status();
}

absl::Status DumpRawBlocks(const TablePaths& paths, const SstDumpSettings& settings) {
  auto layout = TableLayout::Read(settings.env, paths);
  if (!layout.ok()) return layout.status();
  support::JsonWriter* json = settings.json;
  const Footer& footer = layout->footer();
  if (json != nullptr) {
    json->Member("format_version", uint64_t{footer.format_version});
    WriteHandle(json, "index_block", footer.index_handle);
    if (footer.has_filter()) {
      WriteHandle(json, "filter_block", footer.filter_handle);
    } else {
      json->Key("filter_block");
      json->Null();
    }
    WriteHandle(json, "properties_block", footer.properties_handle);
    json->Key("data_blocks");
    json->BeginArray();
  } else {
    std::printf("  %s: format version %u, footer %u bytes\n", paths.idx.c_str(),
                footer.format_version, footer.encoded_size);
    std::printf("    index block: %s\n", HandleText(footer.index_handle).c_str());
    std::printf("    filter block: %s\n",
                footer.has_filter() ? HandleText(footer.filter_handle).c_str() : "none");
    std::printf("    properties block: %s\n", HandleText(footer.properties_handle).c_str());
    std::printf("  %s: %zu data blocks\n", paths.sst.c_str(), layout->data_blocks().size());
  }
  std::vector<absl::Status> problems = layout->problems();
  const size_t blocks = layout->data_blocks().size();
  for (size_t i = 0; i < blocks && !settings.range.LimitReached(i); ++i) {
    const DataBlockEntry& entry = layout->data_blocks()[i];
    std::vector<Field> fields = {
        {"block", uint64_t{i}}, {"offset", entry.handle.offset}, {"size", entry.handle.size}};
    auto compression = layout->StoredCompression(i);
    if (compression.ok()) {
      fields.push_back({"compression", *compression == 0   ? std::string("none")
                                       : *compression == 1 ? std::string("zstd")
                                                           : absl::StrFormat("%d", *compression)});
    }
    AddInternalKeyFields(&fields, "separator", entry.separator, settings.format);
    std::string first_key;
    absl::StatusOr<uint64_t> entries = absl::UnknownError("not read");
    auto contents = layout->ReadDataBlock(i);
    if (!contents.ok()) {
      entries = contents.status();
    } else if (entries = CountEntries(*std::move(contents), &first_key); !entries.ok()) {
      entries =
          absl::DataLossError(absl::StrFormat("%s: data block at offset %d: %s", paths.sst,
                                              entry.handle.offset, entries.status().message()));
    }
    if (entries.ok()) {
      fields.push_back({"entries", *entries});
      if (*entries > 0) AddInternalKeyFields(&fields, "first_key", first_key, settings.format);
    } else {
      fields.push_back({"error", std::string(entries.status().message())});
      problems.push_back(entries.status());
    }
    WriteRecord(fields, json, "    ");
  }
  if (json != nullptr) json->EndArray();
  WriteProblems("problems", problems, json, "  ");
  return FirstProblem(problems);
}

absl::Status DumpProperties(const TablePaths& paths, const SstDumpSettings& settings) {
  auto layout = TableLayout::Read(settings.env, paths);
  if (!layout.ok()) return layout.status();
  if (!layout->properties().has_value()) return FirstProblem(layout->problems());
  const TableProperties& p = *layout->properties();
  const BytesFormat& format = settings.format;
  // Bytes of keys and values as written, per byte of the .sst: prefix compression and
  // block compression together (trailers and restart arrays count against it).
  const double ratio = p.data_size == 0
                           ? 0.0
                           : static_cast<double>(p.raw_key_bytes + p.raw_value_bytes) / p.data_size;
  std::vector<Field> fields = {
      {"format_version", uint64_t{p.format_version}},
      {"file_number", p.file_number},
      {"num_entries", p.num_entries},
      {"num_puts", p.num_entries - std::min(p.num_entries, p.num_deletions + p.num_merges)},
      {"num_deletions", p.num_deletions},
      {"num_merges", p.num_merges},
      {"raw_key_bytes", p.raw_key_bytes},
      {"raw_value_bytes", p.raw_value_bytes},
      {"data_size", p.data_size},
      {"index_size", p.index_size},
      {"filter_size", p.filter_size},
      {"index_file_size", layout->idx_size()},
      {"num_data_blocks", p.num_data_blocks},
  };
  if (!p.smallest_key.empty())
    AddInternalKeyFields(&fields, "smallest_key", p.smallest_key, format);
  if (!p.largest_key.empty()) AddInternalKeyFields(&fields, "largest_key", p.largest_key, format);
  const std::vector<Field> rest = {
      {"smallest_seqno", p.smallest_seqno}, {"largest_seqno", p.largest_seqno},
      {"compression", p.compression},       {"compression_ratio", ratio},
      {"comparator", p.comparator_name},    {"filter_policy", p.filter_policy_name},
      {"creation_time", p.creation_time},   {"creation_time_utc", FormatUnixTime(p.creation_time)},
  };
  fields.insert(fields.end(), rest.begin(), rest.end());
  WriteFields(fields, settings.json, "  ");
  WriteProblems("problems", layout->problems(), settings.json, "  ");
  return FirstProblem(layout->problems());
}

absl::Status VerifyTable(const TablePaths& paths, const SstDumpSettings& settings) {
  absl::StatusOr<TableReadResult> result;
  {
    ProgressBar progress("verify", 0, "entries");
    result = ReadWholeTable(settings.env, paths.sst, paths.idx,
                            [&progress](uint64_t entries) { progress.Update(entries); });
  }
  if (!result.ok()) return result.status();
  WriteFields({{"entries", result->entries}, {"data_blocks", result->data_blocks}}, settings.json,
              "  ");
  return absl::OkStatus();
}

}  // namespace kvlsm::tools
