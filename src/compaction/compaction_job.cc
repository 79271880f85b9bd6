#include "compaction/compaction_job.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"
#include "base/filename.h"
#include "manifest/level_iterator.h"
#include "cache/table_cache.h"
#include "table/merging_iterator.h"
#include "util/rate_limiter.h"

namespace kvlsm {
namespace {

bool FileCoversUserKey(const Comparator* ucmp, const FileMetaData& f, std::string_view user_key) {
  return ucmp->Compare(user_key, ExtractUserKey(f.smallest)) >= 0 &&
         ucmp->Compare(user_key, ExtractUserKey(f.largest)) <= 0;
}

// Whether a table outside the compaction may hold a key: by the tables' key ranges.
bool KeyMayExistBelow(const Comparator* ucmp, const CompactionSpec& spec,
                      std::string_view user_key) {
  for (const auto& f : spec.older_level0) {
    if (FileCoversUserKey(ucmp, *f, user_key)) return true;
  }
  for (const FileList& files : spec.older_levels) {
    auto it = std::lower_bound(files.begin(), files.end(), user_key,
                               [ucmp](const auto& f, std::string_view k) {
                                 return ucmp->Compare(ExtractUserKey(f->largest), k) < 0;
                               });
    if (it != files.end() && FileCoversUserKey(ucmp, **it, user_key)) return true;
  }
  return false;
}

std::string FileNumbers(const CompactionSpec& spec) {
  std::string out;
  for (const auto& input : spec.inputs) {
    for (const auto& f : input.files) {
      absl::StrAppendFormat(&out, "%s%06d", out.empty() ? "" : ",", f->number);
    }
  }
  return out;
}

// Decides where one output table ends: at the target size, or before the output would
// overlap more than the allowed bytes of the grandparent level.
class OutputSplitter {
 public:
  OutputSplitter(const InternalKeyComparator* comparator, const CompactionSpec& spec)
      : comparator_(comparator), spec_(spec) {}

  // Called with the first entry of each user key; true to start a new table before it.
  bool ShouldStopBefore(std::string_view internal_key, uint64_t current_size) {
    if (spec_.output_level == 0) return false;
    const FileList& gp = spec_.grandparents;
    while (next_ < gp.size() && comparator_->Compare(internal_key, gp[next_]->largest) > 0) {
      if (seen_key_) overlapped_ += gp[next_]->total_size();
      ++next_;
    }
    seen_key_ = true;
    const bool too_big = spec_.target_file_size > 0 && current_size >= spec_.target_file_size;
    const bool overlaps_too_much = spec_.max_grandparent_overlap_bytes > 0 &&
                                   overlapped_ > spec_.max_grandparent_overlap_bytes;
    if (current_size > 0 && (too_big || overlaps_too_much)) {
      overlapped_ = 0;
      return true;
    }
    return false;
  }

 private:
  const InternalKeyComparator* const comparator_;
  const CompactionSpec& spec_;
  size_t next_ = 0;  // First grandparent not entirely before the current key.
  bool seen_key_ = false;
  uint64_t overlapped_ = 0;
};

class Job {
 public:
  Job(const CompactionJobOptions& options, const CompactionSpec& spec)
      : options_(options), spec_(spec) {}

  ~Job() {
    if (!done_) {
      for (const auto& meta : result_.outputs) {
        options_.table_cache->Evict(meta.number);
        options_.build.env->RemoveFile(TableFileName(options_.build.dbname, meta.number))
            .IgnoreError();
        options_.build.env
            ->RemoveFile(TableIndexFileName(options_.build.index_dir, meta.number))
            .IgnoreError();
      }
    }
  }

  absl::StatusOr<CompactionResult> Run() {
    Env* env = options_.build.env;
    const uint64_t start = env->NowMicros();
    ReadOptions read;
    read.fill_cache = false;
    read.verify_checksums = true;
    std::vector<std::unique_ptr<Iterator>> children;
    uint64_t recorded_entries = 0;
    for (const auto& input : spec_.inputs) {
      for (const auto& f : input.files) {
        result_.bytes_read += f->total_size();
        recorded_entries += f->num_entries;
      }
      if (input.level == 0) {
        for (const auto& f : input.files) {
          children.push_back(options_.table_cache->NewIterator(read, *f));
        }
      } else {
        children.push_back(
            NewLevelIterator(read, options_.comparator, options_.table_cache, &input.files));
      }
    }
    std::unique_ptr<Iterator> merged = NewMergingIterator(options_.comparator, std::move(children));

    CompactionIteratorOptions iter_options;
    iter_options.user_comparator = options_.comparator->user_comparator();
    iter_options.merge_operator = options_.merge_operator;
    iter_options.snapshots = spec_.snapshots;
    iter_options.key_may_exist_below = [this](std::string_view user_key) {
      return KeyMayExistBelow(options_.comparator->user_comparator(), spec_, user_key);
    };
    CompactionIterator iter(std::move(iter_options), merged.get());
    OutputSplitter splitter(options_.comparator, spec_);

    absl::Status s;
    for (iter.SeekToFirst(); iter.Valid(); iter.Next()) {
      if (iter.starts_user_key()) {
        if (options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed)) {
          return absl::CancelledError("compaction cancelled: the DB is closing");
        }
        const uint64_t size = writer_ != nullptr ? writer_->DataFileSize() : 0;
        if (splitter.ShouldStopBefore(iter.key(), size)) {
          s = FinishOutput();
          if (!s.ok()) return s;
        }
      }
      if (writer_ == nullptr) {
        s = StartOutput();
        if (!s.ok()) return s;
      }
      writer_->Add(iter.key(), iter.value());
      ++entries_in_output_;
      if (options_.rate_limiter != nullptr) {
        const uint64_t size = writer_->DataFileSize();
        if (size > limited_bytes_) options_.rate_limiter->Request(size - limited_bytes_);
        limited_bytes_ = size;
      }
    }
    if (!iter.status().ok()) return iter.status();
    if (writer_ != nullptr) {
      s = FinishOutput();
      if (!s.ok()) return s;
    }
    result_.entries = iter.stats();
    if (options_.paranoid_checks && result_.entries.input_entries != recorded_entries) {
      return absl::DataLossError(absl::StrFormat(
          "compaction of tables %s read %d entries but the MANIFEST records %d",
          FileNumbers(spec_), result_.entries.input_entries, recorded_entries));
    }
    result_.micros = env->NowMicros() - start;
    done_ = true;
    return std::move(result_);
  }

 private:
  absl::Status StartOutput() {
    BuildTableOptions build = options_.build;
    build.table.creation_time = build.env->NowUnixSeconds();
    auto writer = TableFileWriter::Create(build, options_.new_file_number());
    if (!writer.ok()) return writer.status();
    writer_ = *std::move(writer);
    entries_in_output_ = 0;
    limited_bytes_ = 0;
    return absl::OkStatus();
  }

  absl::Status FinishOutput() {
    FileMetaData meta;
    absl::Status s = writer_->Finish(&meta);
    writer_.reset();
    if (!s.ok()) return s;
    // From here the job's destructor removes the table on failure.
    result_.outputs.push_back(meta);
    result_.bytes_written += meta.total_size();
    if (options_.paranoid_checks && meta.num_entries != entries_in_output_) {
      return absl::DataLossError(
          absl::StrFormat("compaction output %06d holds %d entries; %d were written",
                          meta.number, meta.num_entries, entries_in_output_));
    }
    return options_.table_cache->Open(meta);
  }

  const CompactionJobOptions& options_;
  const CompactionSpec& spec_;
  CompactionResult result_;
  std::unique_ptr<TableFileWriter> writer_;
  uint64_t entries_in_output_ = 0;
  uint64_t limited_bytes_ = 0;  // Of the current output, already passed to the limiter.
  bool done_ = false;
};

}  // namespace

absl::StatusOr<CompactionResult> RunCompactionJob(const CompactionJobOptions& options,
                                                  const CompactionSpec& spec) {
  Job job(options, spec);
  return job.Run();
}

}  // namespace kvlsm
