#include "inspect/inspect_context.h"

#include "absl/strings/str_format.h"

namespace kvlsm::tools {

absl::StatusOr<std::unique_ptr<DB>> OpenDBForReading(const InspectContext& context) {
  Options options = context.options;
  options.filter_policy = nullptr;
  auto db = DB::OpenReadOnly(options, context.db_path);
  if (absl::IsDataLoss(db.status()) && !context.salvage) {
    return absl::DataLossError(absl::StrFormat(
        "%s (kvlsm-inspect --salvage reads what is left: damaged WAL records skipped, no "
        "paranoid checks)",
        db.status().message()));
  }
  return db;
}

absl::StatusOr<std::unique_ptr<DB>> OpenDBForWriting(const InspectContext& context) {
  return DB::Open(context.options, context.db_path);
}

}  // namespace kvlsm::tools
