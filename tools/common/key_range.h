// KeyRange: which keys a scan shows, from the flags --from (inclusive), --to (exclusive),
// --prefix and --limit, in bytewise key order (the order of kvlsm's built-in comparator,
// the only one the tools know).
//
// Thread safety: a plain value.
#ifndef KVLSM_TOOLS_COMMON_KEY_RANGE_H_
#define KVLSM_TOOLS_COMMON_KEY_RANGE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/bytes_format.h"
#include "common/command_line.h"
#include "kvlsm/iterator.h"

namespace kvlsm::tools {

struct KeyRange {
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> prefix;
  uint64_t limit = 0;  // 0: no limit.

  // Reads the four flags, decoding keys with `format`. InvalidArgument for malformed
  // ones, and for --from above --to.
  static absl::StatusOr<KeyRange> FromCommandLine(const CommandLine& command_line,
                                                  const BytesFormat& format);

  // Where a scan starts: the larger of --from and --prefix ("" for the first key).
  std::string Start() const;
  // True once `key` (visited in ascending order from Start()) is past the range.
  bool IsPast(std::string_view key) const;
  // True once `shown` entries are as many as the limit allows.
  bool LimitReached(uint64_t shown) const { return limit != 0 && shown >= limit; }
};

// Positions `iter` at range.Start(), then calls show() for each entry in the range, up to
// the limit, drawing a progress bar (of `total` entries; 0 when unknown). Returns how
// many were shown; an error is in iter->status().
uint64_t ScanRange(Iterator* iter, const KeyRange& range, uint64_t total,
                   const std::function<void()>& show);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_COMMON_KEY_RANGE_H_
