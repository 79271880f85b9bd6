#include "kvlsm/write_batch.h"

#include "absl/strings/str_cat.h"
#include "db/write_batch_internal.h"
#include "memtable/memtable.h"
#include "util/coding.h"

namespace kvlsm {

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.clear();
  rep_.resize(WriteBatchInternal::kHeaderSize);
}

uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data() + 8); }

size_t WriteBatch::ApproximateSize() const { return rep_.size(); }

void WriteBatch::Put(std::string_view key, std::string_view value) {
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(ValueType::kPut));
  PutLengthPrefixed(&rep_, key);
  PutLengthPrefixed(&rep_, value);
}

void WriteBatch::Delete(std::string_view key) {
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(ValueType::kDelete));
  PutLengthPrefixed(&rep_, key);
}

void WriteBatch::Merge(std::string_view key, std::string_view operand) {
  WriteBatchInternal::SetCount(this, Count() + 1);
  rep_.push_back(static_cast<char>(ValueType::kMerge));
  PutLengthPrefixed(&rep_, key);
  PutLengthPrefixed(&rep_, operand);
}

void WriteBatch::Append(const WriteBatch& source) {
  WriteBatchInternal::SetCount(this, Count() + source.Count());
  rep_.append(source.rep_, WriteBatchInternal::kHeaderSize);
}

namespace {

// Walks the records of an encoded batch, calling fn(type, key, value) for each. Returns
// DataLoss naming the record and byte offset when the encoding is damaged.
template <typename Fn>
absl::Status ForEachRecord(std::string_view rep, Fn&& fn) {
  if (rep.size() < WriteBatchInternal::kHeaderSize) {
    return absl::DataLossError(
        absl::StrCat("write batch of ", rep.size(), " bytes is shorter than its header"));
  }
  const uint32_t expected = DecodeFixed32(rep.data() + 8);
  std::string_view input = rep.substr(WriteBatchInternal::kHeaderSize);
  uint32_t found = 0;
  while (!input.empty()) {
    const size_t offset = rep.size() - input.size();
    const auto tag = static_cast<uint8_t>(input[0]);
    input.remove_prefix(1);
    std::string_view key, value;
    if (!GetLengthPrefixed(&input, &key)) {
      return absl::DataLossError(
          absl::StrCat("write batch record ", found, " at byte ", offset, ": bad key"));
    }
    if (tag == static_cast<uint8_t>(ValueType::kPut) ||
        tag == static_cast<uint8_t>(ValueType::kMerge)) {
      if (!GetLengthPrefixed(&input, &value)) {
        return absl::DataLossError(
            absl::StrCat("write batch record ", found, " at byte ", offset, ": bad value"));
      }
    } else if (tag != static_cast<uint8_t>(ValueType::kDelete)) {
      return absl::DataLossError(
          absl::StrCat("write batch record ", found, " at byte ", offset, ": unknown tag ", tag));
    }
    fn(static_cast<ValueType>(tag), key, value);
    ++found;
  }
  if (found != expected) {
    return absl::DataLossError(
        absl::StrCat("write batch holds ", found, " records but its header says ", expected));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteBatch::Iterate(Handler* handler) const {
  return ForEachRecord(rep_,
                       [handler](ValueType type, std::string_view key, std::string_view value) {
                         switch (type) {
                           case ValueType::kPut:
                             handler->Put(key, value);
                             break;
                           case ValueType::kDelete:
                             handler->Delete(key);
                             break;
                           case ValueType::kMerge:
                             handler->Merge(key, value);
                             break;
                         }
                       });
}

SequenceNumber WriteBatchInternal::Sequence(const WriteBatch& batch) {
  return DecodeFixed64(batch.rep_.data());
}

void WriteBatchInternal::SetSequence(WriteBatch* batch, SequenceNumber seq) {
  EncodeFixed64(batch->rep_.data(), seq);
}

void WriteBatchInternal::SetCount(WriteBatch* batch, uint32_t count) {
  EncodeFixed32(batch->rep_.data() + 8, count);
}

absl::Status WriteBatchInternal::SetContents(WriteBatch* batch, std::string_view contents) {
  if (contents.size() < kHeaderSize) {
    return absl::DataLossError(
        absl::StrCat("write batch of ", contents.size(), " bytes is shorter than its header"));
  }
  batch->rep_.assign(contents.data(), contents.size());
  return absl::OkStatus();
}

absl::Status WriteBatchInternal::Validate(const WriteBatch& batch) {
  return ForEachRecord(batch.rep_, [](ValueType, std::string_view, std::string_view) {});
}

bool WriteBatchInternal::HasMerge(const WriteBatch& batch) {
  bool has_merge = false;
  ForEachRecord(batch.rep_, [&has_merge](ValueType type, std::string_view, std::string_view) {
    has_merge |= type == ValueType::kMerge;
  }).IgnoreError();
  return has_merge;
}

absl::Status WriteBatchInternal::InsertInto(const WriteBatch& batch, MemTable* mem) {
  SequenceNumber seq = Sequence(batch);
  return ForEachRecord(batch.rep_,
                       [mem, &seq](ValueType type, std::string_view key, std::string_view value) {
                         mem->Add(seq++, type, key, value);
                       });
}

}  // namespace kvlsm
