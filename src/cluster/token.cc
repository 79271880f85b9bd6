#include "kvlsm/cluster/token.h"

#include "absl/strings/str_format.h"
#include "util/hash.h"

namespace kvlsm::cluster {

Token KeyToken(std::string_view key) { return Hash64(key, 0); }

double TokenRange::Fraction() const {
  if (IsWholeRing()) return 1.0;
  return static_cast<double>(static_cast<Token>(end - start)) * 0x1p-64;
}

std::string TokenRange::ToString() const { return absl::StrFormat("(%016x, %016x]", start, end); }

}  // namespace kvlsm::cluster
