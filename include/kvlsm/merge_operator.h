// kvlsm/merge_operator.h: read-modify-write without a read, resolved lazily.
//
// DB::Merge(key, operand) records an operand instead of a value. Reads (and, once tables
// exist, compactions) fold the operands into a value through the MergeOperator configured
// in Options::merge_operator.
//
// Thread safety: a MergeOperator must be safe to call from many threads at once.
//
// Name() is persisted; opening a DB whose recorded merge operator name differs from the
// configured one fails with InvalidArgument.
#ifndef KVLSM_MERGE_OPERATOR_H_
#define KVLSM_MERGE_OPERATOR_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "kvlsm/export.h"

namespace kvlsm {

class KVLSM_EXPORT MergeOperator {
 public:
  virtual ~MergeOperator() = default;

  // A stable name, e.g. "kvlsm.UInt64AddOperator". Persisted; see above.
  virtual const char* Name() const = 0;

  // Combines the base value (std::nullopt when the key had no value or was deleted) with
  // `operands`, ordered oldest first, and stores the result in *new_value.
  // A non-OK status (for example, an operand that does not parse) is returned to the
  // reader as-is; kvlsm never substitutes a value of its own.
  // REQUIRES: !operands.empty().
  virtual absl::Status FullMerge(std::string_view key,
                                 std::optional<std::string_view> existing_value,
                                 std::span<const std::string_view> operands,
                                 std::string* new_value) const = 0;

  // Optionally combines two adjacent operands (`older` then `newer`) into one operand with
  // the same effect, storing it in *new_operand and returning true. Returning false (the
  // default) keeps both. Used to shorten operand chains; must be associative with
  // FullMerge: FullMerge(v, [a, b]) == FullMerge(v, [PartialMerge(a, b)]).
  virtual bool PartialMerge(std::string_view key, std::string_view older, std::string_view newer,
                            std::string* new_operand) const;
};

}  // namespace kvlsm

#endif  // KVLSM_MERGE_OPERATOR_H_
