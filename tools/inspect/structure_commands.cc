#include "inspect/structure_commands.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "base/filename.h"
#include "common/field_output.h"
#include "db/write_batch_internal.h"
#include "inspect/db_files.h"
#include "inspect/log_file.h"
#include "inspect/manifest_reader.h"
#include "wal/wal_files.h"

namespace kvlsm::tools {
namespace {

std::vector<Field> TableFields(const FileMetaData& meta, const BytesFormat& format) {
  std::vector<Field> fields = {{"table", absl::StrFormat("%06d", meta.number)},
                               {"data_size", meta.data_size},
                               {"index_size", meta.index_size}};
  AddInternalKeyFields(&fields, "smallest", meta.smallest, format);
  AddInternalKeyFields(&fields, "largest", meta.largest, format);
  const std::vector<Field> rest = {{"smallest_seqno", meta.smallest_seqno},
                                   {"largest_seqno", meta.largest_seqno},
                                   {"entries", meta.num_entries},
                                   {"deletions", meta.num_deletions},
                                   {"created", FormatUnixTime(meta.creation_time)}};
  fields.insert(fields.end(), rest.begin(), rest.end());
  return fields;
}

// The scalar fields an edit sets, and its table changes.
std::vector<Field> EditFields(const ManifestEditRecord& record) {
  const VersionEdit& e = record.edit;
  std::vector<Field> fields = {{"offset", record.offset}};
  if (e.format_version) fields.push_back({"format_version", uint64_t{*e.format_version}});
  if (e.comparator) fields.push_back({"comparator", *e.comparator});
  if (e.merge_operator) fields.push_back({"merge_operator", *e.merge_operator});
  if (e.log_number) fields.push_back({"log_number", *e.log_number});
  if (e.next_file_number) fields.push_back({"next_file_number", *e.next_file_number});
  if (e.last_sequence) fields.push_back({"last_sequence", *e.last_sequence});
  std::string added;
  for (const auto& [level, meta] : e.new_files) {
    absl::StrAppendFormat(&added, "%sL%d:%06d", added.empty() ? "" : ",", level, meta.number);
  }
  std::string removed;
  for (const auto& [level, number] : e.deleted_files) {
    absl::StrAppendFormat(&removed, "%sL%d:%06d", removed.empty() ? "" : ",", level, number);
  }
  if (!added.empty()) fields.push_back({"added", added});
  if (!removed.empty()) fields.push_back({"removed", removed});
  return fields;
}

void WriteDrops(const std::vector<LogDrop>& drops, support::JsonWriter* json,
                std::string_view indent) {
  if (json != nullptr) {
    json->Key("drops");
    json->BeginArray();
  }
  for (const LogDrop& d : drops) {
    WriteRecord({{"dropped_at", d.offset},
                 {"bytes", d.bytes},
                 {"kind", std::string(d.torn_tail ? "torn tail" : "damage")},
                 {"reason", d.reason}},
                json, indent);
  }
  if (json != nullptr) json->EndArray();
}

// Counts the updates of a write batch by type; keeps them when asked to.
class BatchSummary final : public WriteBatch::Handler {
 public:
  struct Update {
    const char* type;
    std::string key;
    std::string value;
  };
  explicit BatchSummary(bool keep) : keep_(keep) {}
  void Put(std::string_view key, std::string_view value) override { Add("PUT", key, value, &puts); }
  void Delete(std::string_view key) override { Add("DELETE", key, {}, &deletes); }
  void Merge(std::string_view key, std::string_view operand) override {
    Add("MERGE", key, operand, &merges);
  }
  uint64_t puts = 0;
  uint64_t deletes = 0;
  uint64_t merges = 0;
  std::vector<Update> updates;

 private:
  void Add(const char* type, std::string_view key, std::string_view value, uint64_t* counter) {
    ++*counter;
    if (keep_) updates.push_back({type, std::string(key), std::string(value)});
  }
  const bool keep_;
};

// Describes one WAL file; appends its damage to *problems.
absl::Status DescribeWal(const InspectContext& context, const std::string& path, uint64_t number,
                         const std::string& state, std::vector<absl::Status>* problems) {
  support::JsonWriter* json = context.json;
  auto size = context.env->GetFileSize(path);
  if (!size.ok()) return size.status();
  if (json != nullptr) {
    json->BeginObject();
    WriteFields({{"path", path}, {"state", state}, {"size", *size}}, json, "");
    json->Key("records");
    json->BeginArray();
  } else {
    std::printf("%s: %s, %llu bytes\n", path.c_str(), state.c_str(),
                static_cast<unsigned long long>(*size));
  }
  uint64_t records = 0;
  uint64_t updates = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  std::vector<LogDrop> drops;
  absl::Status s = ReadWalFile(
      context.env, path, number,
      [&](uint64_t offset, size_t bytes, const WriteBatch& batch) {
        BatchSummary summary(context.entries);
        batch.Iterate(&summary).IgnoreError();  // ReadWalFile validated it.
        const uint64_t sequence = WriteBatchInternal::Sequence(batch);
        if (records == 0) first_sequence = sequence;
        if (batch.Count() > 0)
          last_sequence = std::max(last_sequence, sequence + batch.Count() - 1);
        updates += batch.Count();
        if (context.range.LimitReached(records++)) return;
        if (json != nullptr) json->BeginObject();
        WriteFields({{"offset", offset},
                     {"bytes", uint64_t{bytes}},
                     {"sequence", sequence},
                     {"count", uint64_t{batch.Count()}},
                     {"puts", summary.puts},
                     {"deletes", summary.deletes},
                     {"merges", summary.merges}},
                    json, "  ", TextLayout::kOneLine);
        if (context.entries) {
          if (json != nullptr) {
            json->Key("updates");
            json->BeginArray();
          }
          for (const auto& u : summary.updates) {
            WriteRecord({{"type", std::string(u.type)},
                         {"key", context.format.Encode(u.key)},
                         {"value", context.format.Encode(u.value)}},
                        json, "      ");
          }
          if (json != nullptr) json->EndArray();
        }
        if (json != nullptr) json->EndObject();
      },
      &drops, problems);
  if (json != nullptr) json->EndArray();
  WriteDrops(drops, json, "  ");
  WriteFields({{"record_count", records},
               {"update_count", updates},
               {"first_sequence", first_sequence},
               {"last_sequence", last_sequence}},
              json, "  ", TextLayout::kOneLine);
  if (json != nullptr) json->EndObject();
  return s;
}

}  // namespace

absl::Status ManifestCommand(const InspectContext& context) {
  auto manifest = ReadManifest(context.env, context.db_path);
  if (!manifest.ok()) return manifest.status();
  support::JsonWriter* json = context.json;
  const VersionEdit& state = manifest->state;
  std::vector<Field> fields = {{"manifest", manifest->manifest_path},
                               {"manifest_size", manifest->manifest_size},
                               {"edit_count", uint64_t{manifest->edits.size()}},
                               {"comparator", state.comparator.value_or("")}};
  // Recorded once a Merge is written.
  if (state.merge_operator) fields.push_back({"merge_operator", *state.merge_operator});
  const std::vector<Field> rest = {{"log_number", state.log_number.value_or(0)},
                                   {"next_file_number", state.next_file_number.value_or(0)},
                                   {"last_sequence", state.last_sequence.value_or(0)},
                                   {"table_count", uint64_t{manifest->TableCount()}}};
  fields.insert(fields.end(), rest.begin(), rest.end());
  WriteFields(fields, json, "");
  if (json != nullptr) {
    json->Key("levels");
    json->BeginArray();
  }
  for (int level = 0; level < kNumLevels; ++level) {
    const FileList& tables = manifest->Level(level);
    uint64_t bytes = 0;
    for (const auto& t : tables) bytes += t->total_size();
    if (json != nullptr) {
      json->BeginObject();
      WriteFields({{"level", uint64_t(level)}, {"bytes", bytes}}, json, "");
      json->Key("tables");
      json->BeginArray();
    } else if (!tables.empty()) {
      std::printf("L%d: %zu tables, %llu bytes\n", level, tables.size(),
                  static_cast<unsigned long long>(bytes));
    }
    for (const auto& t : tables) {
      WriteRecord(TableFields(*t, context.format), json, "  ");
    }
    if (json != nullptr) {
      json->EndArray();
      json->EndObject();
    }
  }
  if (json != nullptr) json->EndArray();
  if (context.edits) {
    if (json != nullptr) {
      json->Key("edits");
      json->BeginArray();
    } else {
      std::printf("edits:\n");
    }
    for (const ManifestEditRecord& record : manifest->edits) {
      WriteRecord(EditFields(record), json, "  ");
    }
    if (json != nullptr) json->EndArray();
  }
  WriteDrops(manifest->drops, json, "");
  WriteProblems("problems", manifest->problems, json, "");
  return FirstProblem(manifest->problems);
}

absl::Status WalCommand(const InspectContext& context) {
  // Live or orphan depends on the MANIFEST's log number; without it, unknown.
  auto manifest = ReadManifest(context.env, context.db_path);
  auto state_of = [&](uint64_t number) -> std::string {
    if (!manifest.ok() || !manifest->state.log_number) return "unknown";
    return number >= *manifest->state.log_number ? "live" : "orphan";
  };
  std::vector<std::pair<std::string, uint64_t>> wals;  // (path, number)
  if (!context.wal_file.empty()) {
    wals.emplace_back(context.wal_file, context.wal_file_number);
  } else {
    auto numbers = ListWalNumbers(context.env, context.db_path);
    if (!numbers.ok()) return numbers.status();
    for (uint64_t number : *numbers)
      wals.emplace_back(LogFileName(context.db_path, number), number);
  }
  support::JsonWriter* json = context.json;
  if (json != nullptr) {
    json->Key("wal_files");
    json->BeginArray();
  }
  std::vector<absl::Status> problems;
  for (const auto& [path, number] : wals) {
    absl::Status s = DescribeWal(context, path, number, state_of(number), &problems);
    if (!s.ok()) problems.push_back(s);
  }
  if (json != nullptr) json->EndArray();
  WriteProblems("problems", problems, json, "");
  return FirstProblem(problems);
}

absl::Status FilesCommand(const InspectContext& context) {
  std::vector<absl::Status> problems;
  auto manifest = ReadManifest(context.env, context.db_path);
  if (!manifest.ok()) {
    if (absl::IsNotFound(manifest.status())) return manifest.status();
    problems.push_back(manifest.status());
  } else {
    problems = manifest->problems;
  }
  const std::vector<DbFile> files = ListDbFiles(context.env, context.db_path, context.index_dir,
                                                manifest.ok() ? &*manifest : nullptr, &problems);
  support::JsonWriter* json = context.json;
  if (json != nullptr) {
    json->Key("files");
    json->BeginArray();
  }
  for (const DbFile& f : files) {
    std::vector<Field> fields = {
        {"path", f.path}, {"kind", f.kind}, {"size", f.size}, {"state", f.state}};
    if (!f.note.empty()) fields.push_back({"note", f.note});
    WriteRecord(fields, json, "");
  }
  if (json != nullptr) json->EndArray();
  WriteProblems("problems", problems, json, "");
  return FirstProblem(problems);
}

absl::Status StatsCommand(const InspectContext& context) {
  auto db = OpenDBForReading(context);
  if (!db.ok()) return db.status();
  std::vector<std::string> names = {"kvlsm.last-sequence",
                                    "kvlsm.total-table-bytes",
                                    "kvlsm.cur-size-all-mem-tables",
                                    "kvlsm.num-immutable-mem-table",
                                    "kvlsm.num-entries-active-mem-table",
                                    "kvlsm.index-and-filter-memory",
                                    "kvlsm.block-cache-capacity",
                                    "kvlsm.background-error"};
  for (int level = 0; level < kNumLevels; ++level) {
    names.push_back(absl::StrFormat("kvlsm.num-files-at-level%d", level));
  }
  std::vector<Field> fields;
  for (const std::string& name : names) {
    if (std::optional<std::string> value = (*db)->GetProperty(name)) {
      fields.push_back({name, *value});
    }
  }
  const std::string stats = (*db)->GetProperty("kvlsm.stats").value_or("");
  if (context.json != nullptr) {
    context.json->Member("stats", stats);
    context.json->Key("properties");
    context.json->BeginObject();
    WriteFields(fields, context.json, "");
    context.json->EndObject();
  } else {
    std::printf("%s\n", stats.c_str());
    WriteFields(fields, nullptr, "");
  }
  return absl::OkStatus();
}

}  // namespace kvlsm::tools
