#include "inspect/data_commands.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"

namespace kvlsm::tools {

absl::Status GetCommand(const InspectContext& context) {
  auto db = OpenDBForReading(context);
  if (!db.ok()) return db.status();
  const std::string& key = context.args[0];
  std::string value;
  absl::Status s = (*db)->Get(ReadOptions(), key, &value);
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  const bool found = s.ok();
  if (context.json != nullptr) {
    context.json->Member("key", context.format.Encode(key));
    context.json->Member("found", found);
    if (found) context.json->Member("value", context.format.Encode(value));
  } else if (found) {
    std::printf("%s\n", context.format.Show(value).c_str());
  }
  if (!found) {
    return absl::NotFoundError(
        absl::StrFormat("key %s not found in %s", context.format.Show(key), context.db_path));
  }
  return absl::OkStatus();
}

absl::Status ScanCommand(const InspectContext& context) {
  auto db = OpenDBForReading(context);
  if (!db.ok()) return db.status();
  const KeyRange& range = context.range;
  ReadOptions read;
  read.fill_cache = false;
  read.lower_bound = range.from;
  read.upper_bound = range.to;
  std::unique_ptr<Iterator> iter = (*db)->NewIterator(read);
  support::JsonWriter* json = context.json;
  if (json != nullptr) {
    json->Key("entries");
    json->BeginArray();
  }
  const uint64_t shown = ScanRange(iter.get(), range, 0, [&] {
    if (json != nullptr) {
      json->BeginObject();
      json->Member("key", context.format.Encode(iter->key()));
      json->Member("value", context.format.Encode(iter->value()));
      json->EndObject();
    } else {
      std::printf("%s => %s\n", context.format.Show(iter->key()).c_str(),
                  context.format.Show(iter->value()).c_str());
    }
  });
  if (json != nullptr) {
    json->EndArray();
    json->Member("count", shown);
  }
  return iter->status();
}

absl::Status PutCommand(const InspectContext& context) {
  auto db = OpenDBForWriting(context);
  if (!db.ok()) return db.status();
  return (*db)->Put(WriteOptions{.sync = true}, context.args[0], context.args[1]);
}

absl::Status DeleteCommand(const InspectContext& context) {
  auto db = OpenDBForWriting(context);
  if (!db.ok()) return db.status();
  return (*db)->Delete(WriteOptions{.sync = true}, context.args[0]);
}

}  // namespace kvlsm::tools
