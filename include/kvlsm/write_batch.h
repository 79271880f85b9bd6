// kvlsm/write_batch.h: a group of updates applied atomically by DB::Write.
//
// The batch is applied in order: a later Put to the same key wins over an earlier one.
//
// Thread safety: a WriteBatch needs external synchronization when shared; const methods
// may run concurrently.
#ifndef KVLSM_WRITE_BATCH_H_
#define KVLSM_WRITE_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "kvlsm/export.h"

namespace kvlsm {

class KVLSM_EXPORT WriteBatch {
 public:
  // Receives the updates of a batch, in order, from Iterate().
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Put(std::string_view key, std::string_view value) = 0;
    virtual void Delete(std::string_view key) = 0;
    virtual void Merge(std::string_view key, std::string_view operand) = 0;
  };

  WriteBatch();
  WriteBatch(const WriteBatch&) = default;
  WriteBatch& operator=(const WriteBatch&) = default;
  ~WriteBatch() = default;

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  void Merge(std::string_view key, std::string_view operand);
  // Removes every update.
  void Clear();
  // Appends every update of `source`.
  void Append(const WriteBatch& source);

  // The number of updates.
  uint32_t Count() const;
  // The size of the batch's encoding in bytes, as it will be written to the WAL.
  size_t ApproximateSize() const;

  // Calls the handler once per update, in order. DataLoss when the batch's encoding is
  // damaged (possible only for a batch decoded from outside, e.g. by a WAL reader).
  absl::Status Iterate(Handler* handler) const;

 private:
  friend class WriteBatchInternal;
  std::string rep_;  // Format: see src/db/write_batch_internal.h and docs/format.md.
};

}  // namespace kvlsm

#endif  // KVLSM_WRITE_BATCH_H_
