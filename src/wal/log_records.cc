#include "wal/log_records.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "wal/log_reader.h"

namespace kvlsm {
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

absl::Status ReadLogRecords(std::unique_ptr<SequentialFile> file, uint64_t number,
                            const LogRecordCallback& on_record, std::vector<LogDrop>* drops) {
  DropRecorder recorder(drops);
  LogReader reader(std::move(file), &recorder, number);
  std::string scratch;
  std::string_view record;
  while (reader.ReadRecord(&record, &scratch)) on_record(reader.LastRecordOffset(), record);
  return reader.status();
}

absl::Status ReadLogRecords(Env* env, const std::string& path, uint64_t number,
                            const LogRecordCallback& on_record, std::vector<LogDrop>* drops) {
  auto file = env->NewSequentialFile(path);
  if (!file.ok()) return file.status();
  return ReadLogRecords(*std::move(file), number, on_record, drops);
}

absl::Status DropStatus(const std::string& path, const LogDrop& drop) {
  return absl::DataLossError(
      absl::StrFormat("%s: %s%s", path, drop.reason, drop.torn_tail ? " (torn tail)" : ""));
}

}  // namespace kvlsm
