#include "base/get_context.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kvlsm {

GetContext::GetContext(const MergeOperator* merge_operator, std::string_view user_key,
                       std::string* value)
    : merge_operator_(merge_operator), user_key_(user_key), value_(value) {}

bool GetContext::SaveValue(ValueType type, std::string_view value) {
  if (done()) return false;
  switch (type) {
    case ValueType::kPut:
      base_.assign(value.data(), value.size());
      found_base_ = true;
      done_ = true;
      return false;
    case ValueType::kDelete:
      done_ = true;
      return false;
    case ValueType::kMerge:
      operands_.emplace_back(value);
      return true;
  }
  error_ = absl::DataLossError(
      absl::StrFormat("unknown value type %d for key '%s'", static_cast<int>(type), user_key_));
  return false;
}

absl::Status GetContext::Finish() {
  if (!error_.ok()) return error_;
  if (operands_.empty()) {
    if (!found_base_) return absl::NotFoundError("key not found");
    *value_ = std::move(base_);
    return absl::OkStatus();
  }
  if (merge_operator_ == nullptr) {
    return absl::InvalidArgumentError(
        "a merge operand was found but Options::merge_operator is not set");
  }
  // Collected newest first; the operator wants oldest first.
  std::vector<std::string_view> ordered(operands_.rbegin(), operands_.rend());
  std::optional<std::string_view> existing;
  if (found_base_) existing = base_;
  std::string merged;
  absl::Status s = merge_operator_->FullMerge(user_key_, existing, ordered, &merged);
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("merge operator ", merge_operator_->Name(),
                                               " failed: ", s.message()));
  }
  *value_ = std::move(merged);
  return absl::OkStatus();
}

}  // namespace kvlsm
