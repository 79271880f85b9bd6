// VersionBuilder: applies VersionEdits to a base Version to make the next one. The one
// place table additions and removals are applied: VersionSet::LogAndApply uses it for a
// new edit, ManifestReplay (VersionSet::Recover, kvlsm-inspect) for every edit of a
// MANIFEST.
//
// Thread safety: one thread. The base Version is immutable, so builders on other threads
// may share it.
#ifndef KVLSM_MANIFEST_VERSION_BUILDER_H_
#define KVLSM_MANIFEST_VERSION_BUILDER_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "manifest/version_edit.h"
#include "manifest/version_set.h"

namespace kvlsm {

class VersionBuilder {
 public:
  // comparator and table_cache are not owned and go into the Version built (table_cache
  // may be null for a Version that is only described, never read).
  VersionBuilder(const InternalKeyComparator* comparator, TableCache* table_cache,
                 const Version& base);

  // Applies the edit's table removals and additions. A removal of a table the level does
  // not hold, or an addition of a table already present, is DataLoss ("version edit
  // removes table 000012 from level 1, which does not hold it", "version edit adds table
  // 000012 twice") and is skipped; the rest of the edit still applies. Returns the first
  // such problem and, when `problems` is set, appends each of them to it.
  absl::Status Apply(const VersionEdit& edit, std::vector<absl::Status>* problems = nullptr);

  // Sets *version to the result, its levels sorted: level 0 newest first (largest
  // sequence number, then file number), deeper levels by smallest key. DataLoss ("tables
  // 000007 and 000009 overlap in level 2") when two tables of a level >= 1 overlap;
  // *version is set even then, for callers that describe a damaged MANIFEST.
  absl::Status Finish(std::shared_ptr<Version>* version);

 private:
  std::shared_ptr<Version> version_;
};

}  // namespace kvlsm

#endif  // KVLSM_MANIFEST_VERSION_BUILDER_H_
