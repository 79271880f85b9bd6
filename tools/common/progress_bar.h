// ProgressBar: one line on stderr showing how far a long task (verify, scan) has come,
// redrawn at most ten times a second, and only when stderr is a terminal, so that
// redirected output and scripts never see it. When stdout is the same terminal, call
// BeforeOutput() before printing a line there: it erases the bar, which the next Update
// draws again below the line.
//
//   verify [##########..........]  50%  12 of 24 tables
//   scan   1234567 keys
//
// Thread safety: one thread.
#ifndef KVLSM_TOOLS_COMMON_PROGRESS_BAR_H_
#define KVLSM_TOOLS_COMMON_PROGRESS_BAR_H_

#include <cstdint>
#include <string>

namespace kvlsm::tools {

class ProgressBar {
 public:
  // total 0 means unknown: the line then shows a count. `unit` names what is counted.
  ProgressBar(std::string label, uint64_t total, std::string unit);
  // Erases the bar.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Records that `done` units are done; redraws when due.
  void Update(uint64_t done);

  // Erases the bar if stdout is a terminal (where it would mix with the output).
  void BeforeOutput();

  // The line for `done` units, without the carriage return. Public for tests.
  std::string Render(uint64_t done) const;

 private:
  void Erase();

  const std::string label_;
  const uint64_t total_;
  const std::string unit_;
  const bool enabled_;  // stderr is a terminal.
  const bool stdout_is_tty_;
  uint64_t last_draw_micros_ = 0;  // 0: never drawn.
  size_t drawn_width_ = 0;         // Characters on the line now.
};

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_COMMON_PROGRESS_BAR_H_
