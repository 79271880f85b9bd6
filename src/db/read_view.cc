#include "db/read_view.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/get_context.h"
#include "db/db_iter.h"
#include "db/snapshot_list.h"
#include "kvlsm/comparator.h"
#include "kvlsm/merge_operator.h"
#include "memtable/memtable.h"
#include "table/merging_iterator.h"

namespace kvlsm {

ReadView::ReadView(const ReadContext& context, std::shared_ptr<const ReadState> state,
                   SequenceNumber last_sequence)
    : context_(context), state_(std::move(state)), last_sequence_(last_sequence) {}

SequenceNumber ReadView::ReadSequence(const ReadOptions& options) const {
  return options.snapshot != nullptr
             ? static_cast<const SnapshotImpl*>(options.snapshot)->sequence()
             : last_sequence_;
}

absl::Status ReadView::Get(const ReadOptions& options, std::string_view key,
                           std::string* value) const {
  if (value == nullptr) return absl::InvalidArgumentError("DB::Get: value is null");
  const SequenceNumber sequence = ReadSequence(options);
  GetContext ctx(context_.options->merge_operator.get(), key, value);
  bool done = state_->mem != nullptr && state_->mem->Get(key, sequence, &ctx);
  for (auto it = state_->imm.begin(); !done && it != state_->imm.end(); ++it) {
    done = it->mem->Get(key, sequence, &ctx);
  }
  if (!done) {
    absl::Status s = state_->version->Get(options, key, sequence, &ctx);
    if (!s.ok()) ctx.SetError(s);
  }
  return ctx.Finish();
}

std::unique_ptr<Iterator> ReadView::NewIterator(const ReadOptions& options,
                                                std::shared_ptr<const void> pin) const {
  const Comparator* user_comparator = context_.options->comparator;
  if (options.lower_bound && options.upper_bound &&
      user_comparator->Compare(*options.lower_bound, *options.upper_bound) > 0) {
    return NewErrorIterator(absl::InvalidArgumentError(
        "DB::NewIterator: ReadOptions::lower_bound is above upper_bound"));
  }
  std::vector<std::unique_ptr<Iterator>> children;
  if (state_->mem != nullptr) children.push_back(state_->mem->NewIterator());
  for (const auto& imm : state_->imm) children.push_back(imm.mem->NewIterator());
  state_->version->AddIterators(options, &children);
  DBIterOptions iter_options;
  iter_options.user_comparator = user_comparator;
  iter_options.merge_operator = context_.options->merge_operator.get();
  iter_options.sequence = ReadSequence(options);
  iter_options.lower_bound = options.lower_bound;
  iter_options.upper_bound = options.upper_bound;
  iter_options.pinned.push_back(pin != nullptr ? std::move(pin) : state_);
  return NewDBIterator(std::move(iter_options),
                       NewMergingIterator(context_.internal_comparator, std::move(children)));
}

MemTableTotals ReadView::MemTables() const {
  MemTableTotals totals;
  auto add = [&totals](const MemTable& mem) {
    ++totals.count;
    totals.bytes += mem.ApproximateMemoryUsage();
    totals.entries += mem.num_entries();
    totals.deletes += mem.num_deletes();
  };
  if (state_->mem != nullptr) add(*state_->mem);
  for (const auto& imm : state_->imm) add(*imm.mem);
  return totals;
}

std::optional<std::string> ReadView::GetProperty(std::string_view name) const {
  const Version& version = *state_->version;
  const Cache& cache = *context_.options->block_cache;
  if (name == "kvlsm.cur-size-all-mem-tables") return absl::StrCat(MemTables().bytes);
  if (name == "kvlsm.num-immutable-mem-table") return absl::StrCat(state_->imm.size());
  if (name == "kvlsm.num-entries-active-mem-table") {
    return absl::StrCat(state_->mem == nullptr ? 0 : state_->mem->num_entries());
  }
  if (name == "kvlsm.last-sequence") return absl::StrCat(last_sequence_);
  if (name == "kvlsm.index-and-filter-memory") {
    return absl::StrCat(context_.table_cache->IndexAndFilterMemory());
  }
  if (name == "kvlsm.block-cache-capacity") return absl::StrCat(cache.GetCapacity());
  if (name == "kvlsm.block-cache-usage") return absl::StrCat(cache.GetUsage());
  if (name == "kvlsm.block-cache-hits") return absl::StrCat(cache.GetStats().hits);
  if (name == "kvlsm.block-cache-misses") return absl::StrCat(cache.GetStats().misses);
  if (name == "kvlsm.total-table-bytes") {
    uint64_t total = 0;
    for (int level = 0; level < kNumLevels; ++level) total += version.LevelBytes(level);
    return absl::StrCat(total);
  }
  constexpr std::string_view kFilesAtLevel = "kvlsm.num-files-at-level";
  if (name.starts_with(kFilesAtLevel)) {
    const std::string_view digits = name.substr(kFilesAtLevel.size());
    if (digits.size() == 1 && digits[0] >= '0' && digits[0] < '0' + kNumLevels) {
      return absl::StrCat(version.NumFiles(digits[0] - '0'));
    }
  }
  return std::nullopt;
}

}  // namespace kvlsm
