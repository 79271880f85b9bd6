// SstWriter and SstReader (kvlsm/sst.h): TableBuilder and TableReader behind the public
// API, with entries at sequence number 0 and user keys at the surface.
#include "kvlsm/sst.h"

#include <zstd.h>

#include <chrono>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "base/dbformat.h"
#include "base/filename.h"
#include "kvlsm/comparator.h"
#include "kvlsm/env.h"
#include "table/table_builder.h"
#include "table/table_reader.h"

namespace kvlsm {
namespace {

constexpr std::string_view kDataSuffix = ".sst";
constexpr std::string_view kIndexSuffix = ".idx";
// TableBuilder refuses entries this large; checking first keeps the writer usable.
constexpr size_t kMaxEntryBytes = (size_t{1} << 31) - 8;

std::string Escaped(std::string_view key) { return absl::CHexEscape(std::string(key)); }

std::string ReplaceSuffix(const std::string& path, std::string_view suffix) {
  return path.substr(0, path.size() - suffix.size()) +
         std::string(suffix == kDataSuffix ? kIndexSuffix : kDataSuffix);
}

// The file number of an NNNNNN.sst path, or 0.
uint64_t FileNumberOf(const std::string& sst_path) {
  const size_t slash = sst_path.rfind('/');
  const std::string_view name =
      std::string_view(sst_path).substr(slash == std::string::npos ? 0 : slash + 1);
  uint64_t number;
  FileType type;
  if (ParseFileName(name, &number, &type) && type == FileType::kTable) return number;
  return 0;
}

SstProperties ToSstProperties(const TableProperties& p) {
  SstProperties out;
  out.num_entries = p.num_entries;
  out.num_deletions = p.num_deletions;
  out.num_merges = p.num_merges;
  out.raw_key_bytes = p.raw_key_bytes;
  out.raw_value_bytes = p.raw_value_bytes;
  out.data_size = p.data_size;
  out.index_size = p.index_size;
  out.filter_size = p.filter_size;
  out.num_data_blocks = p.num_data_blocks;
  if (p.smallest_key.size() >= 8) out.smallest_key = std::string(ExtractUserKey(p.smallest_key));
  if (p.largest_key.size() >= 8) out.largest_key = std::string(ExtractUserKey(p.largest_key));
  out.smallest_seqno = p.smallest_seqno;
  out.largest_seqno = p.largest_seqno;
  out.compression = p.compression;
  out.comparator_name = p.comparator_name;
  out.filter_policy_name = p.filter_policy_name;
  out.creation_time = p.creation_time;
  out.file_number = p.file_number;
  out.format_version = p.format_version;
  return out;
}

class SstWriterImpl final : public SstWriter {
 public:
  SstWriterImpl(const SstOptions& options, Env* env, std::string sst_path, std::string index_path)
      : options_(options),
        env_(env),
        comparator_(options.comparator),
        sst_path_(std::move(sst_path)),
        index_path_(std::move(index_path)) {}

  ~SstWriterImpl() override {
    if (finished_) return;
    if (builder_ != nullptr) builder_->Abandon();
    if (data_ != nullptr) data_->Close().IgnoreError();
    if (index_ != nullptr) index_->Close().IgnoreError();
    RemoveFiles();
  }

  absl::Status Init() {
    auto data = env_->NewWritableFile(sst_path_);
    if (!data.ok()) return data.status();
    data_ = *std::move(data);
    auto index = env_->NewWritableFile(index_path_);
    if (!index.ok()) return index.status();
    index_ = *std::move(index);
    TableBuilderOptions table;
    table.comparator = &comparator_;
    table.filter_policy = options_.filter_policy.get();
    table.block_size = options_.block_size;
    table.block_restart_interval = options_.block_restart_interval;
    table.compression = options_.compression;
    table.zstd_level = options_.zstd_level;
    table.file_number = FileNumberOf(sst_path_);
    table.creation_time =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
    builder_ = std::make_unique<TableBuilder>(table, data_.get(), index_.get());
    return absl::OkStatus();
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return Add(ValueType::kPut, key, value);
  }
  absl::Status Delete(std::string_view key) override { return Add(ValueType::kDelete, key, {}); }
  absl::Status Merge(std::string_view key, std::string_view operand) override {
    return Add(ValueType::kMerge, key, operand);
  }

  absl::Status Finish() override {
    if (finished_) return absl::FailedPreconditionError(sst_path_ + ": already finished");
    if (!error_.ok()) return error_;
    absl::Status s = builder_->Finish();
    if (s.ok()) s = data_->Sync();
    if (s.ok()) s = index_->Sync();
    if (s.ok()) s = data_->Close();
    if (s.ok()) s = index_->Close();
    if (!s.ok()) {
      error_ = s;
      return s;  // The destructor removes the files.
    }
    finished_ = true;
    return absl::OkStatus();
  }

  uint64_t NumEntries() const override { return builder_->NumEntries(); }
  SstProperties properties() const override { return ToSstProperties(builder_->properties()); }
  const std::string& sst_path() const override { return sst_path_; }
  const std::string& index_path() const override { return index_path_; }

 private:
  absl::Status Add(ValueType type, std::string_view key, std::string_view value) {
    if (finished_) return absl::FailedPreconditionError(sst_path_ + ": already finished");
    if (!error_.ok()) return error_;
    if (builder_->NumEntries() > 0 && options_.comparator->Compare(key, last_key_) <= 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: keys must be strictly increasing: '%s' after '%s'", sst_path_,
                          Escaped(key), Escaped(last_key_)));
    }
    if (key.size() + value.size() >= kMaxEntryBytes) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: entry for key '%s' has %d bytes; the limit is 2 GiB", sst_path_,
                          Escaped(key.substr(0, 64)), key.size() + value.size()));
    }
    internal_key_.assign(key.data(), key.size());
    PutFixed64(&internal_key_, PackSequenceAndType(0, type));
    builder_->Add(internal_key_, value);
    if (!builder_->status().ok()) {
      error_ = builder_->status();
      return error_;
    }
    last_key_.assign(key.data(), key.size());
    return absl::OkStatus();
  }

  // Removes the files this writer created (not one it failed to create).
  void RemoveFiles() {
    if (data_ != nullptr) env_->RemoveFile(sst_path_).IgnoreError();
    if (index_ != nullptr) env_->RemoveFile(index_path_).IgnoreError();
  }

  const SstOptions options_;
  Env* const env_;
  const InternalKeyComparator comparator_;
  const std::string sst_path_;
  const std::string index_path_;
  std::unique_ptr<WritableFile> data_;
  std::unique_ptr<WritableFile> index_;
  std::unique_ptr<TableBuilder> builder_;
  std::string last_key_;
  std::string internal_key_;
  absl::Status error_;  // Sticky: a failed write or sync.
  bool finished_ = false;
};

// Every entry of a table, with user keys at the surface.
class EntryIterator final : public SstEntryIterator {
 public:
  explicit EntryIterator(std::unique_ptr<Iterator> table) : table_(std::move(table)) {}

  bool Valid() const override { return status_.ok() && table_->Valid(); }
  void SeekToFirst() override {
    table_->SeekToFirst();
    Parse();
  }
  void SeekToLast() override {
    table_->SeekToLast();
    Parse();
  }
  void Seek(std::string_view target) override {
    SetTarget(target, kMaxSequenceNumber, kTypeForSeek);
    table_->Seek(target_);
    Parse();
  }
  void SeekForPrev(std::string_view target) override {
    // (key, 0, kDelete) is the last possible entry of `target`.
    SetTarget(target, 0, ValueType::kDelete);
    table_->SeekForPrev(target_);
    Parse();
  }
  void Next() override {
    table_->Next();
    Parse();
  }
  void Prev() override {
    table_->Prev();
    Parse();
  }
  std::string_view key() const override { return parsed_.user_key; }
  std::string_view value() const override { return table_->value(); }
  absl::Status status() const override { return status_.ok() ? table_->status() : status_; }
  uint64_t sequence() const override { return parsed_.sequence; }
  SstEntryType type() const override { return static_cast<SstEntryType>(parsed_.type); }

 private:
  void SetTarget(std::string_view user_key, SequenceNumber sequence, ValueType type) {
    target_.clear();
    AppendInternalKey(&target_, user_key, sequence, type);
  }
  void Parse() {
    if (table_->Valid() && !ParseInternalKey(table_->key(), &parsed_)) {
      status_ = absl::DataLossError(
          absl::StrFormat("entry with a malformed internal key '%s'", Escaped(table_->key())));
    }
  }

  const std::unique_ptr<Iterator> table_;
  ParsedInternalKey parsed_;
  std::string target_;
  absl::Status status_;
};

// The newest entry of each user key, when it is a Put. While Valid(), entries_ is at the
// newest entry of the current key.
class PutIterator final : public Iterator {
 public:
  PutIterator(std::unique_ptr<SstEntryIterator> entries, const Comparator* comparator)
      : entries_(std::move(entries)), comparator_(comparator) {}

  bool Valid() const override { return valid_; }
  void SeekToFirst() override {
    entries_->SeekToFirst();
    FindPutForward();
  }
  void SeekToLast() override {
    entries_->SeekToLast();
    FindPutBackward();
  }
  void Seek(std::string_view target) override {
    entries_->Seek(target);
    FindPutForward();
  }
  void SeekForPrev(std::string_view target) override {
    entries_->SeekForPrev(target);
    FindPutBackward();
  }
  void Next() override {
    SkipKeyForward();
    FindPutForward();
  }
  void Prev() override {
    entries_->Prev();  // To the oldest entry of the previous key.
    FindPutBackward();
  }
  std::string_view key() const override { return entries_->key(); }
  std::string_view value() const override { return entries_->value(); }
  absl::Status status() const override { return entries_->status(); }

 private:
  // Moves past every entry of the current key.
  void SkipKeyForward() {
    current_.assign(entries_->key().data(), entries_->key().size());
    do {
      entries_->Next();
    } while (entries_->Valid() && comparator_->Compare(entries_->key(), current_) == 0);
  }

  // From the newest entry of some key (or the end), to the first key whose newest entry is
  // a Put.
  void FindPutForward() {
    while (entries_->Valid() && entries_->type() != SstEntryType::kPut) SkipKeyForward();
    valid_ = entries_->Valid();
  }

  // From the oldest entry of some key (or the start), back to the last key whose newest
  // entry is a Put.
  void FindPutBackward() {
    while (entries_->Valid()) {
      // Back to the newest entry of this key: one past it, then forward again.
      current_.assign(entries_->key().data(), entries_->key().size());
      do {
        entries_->Prev();
      } while (entries_->Valid() && comparator_->Compare(entries_->key(), current_) == 0);
      if (!entries_->status().ok()) break;
      if (entries_->Valid()) {
        entries_->Next();
      } else {
        entries_->SeekToFirst();
      }
      if (!entries_->Valid()) break;
      if (entries_->type() == SstEntryType::kPut) {
        valid_ = true;
        return;
      }
      entries_->Prev();  // To the oldest entry of the key before.
    }
    valid_ = false;
  }

  const std::unique_ptr<SstEntryIterator> entries_;
  const Comparator* const comparator_;
  std::string current_;
  bool valid_ = false;
};

class SstReaderImpl final : public SstReader {
 public:
  SstReaderImpl(const SstOptions& options, std::string sst_path, std::string index_path)
      : options_(options),
        comparator_(options.comparator),
        sst_path_(std::move(sst_path)),
        index_path_(std::move(index_path)) {}

  absl::Status Init(Env* env, bool path_is_index) {
    // The half the caller named: NotFound as is. The other half: its absence is damage.
    const std::string& named = path_is_index ? index_path_ : sst_path_;
    const std::string& other = path_is_index ? sst_path_ : index_path_;
    auto named_size = env->GetFileSize(named);
    if (!named_size.ok()) return named_size.status();
    auto other_size = env->GetFileSize(other);
    if (!other_size.ok()) {
      if (!absl::IsNotFound(other_size.status())) return other_size.status();
      return absl::DataLossError(
          absl::StrFormat("%s: missing (the other half of table %s)", other, named));
    }
    const uint64_t data_size = path_is_index ? *other_size : *named_size;
    const uint64_t index_size = path_is_index ? *named_size : *other_size;
    auto data = env->NewRandomAccessFile(sst_path_);
    if (!data.ok()) return data.status();
    auto index = env->NewRandomAccessFile(index_path_);
    if (!index.ok()) return index.status();
    TableReaderOptions table;
    table.comparator = &comparator_;
    table.filter_policy = options_.filter_policy.get();
    table.paranoid_checks = true;
    table.data_file_name = sst_path_;
    table.index_file_name = index_path_;
    auto reader =
        TableReader::Open(table, *std::move(data), data_size, *std::move(index), index_size);
    if (!reader.ok()) return reader.status();
    table_ = *std::move(reader);
    return absl::OkStatus();
  }

  std::unique_ptr<Iterator> NewIterator() override {
    return std::make_unique<PutIterator>(NewRawIterator(), options_.comparator);
  }
  std::unique_ptr<SstEntryIterator> NewRawIterator() override {
    ReadOptions read;
    read.fill_cache = false;
    return std::make_unique<EntryIterator>(table_->NewIterator(read));
  }
  absl::Status VerifyChecksums() override { return table_->VerifyChecksums(); }
  SstProperties properties() const override { return ToSstProperties(table_->properties()); }
  const std::string& sst_path() const override { return sst_path_; }
  const std::string& index_path() const override { return index_path_; }

 private:
  const SstOptions options_;
  const InternalKeyComparator comparator_;
  const std::string sst_path_;
  const std::string index_path_;
  std::unique_ptr<TableReader> table_;
};

}  // namespace

absl::Status SstOptions::Validate() const {
  if (block_size < 1 || block_size > (size_t{256} << 20)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("SstOptions::block_size %d is outside [1, 256 MiB]", block_size));
  }
  if (block_restart_interval < 1 || block_restart_interval > 65536) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "SstOptions::block_restart_interval %d is outside [1, 65536]", block_restart_interval));
  }
  if (compression != CompressionType::kNone && compression != CompressionType::kZstd) {
    return absl::InvalidArgumentError(
        absl::StrFormat("SstOptions::compression %d is unknown", static_cast<int>(compression)));
  }
  if (zstd_level < ZSTD_minCLevel() || zstd_level > ZSTD_maxCLevel()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("SstOptions::zstd_level %d is outside [%d, %d]", zstd_level,
                        ZSTD_minCLevel(), ZSTD_maxCLevel()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SstWriter>> SstWriter::Open(const SstOptions& options,
                                                           const std::string& sst_path,
                                                           std::optional<std::string> index_path) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  if (!index_path.has_value()) {
    if (!sst_path.ends_with(kDataSuffix)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: a table path must end in .sst unless index_path is given", sst_path));
    }
    index_path = ReplaceSuffix(sst_path, kDataSuffix);
  }
  SstOptions resolved = options;
  if (resolved.comparator == nullptr) resolved.comparator = BytewiseComparator();
  Env* env = resolved.env != nullptr ? resolved.env : Env::Default();
  auto writer = std::make_unique<SstWriterImpl>(resolved, env, sst_path, *std::move(index_path));
  s = writer->Init();
  if (!s.ok()) return s;  // The destructor removes whatever was created.
  return writer;
}

absl::StatusOr<std::unique_ptr<SstReader>> SstReader::Open(const SstOptions& options,
                                                           const std::string& path,
                                                           std::optional<std::string> index_path) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  std::string sst_path = path;
  bool path_is_index = false;
  if (!index_path.has_value()) {
    if (path.ends_with(kDataSuffix)) {
      index_path = ReplaceSuffix(path, kDataSuffix);
    } else if (path.ends_with(kIndexSuffix)) {
      index_path = path;
      sst_path = ReplaceSuffix(path, kIndexSuffix);
      path_is_index = true;
    } else {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: a table path must end in .sst or .idx unless index_path is given", path));
    }
  }
  SstOptions resolved = options;
  if (resolved.comparator == nullptr) resolved.comparator = BytewiseComparator();
  Env* env = resolved.env != nullptr ? resolved.env : Env::Default();
  auto reader =
      std::make_unique<SstReaderImpl>(resolved, std::move(sst_path), *std::move(index_path));
  s = reader->Init(env, path_is_index);
  if (!s.ok()) return s;
  return reader;
}

}  // namespace kvlsm
