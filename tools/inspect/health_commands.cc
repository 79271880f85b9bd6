#include "inspect/health_commands.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "base/filename.h"
#include "cache/table_cache.h"
#include "common/field_output.h"
#include "common/progress_bar.h"
#include "common/table_check.h"
#include "inspect/log_file.h"
#include "inspect/manifest_reader.h"
#include "wal/wal_files.h"

namespace kvlsm::tools {
namespace {

// Both halves present with the recorded sizes (the engine's check), then a full read.
absl::StatusOr<TableReadResult> VerifyTable(const InspectContext& context,
                                            const ManifestContents& manifest,
                                            const FileMetaData& meta, ProgressBar* progress,
                                            uint64_t bytes_before) {
  if (absl::Status s = CheckTableFiles(context.env, context.db_path, context.index_dir, meta);
      !s.ok()) {
    return s;
  }
  const std::string sst = TableFileName(context.db_path, meta.number);
  const std::string idx = TableIndexFileName(context.index_dir, meta.number);
  auto result = ReadWholeTable(context.env, sst, idx, [&](uint64_t entries) {
    const uint64_t share =
        meta.num_entries == 0 ? 0 : meta.total_size() * entries / meta.num_entries;
    progress->Update(bytes_before + std::min(share, meta.total_size()));
  });
  if (result.ok() && result->entries != meta.num_entries) {
    return absl::DataLossError(absl::StrFormat("%s: %d entries, but %s records %d", sst,
                                               result->entries, manifest.manifest_path,
                                               meta.num_entries));
  }
  return result;
}

// Every record of a live WAL; appends damage to *problems.
void VerifyWal(const InspectContext& context, const std::string& path, uint64_t number,
               std::vector<absl::Status>* problems) {
  const size_t problems_before = problems->size();
  uint64_t records = 0;
  std::vector<LogDrop> drops;
  absl::Status s = ReadWalFile(
      context.env, path, number, [&](uint64_t, size_t, const WriteBatch&) { ++records; }, &drops,
      problems);
  if (!s.ok()) problems->push_back(s);
  std::string torn_tail;
  for (const LogDrop& d : drops) {
    if (d.torn_tail) torn_tail = absl::StrFormat("at byte %d, %d bytes", d.offset, d.bytes);
  }
  std::vector<Field> fields = {
      {"wal", path}, {"records", records}, {"ok", problems->size() == problems_before}};
  // A torn tail is what a crash, or a writer still appending, leaves: not damage.
  if (!torn_tail.empty()) fields.push_back({"torn_tail", torn_tail});
  WriteRecord(fields, context.json, "  ");
}

void WriteLevelCounts(DB* db, std::string_view name, support::JsonWriter* json) {
  std::vector<uint64_t> counts;
  for (int level = 0; level < kNumLevels; ++level) {
    const std::optional<std::string> value =
        db->GetProperty(absl::StrFormat("kvlsm.num-files-at-level%d", level));
    uint64_t count = 0;
    if (value && !absl::SimpleAtoi(*value, &count)) count = 0;
    counts.push_back(count);
  }
  if (json != nullptr) {
    json->Key(name);
    json->BeginArray();
    for (uint64_t c : counts) json->Uint(c);
    json->EndArray();
    return;
  }
  std::string line;
  for (int level = 0; level < kNumLevels; ++level) {
    absl::StrAppendFormat(&line, " L%d=%d", level, counts[level]);
  }
  std::printf("%s:%s\n", std::string(name).c_str(), line.c_str());
}

}  // namespace

absl::Status VerifyCommand(const InspectContext& context) {
  auto manifest = ReadManifest(context.env, context.db_path);
  if (!manifest.ok()) return manifest.status();
  support::JsonWriter* json = context.json;
  std::vector<absl::Status> problems = manifest->problems;
  WriteFields({{"manifest", manifest->manifest_path}, {"manifest_ok", manifest->problems.empty()}},
              json, "", TextLayout::kOneLine);

  uint64_t total_bytes = 0;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& table : manifest->Level(level)) total_bytes += table->total_size();
  }
  if (json != nullptr) {
    json->Key("tables");
    json->BeginArray();
  }
  uint64_t entries = 0;
  {
    ProgressBar progress("verify", total_bytes, "bytes");
    uint64_t bytes_done = 0;
    for (int level = 0; level < kNumLevels; ++level) {
      for (const auto& table : manifest->Level(level)) {
        auto result = VerifyTable(context, *manifest, *table, &progress, bytes_done);
        bytes_done += table->total_size();
        progress.Update(bytes_done);
        std::vector<Field> fields = {{"table", absl::StrFormat("%06d", table->number)},
                                     {"level", uint64_t(level)},
                                     {"ok", result.ok()}};
        if (result.ok()) {
          entries += result->entries;
          fields.push_back({"entries", result->entries});
        } else {
          fields.push_back({"error", std::string(result.status().message())});
          problems.push_back(result.status());
        }
        progress.BeforeOutput();
        WriteRecord(fields, json, "  ");
      }
    }
  }
  if (json != nullptr) {
    json->EndArray();
    json->Key("wal_files");
    json->BeginArray();
  }
  // WALs below the log number hold nothing live (the files command lists them as orphans).
  auto wals = ListWalNumbers(context.env, context.db_path, manifest->state.log_number.value_or(0));
  if (!wals.ok()) return wals.status();
  const std::vector<uint64_t>& logs = *wals;
  for (uint64_t number : logs) {
    VerifyWal(context, LogFileName(context.db_path, number), number, &problems);
  }
  if (json != nullptr) json->EndArray();
  WriteFields({{"tables_verified", uint64_t{manifest->TableCount()}},
               {"table_bytes", total_bytes},
               {"entries", entries},
               {"wal_files_verified", uint64_t{logs.size()}},
               {"problem_count", uint64_t{problems.size()}}},
              json, "", TextLayout::kOneLine);
  WriteProblems("problems", problems, json, "");
  return FirstProblem(problems);
}

absl::Status CompactCommand(const InspectContext& context) {
  auto db = OpenDBForWriting(context);
  if (!db.ok()) return db.status();
  WriteLevelCounts(db->get(), "files_per_level_before", context.json);
  std::optional<std::string_view> begin;
  std::optional<std::string_view> end;
  if (context.range.from) begin = *context.range.from;
  if (context.range.to) end = *context.range.to;
  absl::Status s = (*db)->CompactRange(begin, end);
  if (!s.ok()) return s;
  WriteLevelCounts(db->get(), "files_per_level_after", context.json);
  return absl::OkStatus();
}

}  // namespace kvlsm::tools
