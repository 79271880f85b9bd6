// WriteBatchInternal: the parts of WriteBatch that only the engine may touch.
//
// A batch's encoding, which is also the payload of a WAL record (docs/format.md):
//
//   batch  := sequence:fixed64 count:fixed32 record*
//   record := kPut    key:lenprefixed value:lenprefixed
//           | kDelete key:lenprefixed
//           | kMerge  key:lenprefixed operand:lenprefixed
//   lenprefixed := length:varint32 bytes
//
// The tags are ValueType values (db/dbformat.h). The i-th record gets sequence + i.
#ifndef KVLSM_DB_WRITE_BATCH_INTERNAL_H_
#define KVLSM_DB_WRITE_BATCH_INTERNAL_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "base/dbformat.h"
#include "kvlsm/write_batch.h"

namespace kvlsm {

class MemTable;

class WriteBatchInternal {
 public:
  static constexpr size_t kHeaderSize = 12;

  static SequenceNumber Sequence(const WriteBatch& batch);
  static void SetSequence(WriteBatch* batch, SequenceNumber seq);
  static void SetCount(WriteBatch* batch, uint32_t count);

  static std::string_view Contents(const WriteBatch& batch) { return batch.rep_; }
  static size_t ByteSize(const WriteBatch& batch) { return batch.rep_.size(); }
  // Replaces the batch's encoding with `contents` after checking the header length;
  // the records are validated by Iterate/InsertInto. DataLoss when too short.
  static absl::Status SetContents(WriteBatch* batch, std::string_view contents);

  // OK when every record decodes and the count matches the header; DataLoss otherwise.
  static absl::Status Validate(const WriteBatch& batch);

  // True when the batch holds at least one Merge record.
  static bool HasMerge(const WriteBatch& batch);

  // Inserts every record into mem with consecutive sequence numbers from the batch's.
  // DataLoss (and possibly a partial insert) when the encoding is damaged; callers that
  // read untrusted bytes validate with Iterate first.
  static absl::Status InsertInto(const WriteBatch& batch, MemTable* mem);
};

}  // namespace kvlsm

#endif  // KVLSM_DB_WRITE_BATCH_INTERNAL_H_
