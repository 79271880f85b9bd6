#include "manifest/manifest_replay.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "base/current_file.h"
#include "base/filename.h"

namespace kvlsm {

ManifestReplay::ManifestReplay(Env* env, std::string dbname,
                               const InternalKeyComparator* comparator, TableCache* table_cache,
                               const Version& base)
    : env_(env), dbname_(std::move(dbname)), builder_(comparator, table_cache, base) {}

absl::Status ManifestReplay::AtRecord(uint64_t offset, const absl::Status& s) const {
  return absl::Status(
      s.code(), absl::StrFormat("%s: record at byte %d: %s", manifest_path_, offset, s.message()));
}

absl::Status ManifestReplay::Replay(const EditCallback& on_edit) {
  auto number = ReadCurrentManifestNumber(env_, dbname_);
  if (!number.ok()) return number.status();
  manifest_number_ = *number;
  manifest_path_ = ManifestFileName(dbname_, manifest_number_);
  auto file = env_->NewSequentialFile(manifest_path_);
  if (!file.ok()) {
    // A missing MANIFEST is damage; any other failure (EIO, EMFILE) is the I/O error's.
    const absl::StatusCode code =
        absl::IsNotFound(file.status()) ? absl::StatusCode::kDataLoss : file.status().code();
    return absl::Status(code, absl::StrFormat("CURRENT names %s, which cannot be read: %s",
                                              manifest_path_, file.status().message()));
  }
  std::vector<absl::Status> apply_problems;
  absl::Status s = ReadLogRecords(
      *std::move(file), manifest_number_,
      [&](uint64_t offset, std::string_view record) {
        VersionEdit edit;
        if (absl::Status decoded = edit.DecodeFrom(record); !decoded.ok()) {
          problems_.push_back(AtRecord(offset, decoded));
          return;
        }
        if (on_edit) on_edit(offset, edit);
        apply_problems.clear();
        builder_.Apply(edit, &apply_problems).IgnoreError();  // Each is in apply_problems.
        for (const absl::Status& problem : apply_problems) {
          problems_.push_back(AtRecord(offset, problem));
        }
        state_.Apply(edit);
      },
      &drops_);
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrFormat("%s: %s", manifest_path_, s.message()));
  }
  for (const LogDrop& drop : drops_) {
    // A torn last record is an edit that never took effect (each is synced before it does).
    if (!drop.torn_tail) problems_.push_back(DropStatus(manifest_path_, drop));
  }
  if (!state_.comparator || !state_.next_file_number || !state_.log_number ||
      !state_.last_sequence) {
    problems_.push_back(absl::DataLossError(absl::StrFormat(
        "%s: incomplete (no comparator, file number, log number or sequence)", manifest_path_)));
  }
  return absl::OkStatus();
}

absl::Status ManifestReplay::Finish(std::shared_ptr<Version>* version) {
  absl::Status s = builder_.Finish(version);
  if (!s.ok()) return absl::DataLossError(absl::StrFormat("%s: %s", manifest_path_, s.message()));
  return s;
}

}  // namespace kvlsm
