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
  if (block_size < 256 || block_size > (size_t{4} << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Options::block_size = ", block_size, " is outside [256, 4194304]"));
  }
  if (block_restart_interval < 1 || block_restart_interval > 1024) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options::block_restart_interval = ", block_restart_interval, " is outside [1, 1024]"));
  }
  if (compression != CompressionType::kNone && compression != CompressionType::kZstd) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options::compression = ", static_cast<int>(compression), " is not a CompressionType"));
  }
  if (zstd_level < 1 || zstd_level > 19) {
    return absl::InvalidArgumentError(
        absl::StrCat("Options::zstd_level = ", zstd_level, " is outside [1, 19]"));
  }
  if (max_open_files < 16 || max_open_files > 1000000) {
    return absl::InvalidArgumentError(
        absl::StrCat("Options::max_open_files = ", max_open_files, " is outside [16, 1000000]"));
  }
  if (compaction_policy == nullptr) {
    return absl::InvalidArgumentError("Options::compaction_policy is null");
  }
  if (absl::Status s = compaction_policy->Validate(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("Options::compaction_policy (",
                                                   compaction_policy->Name(), "): ", s.message()));
  }
  if (max_background_jobs < 1 || max_background_jobs > 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options::max_background_jobs = ", max_background_jobs, " is outside [1, 64]"));
  }
  if (level0_slowdown_writes_trigger < 1 ||
      level0_slowdown_writes_trigger >= level0_stop_writes_trigger) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options::level0_slowdown_writes_trigger = ", level0_slowdown_writes_trigger,
        " must be >= 1 and below level0_stop_writes_trigger = ", level0_stop_writes_trigger));
  }
  if (soft_pending_compaction_bytes > 0 && hard_pending_compaction_bytes > 0 &&
      soft_pending_compaction_bytes >= hard_pending_compaction_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options::soft_pending_compaction_bytes = ", soft_pending_compaction_bytes,
        " must be below hard_pending_compaction_bytes = ", hard_pending_compaction_bytes));
  }
  if (delayed_write_rate < 1024) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options::delayed_write_rate = ", delayed_write_rate, " is below 1024 bytes/s"));
  }
  return absl::OkStatus();
}

}  // namespace kvlsm
