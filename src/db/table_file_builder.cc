#include "db/table_file_builder.h"

#include "db/filename.h"

namespace kvlsm {

absl::Status BuildTable(const BuildTableOptions& options, Iterator* iter, FileMetaData* meta) {
  iter->SeekToFirst();
  if (!iter->Valid()) return iter->status();

  Env* env = options.env;
  const std::string data_name = TableFileName(options.dbname, meta->number);
  const std::string index_name = TableIndexFileName(options.index_dir, meta->number);
  auto data = env->NewWritableFile(data_name);
  if (!data.ok()) return data.status();
  auto index = env->NewWritableFile(index_name);
  if (!index.ok()) {
    env->RemoveFile(data_name).IgnoreError();
    return index.status();
  }

  TableBuilderOptions table_options = options.table;
  table_options.file_number = meta->number;
  TableBuilder builder(table_options, data->get(), index->get());
  for (; iter->Valid(); iter->Next()) builder.Add(iter->key(), iter->value());
  absl::Status s = iter->status();
  if (s.ok()) {
    s = builder.Finish();
  } else {
    builder.Abandon();
  }
  // Both halves reach the disk, and so do their directory entries, before the MANIFEST
  // may name them.
  if (s.ok()) s = (*data)->Sync();
  if (s.ok()) s = (*index)->Sync();
  if (s.ok()) s = (*data)->Close();
  if (s.ok()) s = (*index)->Close();
  if (s.ok()) s = env->SyncDir(options.dbname);
  if (s.ok() && options.index_dir != options.dbname) s = env->SyncDir(options.index_dir);
  if (!s.ok()) {
    env->RemoveFile(data_name).IgnoreError();
    env->RemoveFile(index_name).IgnoreError();
    return s;
  }
  const TableProperties& props = builder.properties();
  meta->data_size = builder.DataFileSize();
  meta->index_size = builder.IndexFileSize();
  meta->smallest = props.smallest_key;
  meta->largest = props.largest_key;
  meta->smallest_seqno = props.smallest_seqno;
  meta->largest_seqno = props.largest_seqno;
  meta->num_entries = props.num_entries;
  meta->num_deletions = props.num_deletions;
  meta->creation_time = props.creation_time;
  return absl::OkStatus();
}

}  // namespace kvlsm
