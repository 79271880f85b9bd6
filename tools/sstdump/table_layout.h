// TableLayout: the blocks of one table pair as its .idx describes them, read without a
// TableReader, so that kvlsm-sstdump can check, list and describe tables a reader refuses
// (damaged ones, or those written with another comparator or filter policy).
//
// Read takes the whole .idx (at most 2 GiB) and checks its footer (magic, size, checksum,
// format version) and its index block: without them nothing else can be found, so damage
// there is an error. Everything after that is recorded as a problem and the rest stays
// usable: a damaged filter or properties block, a malformed index entry, blocks that do not
// tile the .sst, a .sst whose size is not the recorded one. Data blocks are read on demand.
//
// Thread safety: after Read, const methods may be called from any thread.
#ifndef KVLSM_TOOLS_SSTDUMP_TABLE_LAYOUT_H_
#define KVLSM_TOOLS_SSTDUMP_TABLE_LAYOUT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/env.h"
#include "table/format.h"
#include "table/table_properties.h"

namespace kvlsm::tools {

// The two halves of a table.
struct TablePaths {
  std::string sst;
  std::string idx;
};

// The pair a command-line FILE names: FILE ends in .sst or .idx and the other half has the
// same stem, beside it or, with index_dir, the .idx in index_dir (whichever half FILE
// names). InvalidArgument when FILE ends in neither.
absl::StatusOr<TablePaths> ResolveTablePaths(std::string_view file,
                                             const std::optional<std::string>& index_dir);

// OK when both halves exist; NotFound for the one the user named, DataLoss naming the
// other half when only it is missing. `named_idx`: FILE named the .idx.
absl::Status CheckBothHalvesExist(Env* env, const TablePaths& paths, bool named_idx);

struct DataBlockEntry {
  std::string separator;  // The index entry's key: an internal key.
  BlockHandle handle;     // Where the block is in the .sst.
};

class TableLayout {
 public:
  static absl::StatusOr<TableLayout> Read(Env* env, const TablePaths& paths);

  const TablePaths& paths() const { return paths_; }
  uint64_t sst_size() const { return sst_size_; }
  uint64_t idx_size() const { return idx_size_; }
  const Footer& footer() const { return footer_; }
  // Empty when the properties block is damaged (problems() says how).
  const std::optional<TableProperties>& properties() const { return properties_; }
  // The data blocks the index names, in order (malformed entries left out).
  const std::vector<DataBlockEntry>& data_blocks() const { return data_blocks_; }
  // What Read found wrong beyond the footer and the index block, each naming the file.
  const std::vector<absl::Status>& problems() const { return problems_; }

  // Reads data block i, checking its checksum and decompressing it: DataLoss naming the
  // .sst and the offset when it is outside the file or damaged.
  absl::StatusOr<BlockContents> ReadDataBlock(size_t i) const;
  // The compression byte stored in data block i's trailer.
  absl::StatusOr<uint8_t> StoredCompression(size_t i) const;

 private:
  TableLayout() = default;
  // Records what is wrong with the index entries: gaps between blocks, disorder, counts
  // and sizes that disagree with the properties. (A handle outside the .sst is reported
  // when the block is read.)
  void CheckTiling();
  absl::Status CheckInSst(const BlockHandle& handle) const;

  TablePaths paths_;
  uint64_t sst_size_ = 0;
  uint64_t idx_size_ = 0;
  Footer footer_;
  std::optional<TableProperties> properties_;
  std::vector<DataBlockEntry> data_blocks_;
  std::vector<absl::Status> problems_;
  std::shared_ptr<RandomAccessFile> sst_file_;  // Shared: a layout is copyable.
};

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_SSTDUMP_TABLE_LAYOUT_H_
