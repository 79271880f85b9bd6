#include "common/table_check.h"

#include <memory>

#include "absl/strings/str_format.h"
#include "kvlsm/sst.h"

namespace kvlsm::tools {

absl::StatusOr<TableReadResult> ReadWholeTable(Env* env, const std::string& sst_path,
                                               const std::string& idx_path,
                                               const std::function<void(uint64_t)>& on_entries) {
  SstOptions options;
  options.env = env;
  options.filter_policy = nullptr;
  auto reader = SstReader::Open(options, sst_path, idx_path);
  if (!reader.ok()) return reader.status();
  absl::Status s = (*reader)->VerifyChecksums();
  if (!s.ok()) return s;
  const SstProperties properties = (*reader)->properties();
  std::unique_ptr<SstEntryIterator> iter = (*reader)->NewRawIterator();
  TableReadResult result;
  for (iter->SeekToFirst(); iter->Valid(); iter->Next()) on_entries(++result.entries);
  if (!iter->status().ok()) return iter->status();
  if (result.entries != properties.num_entries) {
    return absl::DataLossError(absl::StrFormat("%s: %d entries read but %s records %d", sst_path,
                                               result.entries, idx_path, properties.num_entries));
  }
  result.data_blocks = properties.num_data_blocks;
  return result;
}

}  // namespace kvlsm::tools
