#include "compaction/compaction_stats.h"

#include "absl/strings/str_format.h"

namespace kvlsm {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

double Ratio(uint64_t a, uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; }

}  // namespace

void CompactionStats::AddFlush(uint64_t bytes, uint64_t micros) {
  Level& l0 = levels_[0];
  l0.bytes_in += bytes;
  l0.bytes_written += bytes;
  l0.micros += micros;
}

void CompactionStats::AddCompaction(const CompactionSpec& spec, const CompactionResult& result) {
  Level& out = levels_[spec.output_level];
  ++out.compactions;
  out.micros += result.micros;
  out.bytes_read += result.bytes_read;
  out.bytes_written += result.bytes_written;
  for (const auto& input : spec.inputs) {
    if (input.level == spec.output_level) continue;
    for (const auto& f : input.files) out.bytes_in += f->total_size();
  }
}

void CompactionStats::AddMove(int to_level, uint64_t bytes) {
  ++levels_[to_level].compactions;
  levels_[to_level].bytes_moved += bytes;
}

void CompactionStats::AddDrop(uint64_t bytes) {
  dropped_bytes_ += bytes;
  ++drops_;
}

uint64_t CompactionStats::compactions() const {
  uint64_t total = drops_;
  for (const Level& l : levels_) total += l.compactions;
  return total;
}

uint64_t CompactionStats::table_bytes_written() const {
  uint64_t total = 0;
  for (const Level& l : levels_) total += l.bytes_written;
  return total;
}

std::string CompactionStats::Format(const Version& version,
                                    const std::vector<double>& scores) const {
  std::string out =
      "level  files   size(MiB)  score   read(MiB)  write(MiB)  w-amp  comps  moved(MiB)  "
      "time(s)\n";
  Level sum;
  int files = 0;
  uint64_t bytes = 0;
  for (int level = 0; level < kNumLevels; ++level) {
    const Level& l = levels_[level];
    const int n = version.NumFiles(level);
    const uint64_t size = version.LevelBytes(level);
    if (n == 0 && l.compactions == 0 && l.bytes_written == 0) continue;
    const double score = level < static_cast<int>(scores.size()) ? scores[level] : 0.0;
    absl::StrAppendFormat(&out, "  L%d  %6d  %10.1f  %5.2f  %10.1f  %10.1f  %5.2f  %5d  %10.1f  %7.1f\n",
                          level, n, size / kMiB, score, l.bytes_read / kMiB,
                          l.bytes_written / kMiB, Ratio(l.bytes_written, l.bytes_in), l.compactions,
                          l.bytes_moved / kMiB, l.micros / 1e6);
    files += n;
    bytes += size;
    sum.compactions += l.compactions;
    sum.micros += l.micros;
    sum.bytes_read += l.bytes_read;
    sum.bytes_written += l.bytes_written;
    sum.bytes_moved += l.bytes_moved;
  }
  // Total write amplification: every table byte written per byte flushed.
  absl::StrAppendFormat(&out, "  sum %6d  %10.1f         %10.1f  %10.1f  %5.2f  %5d  %10.1f  %7.1f\n",
                        files, bytes / kMiB, sum.bytes_read / kMiB, sum.bytes_written / kMiB,
                        Ratio(sum.bytes_written, levels_[0].bytes_in), sum.compactions,
                        sum.bytes_moved / kMiB, sum.micros / 1e6);
  absl::StrAppendFormat(&out, "compaction: %d drops of %.1f MiB (FIFO), %d failed jobs\n", drops_,
                        dropped_bytes_ / kMiB, failures_);
  return out;
}

}  // namespace kvlsm
