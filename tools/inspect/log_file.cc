#include "inspect/log_file.h"

#include "absl/strings/str_format.h"
#include "db/write_batch_internal.h"

namespace kvlsm::tools {

absl::Status ReadWalFile(Env* env, const std::string& path, uint64_t number,
                         const std::function<void(uint64_t, size_t, const WriteBatch&)>& on_batch,
                         std::vector<LogDrop>* drops, std::vector<absl::Status>* problems) {
  const size_t first_drop = drops->size();
  absl::Status s = ReadLogRecords(
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

}  // namespace kvlsm::tools
