// Writing table pairs: TableFileWriter writes one .sst/.idx pair entry by entry (a
// compaction, which decides where one output ends and the next begins); BuildTable writes
// a sorted stream (a memtable, at flush) as one pair.
//
// Thread safety: plain objects and functions; used without the DB mutex.
#ifndef KVLSM_COMPACTION_TABLE_FILE_WRITER_H_
#define KVLSM_COMPACTION_TABLE_FILE_WRITER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "compaction/compaction_iterator.h"
#include "manifest/version_edit.h"
#include "kvlsm/env.h"
#include "kvlsm/iterator.h"
#include "table/table_builder.h"

namespace kvlsm {

struct BuildTableOptions {
  Env* env = nullptr;
  std::string dbname;     // Directory of the .sst.
  std::string index_dir;  // Directory of the .idx.
  TableBuilderOptions table;
};

class TableFileWriter {
 public:
  // Abandons and removes an unfinished pair.
  ~TableFileWriter();
  TableFileWriter(const TableFileWriter&) = delete;
  TableFileWriter& operator=(const TableFileWriter&) = delete;

  // Creates the two files of pair `number`.
  static absl::StatusOr<std::unique_ptr<TableFileWriter>> Create(const BuildTableOptions& options,
                                                                 uint64_t number);

  // REQUIRES: internal_key sorts after every key added before.
  void Add(std::string_view internal_key, std::string_view value) {
    builder_->Add(internal_key, value);
  }
  uint64_t NumEntries() const { return builder_->NumEntries(); }
  // Bytes written to the .sst so far (the data block being built not included); the .idx
  // is written at Finish and is a few percent of it.
  uint64_t DataFileSize() const { return builder_->DataFileSize(); }

  // Finishes both files, syncs and closes them and syncs their directories: the pair is
  // then durable and may be named in the MANIFEST. Fills *meta (number included). On
  // error removes both files.
  absl::Status Finish(FileMetaData* meta);

 private:
  TableFileWriter(const BuildTableOptions& options, uint64_t number,
                  std::unique_ptr<WritableFile> data, std::unique_ptr<WritableFile> index);
  void RemoveFiles();

  const BuildTableOptions options_;
  const uint64_t number_;
  const std::string data_name_;
  const std::string index_name_;
  std::unique_ptr<WritableFile> data_;
  std::unique_ptr<WritableFile> index_;
  std::unique_ptr<TableBuilder> builder_;
  bool finished_ = false;
};

// Writes what a CompactionIterator with `keep` keeps of iter (positioned anywhere; it is
// rewound) into the pair numbered meta->number, durably (see TableFileWriter::Finish), and
// fills the rest of *meta. A flush passes the live snapshots, so that versions no snapshot
// can see are not written, and says that any key may exist below, so that tombstones stay.
// When nothing is kept, nothing is written and meta->data_size stays 0. On error, removes
// whatever it wrote.
absl::Status BuildTable(const BuildTableOptions& options, Iterator* iter,
                        CompactionIteratorOptions keep, FileMetaData* meta);

}  // namespace kvlsm

#endif  // KVLSM_COMPACTION_TABLE_FILE_WRITER_H_
