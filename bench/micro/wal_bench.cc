// LogWriter::AddRecord micro-benchmark, without Sync, to a WritableFile that discards its
// input: the cost of framing (fragmenting, checksumming, assembling the one Append).
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "kvlsm/env.h"
#include "util/random.h"
#include "wal/log_writer.h"

namespace kvlsm {
namespace {

class NullWritableFile : public WritableFile {
 public:
  absl::Status Append(std::string_view data) override {
    benchmark::DoNotOptimize(data.data());
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }
};

void BM_LogAddRecord(benchmark::State& state) {
  const size_t record_size = static_cast<size_t>(state.range(0));
  std::string record(record_size, '\0');
  Random rnd(1);
  for (char& c : record) c = static_cast<char>(rnd.Next());
  LogWriter writer(std::make_unique<NullWritableFile>(), /*log_number=*/7);
  for (auto _ : state) {
    absl::Status s = writer.AddRecord(record);
    if (!s.ok()) state.SkipWithError("AddRecord failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * record_size));
}
BENCHMARK(BM_LogAddRecord)->ArgNames({"bytes"})->Arg(120)->Arg(4096);

}  // namespace
}  // namespace kvlsm
