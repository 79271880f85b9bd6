// FileMetaData: what the engine knows of one table pair (.sst/.idx) it has written: its
// number, sizes, key and sequence ranges and counts. The MANIFEST records it (its encoding
// is VersionEdit's, manifest/version_edit.h); the table cache opens tables by it.
//
// Thread safety: a plain value.
#ifndef KVLSM_BASE_FILE_META_DATA_H_
#define KVLSM_BASE_FILE_META_DATA_H_

#include <cstdint>
#include <string>

#include "base/dbformat.h"

namespace kvlsm {

// What the MANIFEST records about one table (a .sst/.idx pair). Encoded, inside the
// length prefix of a kNewFile field, as varints in this order: number, data_size,
// index_size, smallest (length-prefixed internal key), largest (likewise),
// smallest_seqno, largest_seqno, num_entries, num_deletions, creation_time. A decoder
// ignores bytes after the fields it knows, so a newer build may append fields.
struct FileMetaData {
  uint64_t number = 0;
  uint64_t data_size = 0;   // Bytes of the .sst.
  uint64_t index_size = 0;  // Bytes of the .idx.
  std::string smallest;     // Internal keys.
  std::string largest;
  SequenceNumber smallest_seqno = 0;
  SequenceNumber largest_seqno = 0;
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;
  uint64_t creation_time = 0;  // Seconds since the Unix epoch.

  uint64_t total_size() const { return data_size + index_size; }
};

}  // namespace kvlsm

#endif  // KVLSM_BASE_FILE_META_DATA_H_
