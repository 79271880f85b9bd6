#include "common/key_range.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "common/progress_bar.h"

namespace kvlsm::tools {

absl::StatusOr<KeyRange> KeyRange::FromCommandLine(const CommandLine& command_line,
                                                   const BytesFormat& format) {
  KeyRange range;
  for (auto [name, field] : {std::pair{"from", &range.from}, std::pair{"to", &range.to},
                             std::pair{"prefix", &range.prefix}}) {
    const std::optional<std::string> text = command_line.Value(name);
    if (!text) continue;
    auto bytes = format.Decode(*text, absl::StrFormat("--%s", name));
    if (!bytes.ok()) return bytes.status();
    *field = *std::move(bytes);
  }
  auto limit = command_line.Uint("limit", 0);
  if (!limit.ok()) return limit.status();
  range.limit = *limit;
  if (range.from && range.to && *range.from > *range.to) {
    return absl::InvalidArgumentError("--from is above --to");
  }
  return range;
}

std::string KeyRange::Start() const { return std::max(from.value_or(""), prefix.value_or("")); }

bool KeyRange::IsPast(std::string_view key) const {
  if (to && key >= *to) return true;
  return prefix && !key.starts_with(*prefix);
}

uint64_t ScanRange(Iterator* iter, const KeyRange& range, uint64_t total,
                   const std::function<void()>& show) {
  const std::string start = range.Start();
  if (start.empty()) {
    iter->SeekToFirst();
  } else {
    iter->Seek(start);
  }
  ProgressBar progress("scan", total, total == 0 ? "keys" : "entries");
  uint64_t shown = 0;
  for (; iter->Valid() && !range.IsPast(iter->key()) && !range.LimitReached(shown); iter->Next()) {
    progress.BeforeOutput();
    show();
    progress.Update(++shown);
  }
  return shown;
}

}  // namespace kvlsm::tools
