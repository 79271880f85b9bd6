#include "compaction/table_file_writer.h"

#include "base/filename.h"

namespace kvlsm {

TableFileWriter::TableFileWriter(const BuildTableOptions& options, uint64_t number,
                                 std::unique_ptr<WritableFile> data,
                                 std::unique_ptr<WritableFile> index)
    : options_(options),
      number_(number),
      data_name_(TableFileName(options.dbname, number)),
      index_name_(TableIndexFileName(options.index_dir, number)),
      data_(std::move(data)),
      index_(std::move(index)) {
  TableBuilderOptions table_options = options.table;
  table_options.file_number = number;
  builder_ = std::make_unique<TableBuilder>(table_options, data_.get(), index_.get());
}

TableFileWriter::~TableFileWriter() {
  if (finished_) return;
  builder_->Abandon();
  builder_.reset();
  data_.reset();
  index_.reset();
  RemoveFiles();
}

void TableFileWriter::RemoveFiles() {
  options_.env->RemoveFile(data_name_).IgnoreError();
  options_.env->RemoveFile(index_name_).IgnoreError();
}

absl::StatusOr<std::unique_ptr<TableFileWriter>> TableFileWriter::Create(
    const BuildTableOptions& options, uint64_t number) {
  Env* env = options.env;
  const std::string data_name = TableFileName(options.dbname, number);
  auto data = env->NewWritableFile(data_name);
  if (!data.ok()) return data.status();
  auto index = env->NewWritableFile(TableIndexFileName(options.index_dir, number));
  if (!index.ok()) {
    data->reset();
    env->RemoveFile(data_name).IgnoreError();
    return index.status();
  }
  return std::unique_ptr<TableFileWriter>(
      new TableFileWriter(options, number, *std::move(data), *std::move(index)));
}

absl::Status TableFileWriter::Finish(FileMetaData* meta) {
  finished_ = true;
  absl::Status s = builder_->Finish();
  // Both halves reach the disk, and so do their directory entries, before the MANIFEST
  // may name them.
  if (s.ok()) s = data_->Sync();
  if (s.ok()) s = index_->Sync();
  if (s.ok()) s = data_->Close();
  if (s.ok()) s = index_->Close();
  if (s.ok()) s = options_.env->SyncDir(options_.dbname);
  if (s.ok() && options_.index_dir != options_.dbname) s = options_.env->SyncDir(options_.index_dir);
  if (!s.ok()) {
    data_.reset();
    index_.reset();
    RemoveFiles();
    return s;
  }
  const TableProperties& props = builder_->properties();
  meta->number = number_;
  meta->data_size = builder_->DataFileSize();
  meta->index_size = builder_->IndexFileSize();
  meta->smallest = props.smallest_key;
  meta->largest = props.largest_key;
  meta->smallest_seqno = props.smallest_seqno;
  meta->largest_seqno = props.largest_seqno;
  meta->num_entries = props.num_entries;
  meta->num_deletions = props.num_deletions;
  meta->creation_time = props.creation_time;
  return absl::OkStatus();
}

absl::Status BuildTable(const BuildTableOptions& options, Iterator* iter,
                        CompactionIteratorOptions keep, FileMetaData* meta) {
  CompactionIterator kept(std::move(keep), iter);
  kept.SeekToFirst();
  if (!kept.Valid()) return kept.status();
  auto writer = TableFileWriter::Create(options, meta->number);
  if (!writer.ok()) return writer.status();
  for (; kept.Valid(); kept.Next()) (*writer)->Add(kept.key(), kept.value());
  if (!kept.status().ok()) return kept.status();  // The writer removes its files.
  return (*writer)->Finish(meta);
}

}  // namespace kvlsm
