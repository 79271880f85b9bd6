// ManifestReplay: reads CURRENT and the MANIFEST it names and applies every edit, the way
// recovery does. VersionSet::Recover uses it to build the current Version; kvlsm-inspect
// uses it to describe a MANIFEST (Pebble's tool/manifest.go likewise replays edits with
// the BulkVersionEdit that recovery uses), so the state the tool prints is the state the
// engine would recover.
//
// A replay goes on past damage so that it can be described: dropped regions, edits that
// do not decode or do not apply, and missing fields are collected in problems(), in that
// order, and recovery refuses the first of them.
//
// Thread safety: one thread.
#ifndef KVLSM_MANIFEST_MANIFEST_REPLAY_H_
#define KVLSM_MANIFEST_MANIFEST_REPLAY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "manifest/version_builder.h"
#include "manifest/version_edit.h"
#include "manifest/version_set.h"
#include "wal/log_records.h"

namespace kvlsm {

class ManifestReplay {
 public:
  // The edits apply on top of `base` (an empty Version for a whole MANIFEST). comparator
  // and table_cache are not owned and go into the Version built; table_cache may be null
  // when the Version is only described.
  ManifestReplay(Env* env, std::string dbname, const InternalKeyComparator* comparator,
                 TableCache* table_cache, const Version& base);
  ManifestReplay(const ManifestReplay&) = delete;
  ManifestReplay& operator=(const ManifestReplay&) = delete;

  using EditCallback = std::function<void(uint64_t offset, const VersionEdit& edit)>;

  // Reads CURRENT (ReadCurrentFile's NotFound and DataLoss), then every record of the
  // MANIFEST it names, decoding and applying each. on_edit, when set, sees every edit that
  // decodes, with the offset of its record, before it is applied. Errors: DataLoss "CURRENT
  // names <MANIFEST>, which cannot be read: ..." when the MANIFEST is missing (another
  // error opening it keeps its code); "<MANIFEST>: <error>" for the I/O error that stopped
  // reading. Damage inside the MANIFEST is not an error here: see problems().
  // REQUIRES: called once.
  absl::Status Replay(const EditCallback& on_edit = nullptr);

  uint64_t manifest_number() const { return manifest_number_; }
  const std::string& manifest_path() const { return manifest_path_; }
  // The scalar fields of every edit, folded (VersionEdit::Apply).
  const VersionEdit& state() const { return state_; }
  // Every region the log reader dropped, torn tail included.
  const std::vector<LogDrop>& drops() const { return drops_; }
  // The damage found, each naming the MANIFEST (and the record's offset where it has one):
  // edits that do not decode (DataLoss, or InvalidArgument from a newer format) or do not
  // apply, then dropped regions other than a torn tail (a torn last record is an edit that
  // never took effect), then "incomplete" when the comparator, next file number, log
  // number or last sequence was never recorded.
  const std::vector<absl::Status>& problems() const { return problems_; }

  // The Version the edits produce (VersionBuilder::Finish); the overlap error names the
  // MANIFEST. *version is set even on error. REQUIRES: Replay returned OK.
  absl::Status Finish(std::shared_ptr<Version>* version);

 private:
  // "<MANIFEST>: record at byte <offset>: <message>", keeping the code.
  absl::Status AtRecord(uint64_t offset, const absl::Status& s) const;

  Env* const env_;
  const std::string dbname_;
  VersionBuilder builder_;
  uint64_t manifest_number_ = 0;
  std::string manifest_path_;
  VersionEdit state_;
  std::vector<LogDrop> drops_;
  std::vector<absl::Status> problems_;
};

}  // namespace kvlsm

#endif  // KVLSM_MANIFEST_MANIFEST_REPLAY_H_
