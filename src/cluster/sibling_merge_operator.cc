#include "kvlsm/cluster/sibling_merge_operator.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "kvlsm/cluster/dvv_set.h"

namespace kvlsm::cluster {
namespace {

// The key for an error message: escaped, and cut short if long.
std::string PrintableKey(std::string_view key) {
  constexpr size_t kMaxShown = 64;
  std::string shown = absl::CHexEscape(std::string(key.substr(0, kMaxShown)));
  if (key.size() > kMaxShown) shown += "...";
  return shown;
}

class SiblingMergeOperator : public MergeOperator {
 public:
  const char* Name() const override { return "kvlsm.dist.DvvSetSync"; }

  absl::Status FullMerge(std::string_view key, std::optional<std::string_view> existing_value,
                         std::span<const std::string_view> operands,
                         std::string* new_value) const override {
    DvvSet state;
    if (existing_value.has_value()) {
      absl::StatusOr<DvvSet> decoded = DvvSet::Decode(*existing_value);
      if (!decoded.ok()) {
        return absl::DataLossError(absl::StrCat("stored sibling set of key \"", PrintableKey(key),
                                                "\": ", decoded.status().message()));
      }
      state = *std::move(decoded);
    }
    for (size_t i = 0; i < operands.size(); ++i) {
      absl::StatusOr<DvvSet> operand = DvvSet::Decode(operands[i]);
      if (!operand.ok()) {
        return absl::DataLossError(absl::StrCat("merge operand #", i, " of key \"",
                                                PrintableKey(key),
                                                "\": ", operand.status().message()));
      }
      if (absl::Status s = state.Sync(*operand); !s.ok()) {
        return absl::Status(s.code(),
                            absl::StrCat("merging key \"", PrintableKey(key), "\": ", s.message()));
      }
    }
    new_value->clear();
    state.EncodeTo(new_value);
    return absl::OkStatus();
  }

  bool PartialMerge(std::string_view key, std::string_view older, std::string_view newer,
                    std::string* new_operand) const override {
    // Undecodable operands stay as they are, for FullMerge to report.
    absl::StatusOr<DvvSet> left = DvvSet::Decode(older);
    if (!left.ok()) return false;
    absl::StatusOr<DvvSet> right = DvvSet::Decode(newer);
    if (!right.ok() || !left->Sync(*right).ok()) return false;
    new_operand->clear();
    left->EncodeTo(new_operand);
    return true;
  }
};

}  // namespace

std::shared_ptr<const MergeOperator> NewSiblingMergeOperator() {
  return std::make_shared<SiblingMergeOperator>();
}

}  // namespace kvlsm::cluster
