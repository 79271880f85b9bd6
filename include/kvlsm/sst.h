// kvlsm/sst.h: building and reading table files outside any DB, for tools, bulk loading
// and range export.
//
// A table is a pair of files: NNNNNN.sst holds the data blocks, NNNNNN.idx the index,
// filter, properties and footer (docs/format.md, "Tables"). By default the .idx lies beside
// the .sst with the same stem; either may be named to find the other.
//
// Thread safety: an SstWriter belongs to one thread. An SstReader may be used by many
// threads at once (NewIterator, NewRawIterator, VerifyChecksums, properties); each
// iterator belongs to one thread and must not outlive its reader.
//
// Errors: every failure is a Status. A damaged table is DataLoss naming the file (and,
// for a block, the offset); one written with another comparator or filter policy, or by a
// newer kvlsm, is InvalidArgument.
#ifndef KVLSM_SST_H_
#define KVLSM_SST_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/compression.h"
#include "kvlsm/export.h"
#include "kvlsm/filter_policy.h"
#include "kvlsm/iterator.h"

namespace kvlsm {

class Comparator;
class Env;

struct KVLSM_EXPORT SstOptions {
  // The order of keys; its Name() is recorded and must match when reading. Default
  // nullptr: BytewiseComparator(). Not owned; must outlive writers and readers.
  const Comparator* comparator = nullptr;

  // Writing: builds a filter over the keys so point lookups can skip the table. Reading:
  // must have the recorded name to use the table's filter (another name refuses to open;
  // nullptr just ignores it). Default: a Bloom filter of 10 bits per key (about 1% false
  // positives, 1.25 bytes per key). nullptr: no filter.
  std::shared_ptr<const FilterPolicy> filter_policy = NewBloomFilterPolicy(10);

  // Target uncompressed size of a data block, in bytes. Default 4096. Larger: a smaller
  // index and better compression; smaller: less read per point lookup. Range [1, 256 MiB].
  size_t block_size = 4096;

  // Keys between restart points in a data block. Default 16. Larger: better prefix
  // compression, slower seeks within a block. Range [1, 65536].
  int block_restart_interval = 16;

  // Default kNone. kZstd stores each block that shrinks by at least 12.5% as a zstd frame.
  CompressionType compression = CompressionType::kNone;

  // zstd level for kZstd. Default 3; range [-131072, 22] (negative: faster, larger).
  int zstd_level = 3;

  // Files go through this Env. Default nullptr: Env::Default() (POSIX). Not owned.
  Env* env = nullptr;

  // OK, or InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// The kind of an entry. Persisted inside tables: never renumber.
enum class SstEntryType : uint8_t {
  kDelete = 0,
  kPut = 1,
  kMerge = 2,
};

// What a table records about itself.
struct KVLSM_EXPORT SstProperties {
  uint64_t num_entries = 0;  // Of every type.
  uint64_t num_deletions = 0;
  uint64_t num_merges = 0;
  uint64_t raw_key_bytes = 0;  // Keys as stored: each with an 8-byte sequence/type trailer.
  uint64_t raw_value_bytes = 0;
  uint64_t data_size = 0;   // Bytes of the .sst.
  uint64_t index_size = 0;  // Bytes of the index block in the .idx.
  uint64_t filter_size = 0;
  uint64_t num_data_blocks = 0;
  std::string smallest_key;  // User keys; empty for an empty table.
  std::string largest_key;
  uint64_t smallest_seqno = 0;
  uint64_t largest_seqno = 0;
  std::string compression;  // "none" or "zstd": the setting it was written with.
  std::string comparator_name;
  std::string filter_policy_name;  // Empty without a filter.
  uint64_t creation_time = 0;      // Seconds since the Unix epoch.
  uint64_t file_number = 0;        // From the DB, or parsed from an NNNNNN.sst name.
  uint32_t format_version = 0;
};

// Writes one table pair. Keys must be added in strictly increasing order; every entry
// gets sequence number 0. Nothing is readable until Finish succeeds.
class KVLSM_EXPORT SstWriter {
 public:
  // Creates (truncating) sst_path and its index: index_path when given, else sst_path
  // with ".sst" replaced by ".idx" (InvalidArgument when sst_path does not end in ".sst").
  static absl::StatusOr<std::unique_ptr<SstWriter>> Open(
      const SstOptions& options, const std::string& sst_path,
      std::optional<std::string> index_path = std::nullopt);

  // An unfinished writer removes both files when destroyed.
  virtual ~SstWriter() = default;

  // Each adds one entry. A key not greater than the previous one is InvalidArgument and
  // is not added (the writer stays usable). After a write error, every call returns it;
  // after Finish, FailedPrecondition.
  virtual absl::Status Put(std::string_view key, std::string_view value) = 0;
  virtual absl::Status Delete(std::string_view key) = 0;
  virtual absl::Status Merge(std::string_view key, std::string_view operand) = 0;

  // Writes the index half, syncs and closes both files. On error both files are removed.
  // The directory entries are not synced: call Env::SyncDir when the names must survive
  // a power cut. An empty table (no entries) is allowed.
  virtual absl::Status Finish() = 0;

  virtual uint64_t NumEntries() const = 0;
  // The properties written; complete after a successful Finish.
  virtual SstProperties properties() const = 0;
  virtual const std::string& sst_path() const = 0;
  virtual const std::string& index_path() const = 0;
};

// An iterator over every entry of a table, all versions of each key. key() is the user
// key; Seek(k) goes to the newest entry of the first key >= k, SeekForPrev(k) to the
// oldest entry of the last key <= k. Entries of one key come newest (highest sequence)
// first.
class KVLSM_EXPORT SstEntryIterator : public Iterator {
 public:
  // REQUIRES: Valid().
  virtual uint64_t sequence() const = 0;
  virtual SstEntryType type() const = 0;
};

class KVLSM_EXPORT SstReader {
 public:
  // Opens a table pair. `path` names either half (ending in ".sst" or ".idx"); the other
  // half is beside it with the same stem. With index_path, `path` is the .sst and
  // index_path the .idx, whatever their names. NotFound when `path` does not exist;
  // DataLoss naming the file when the other half is missing or either is damaged.
  static absl::StatusOr<std::unique_ptr<SstReader>> Open(
      const SstOptions& options, const std::string& path,
      std::optional<std::string> index_path = std::nullopt);

  virtual ~SstReader() = default;

  // The table's contents as a DB would show them without merging: for each key, its
  // newest entry, when that is a Put (keys whose newest entry is a Delete or a Merge are
  // skipped). key() is the user key. Damage surfaces as status().
  virtual std::unique_ptr<Iterator> NewIterator() = 0;

  // Every entry with its sequence number and type, for tools.
  virtual std::unique_ptr<SstEntryIterator> NewRawIterator() = 0;

  // Rereads every block of both files, checking each checksum and that the blocks decode
  // and are ordered. OK, or the first damage found.
  virtual absl::Status VerifyChecksums() = 0;

  virtual SstProperties properties() const = 0;
  virtual const std::string& sst_path() const = 0;
  virtual const std::string& index_path() const = 0;
};

}  // namespace kvlsm

#endif  // KVLSM_SST_H_
