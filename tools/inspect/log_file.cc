#include "inspect/log_file.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "base/filename.h"
#include "db/write_batch_internal.h"
#include "wal/log_reader.h"

namespace kvlsm::tools {
namespace {

class DropRecorder final : public LogReader::Reporter {
 public:
  explicit DropRecorder(std::vector<LogDrop>* drops) : drops_(drops) {}
  void Corruption(size_t bytes, const absl::Status& reason, uint64_t offset,
                  LogReader::DropKind kind) override {
    drops_->push_back(LogDrop{offset, bytes, kind == LogReader::DropKind::kTornTail,
                              std::string(reason.message())});
  }

 private:
  std::vector<LogDrop>* const drops_;
};

}  // namespace

absl::Status ReadLogFile(Env* env, const std::string& path, uint64_t number,
                         const std::function<void(uint64_t, std::string_view)>& on_record,
                         std::vector<LogDrop>* drops) {
  auto file = env->NewSequentialFile(path);
  if (!file.ok()) return file.status();
  DropRecorder recorder(drops);
  LogReader reader(*std::move(file), &recorder, number);
  std::string scratch;
  std::string_view record;
  while (reader.ReadRecord(&record, &scratch)) on_record(reader.LastRecordOffset(), record);
  return reader.status();
}

absl::StatusOr<std::vector<uint64_t>> ListWalNumbers(Env* env, const std::string& dir) {
  auto children = env->GetChildren(dir);
  if (!children.ok()) return children.status();
  std::vector<uint64_t> numbers;
  for (const std::string& name : *children) {
    uint64_t number;
    FileType type;
    if (ParseFileName(name, &number, &type) && type == FileType::kLog) numbers.push_back(number);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

absl::Status ReadWalFile(Env* env, const std::string& path, uint64_t number,
                         const std::function<void(uint64_t, size_t, const WriteBatch&)>& on_batch,
                         std::vector<LogDrop>* drops, std::vector<absl::Status>* problems) {
  const size_t first_drop = drops->size();
  absl::Status s = ReadLogFile(
      env, path, number,
      [&](uint64_t offset, std::string_view record) {
        WriteBatch batch;
        absl::Status valid = WriteBatchInternal::SetContents(&batch, record);
        if (valid.ok()) valid = WriteBatchInternal::Validate(batch);
        if (valid.ok()) {
          on_batch(offset, record.size(), batch);
        } else {
          problems->push_back(absl::DataLossError(absl::StrFormat(
              "%s: record at byte %d holds a bad write batch: %s", path, offset, valid.message())));
        }
      },
      drops);
  for (size_t i = first_drop; i < drops->size(); ++i) {
    if (!(*drops)[i].torn_tail) problems->push_back(DropStatus(path, (*drops)[i]));
  }
  return s;
}

absl::Status DropStatus(const std::string& path, const LogDrop& drop) {
  return absl::DataLossError(
      absl::StrFormat("%s: %s%s", path, drop.reason, drop.torn_tail ? " (torn tail)" : ""));
}

}  // namespace kvlsm::tools
