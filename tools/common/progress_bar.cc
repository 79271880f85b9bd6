#include "common/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "absl/strings/str_format.h"

namespace kvlsm::tools {
namespace {

constexpr int kBarWidth = 20;
constexpr uint64_t kRedrawMicros = 100'000;

uint64_t NowMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

ProgressBar::ProgressBar(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      enabled_(isatty(STDERR_FILENO) == 1),
      stdout_is_tty_(isatty(STDOUT_FILENO) == 1) {}

ProgressBar::~ProgressBar() { Erase(); }

void ProgressBar::Erase() {
  if (drawn_width_ == 0) return;
  std::fprintf(stderr, "\r%*s\r", static_cast<int>(drawn_width_), "");
  std::fflush(stderr);
  drawn_width_ = 0;
}

void ProgressBar::BeforeOutput() {
  if (stdout_is_tty_) Erase();
}

std::string ProgressBar::Render(uint64_t done) const {
  if (total_ == 0) return absl::StrFormat("%s %d %s", label_, done, unit_);
  const uint64_t shown = std::min(done, total_);
  const int filled = static_cast<int>(shown * kBarWidth / total_);
  return absl::StrFormat("%s [%s%s] %3d%%  %d of %d %s", label_, std::string(filled, '#'),
                         std::string(kBarWidth - filled, '.'),
                         static_cast<int>(shown * 100 / total_), done, total_, unit_);
}

void ProgressBar::Update(uint64_t done) {
  if (!enabled_) return;
  const uint64_t now = NowMicros();
  if (last_draw_micros_ != 0 && now - last_draw_micros_ < kRedrawMicros) return;
  last_draw_micros_ = now;
  const std::string line = Render(done);
  // Pad over a longer previous line.
  std::fprintf(stderr, "\r%-*s", static_cast<int>(std::max(line.size(), drawn_width_)),
               line.c_str());
  std::fflush(stderr);
  drawn_width_ = std::max(line.size(), drawn_width_);
}

}  // namespace kvlsm::tools
