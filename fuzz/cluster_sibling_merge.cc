// Fuzz target: the sibling merge operator (kvlsm/cluster/sibling_merge_operator.h) folding an
// untrusted stored value and operands. Never a crash; a refusal is DataLoss; a result is
// a DvvSet that decodes; and, as the header promises, the result depends neither on the
// order of the operands nor on their repetition, and PartialMerge agrees with FullMerge.
//
// Input: flags:u8 (bit 0: there is an existing value), then the existing value and two
// operands, each length-prefixed (see FuzzInput::LengthPrefixed).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/sibling_merge_operator.h"

namespace {

using kvlsm::MergeOperator;

absl::StatusOr<std::string> Fold(const MergeOperator& op, std::optional<std::string_view> existing,
                                 std::vector<std::string_view> operands) {
  std::string result;
  absl::Status s = op.FullMerge("key", existing, operands, &result);
  if (!s.ok()) return s;
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto op = kvlsm::cluster::NewSiblingMergeOperator();
  kvlsm::fuzz::FuzzInput in(data, size);
  const bool has_existing = in.Bit();
  const std::string_view existing_bytes = in.LengthPrefixed(1024);
  const std::optional<std::string_view> existing =
      has_existing ? std::optional<std::string_view>(existing_bytes) : std::nullopt;
  const std::string_view a = in.LengthPrefixed(1024);
  const std::string_view b = in.LengthPrefixed(1024);

  absl::StatusOr<std::string> ab = Fold(*op, existing, {a, b});
  if (!ab.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(ab.status()));
    return 0;
  }
  FUZZ_CHECK_OK(kvlsm::cluster::DvvSet::Decode(*ab).status());
  absl::StatusOr<std::string> ba = Fold(*op, existing, {b, a});
  FUZZ_CHECK_OK(ba.status());
  FUZZ_CHECK(*ab == *ba);
  absl::StatusOr<std::string> aab = Fold(*op, existing, {a, a, b});
  FUZZ_CHECK_OK(aab.status());
  FUZZ_CHECK(*ab == *aab);
  // Folding the result again changes nothing.
  absl::StatusOr<std::string> again = Fold(*op, std::string_view(*ab), {b});
  FUZZ_CHECK_OK(again.status());
  FUZZ_CHECK(*ab == *again);
  std::string combined;
  if (op->PartialMerge("key", a, b, &combined)) {
    absl::StatusOr<std::string> partial = Fold(*op, existing, {combined});
    FUZZ_CHECK_OK(partial.status());
    FUZZ_CHECK(*ab == *partial);
  }
  return 0;
}
