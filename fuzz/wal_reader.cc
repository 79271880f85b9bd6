// Fuzz target: LogReader (src/wal/log_reader.h) reading an untrusted WAL file, number 7,
// and each record it returns decoded as a write batch, as recovery does.
//
// Checked: records come in file order, each inside the file; dropped regions lie inside
// the file, in order, and a torn tail is the last thing reported (no record and no other
// drop after it); reading an in-memory file never fails; a batch that validates iterates
// over exactly Count() updates.
#include <string>
#include <string_view>

#include "db/write_batch_internal.h"
#include "fuzz/fuzz_util.h"
#include "kvlsm/write_batch.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"

namespace {

using kvlsm::LogReader;

class CheckingReporter final : public LogReader::Reporter {
 public:
  explicit CheckingReporter(size_t file_size) : file_size_(file_size) {}

  void Corruption(size_t bytes, const absl::Status& reason, uint64_t offset,
                  LogReader::DropKind kind) override {
    FUZZ_CHECK(!torn_tail_);  // Nothing follows a torn tail.
    FUZZ_CHECK(absl::IsDataLoss(reason));
    FUZZ_CHECK(offset + bytes <= file_size_);
    FUZZ_CHECK(offset >= end_of_last_drop_);
    end_of_last_drop_ = offset + bytes;
    torn_tail_ = kind == LogReader::DropKind::kTornTail;
  }
  bool torn_tail() const { return torn_tail_; }

 private:
  const size_t file_size_;
  uint64_t end_of_last_drop_ = 0;
  bool torn_tail_ = false;
};

class CountingHandler final : public kvlsm::WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view value) override { ++count; }
  void Delete(std::string_view key) override { ++count; }
  void Merge(std::string_view key, std::string_view operand) override { ++count; }
  uint32_t count = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = kvlsm::fuzz::AsView(data, size);
  CheckingReporter reporter(size);
  LogReader reader(std::make_unique<kvlsm::fuzz::StringSequentialFile>(std::string(bytes)),
                   &reporter, /*log_number=*/7);
  std::string scratch;
  std::string_view record;
  bool first = true;
  uint64_t previous_offset = 0;
  while (reader.ReadRecord(&record, &scratch)) {
    FUZZ_CHECK(!reporter.torn_tail());
    const uint64_t offset = reader.LastRecordOffset();
    FUZZ_CHECK(first || offset > previous_offset);
    FUZZ_CHECK(offset + kvlsm::log::kHeaderSize + record.size() <= size);
    first = false;
    previous_offset = offset;

    kvlsm::WriteBatch batch;
    if (!kvlsm::WriteBatchInternal::SetContents(&batch, record).ok()) continue;
    if (kvlsm::WriteBatchInternal::Validate(batch).ok()) {
      CountingHandler handler;
      FUZZ_CHECK_OK(batch.Iterate(&handler));
      FUZZ_CHECK(handler.count == batch.Count());
    }
  }
  FUZZ_CHECK_OK(reader.status());
  return 0;
}
