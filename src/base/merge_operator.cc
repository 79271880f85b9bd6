#include "kvlsm/merge_operator.h"

namespace kvlsm {

bool MergeOperator::PartialMerge(std::string_view key, std::string_view older,
                                 std::string_view newer, std::string* new_operand) const {
  return false;
}

}  // namespace kvlsm
