#include "kvlsm/options.h"

#include "absl/strings/str_cat.h"

namespace kvlsm {

absl::Status Options::Validate() const {
  constexpr size_t kMinWriteBuffer = size_t{64} << 10;
  constexpr size_t kMaxWriteBuffer = size_t{64} << 30;
  if (write_buffer_size < kMinWriteBuffer || write_buffer_size > kMaxWriteBuffer) {
    return absl::InvalidArgumentError(
        absl::StrCat("Options::write_buffer_size = ", write_buffer_size,
                     " is outside [65536, 68719476736] bytes"));
  }
  if (max_write_buffer_number < 2 || max_write_buffer_number > 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options::max_write_buffer_number = ", max_write_buffer_number, " is outside [2, 64]"));
  }
  switch (wal_recovery_mode) {
    case WalRecoveryMode::kTolerateCorruptedTailRecords:
    case WalRecoveryMode::kAbsoluteConsistency:
    case WalRecoveryMode::kPointInTimeRecovery:
    case WalRecoveryMode::kSkipAnyCorruptedRecords:
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("Options::wal_recovery_mode = ", static_cast<int>(wal_recovery_mode),
                       " is not a WalRecoveryMode"));
  }
  return absl::OkStatus();
}

}  // namespace kvlsm
