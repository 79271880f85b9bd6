// The Env helpers declared in kvlsm/env.h and the internals shared by the built-in Envs
// (src/env/env_internal.h).
#include "kvlsm/env.h"

#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/syscall.h>
#endif

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "env/env_internal.h"
#include "util/mutex.h"

namespace kvlsm {

uint64_t Env::NowUnixSeconds() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

absl::Status WriteStringToFile(Env* env, std::string_view data, const std::string& fname,
                               bool sync) {
  absl::StatusOr<std::unique_ptr<WritableFile>> file = env->NewWritableFile(fname);
  if (!file.ok()) return file.status();
  absl::Status s = (*file)->Append(data);
  if (s.ok() && sync) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  file->reset();
  if (!s.ok()) {
    // Leave no half-written file behind; the caller sees the original error.
    env->RemoveFile(fname).IgnoreError();
  }
  return s;
}

absl::Status ReadFileToString(Env* env, const std::string& fname, std::string* data) {
  data->clear();
  absl::StatusOr<std::unique_ptr<SequentialFile>> file = env->NewSequentialFile(fname);
  if (!file.ok()) return file.status();
  constexpr size_t kChunk = 64 * 1024;
  std::unique_ptr<char[]> scratch(new char[kChunk]);
  while (true) {
    std::string_view fragment;
    absl::Status s = (*file)->Read(kChunk, &fragment, scratch.get());
    if (!s.ok()) return s;
    data->append(fragment.data(), fragment.size());
    if (fragment.size() < kChunk) return absl::OkStatus();
  }
}

namespace env_internal {
namespace {

// strerror_r comes in two flavours; these overloads accept either.
[[maybe_unused]] const char* StrerrorResult(int result, const char* buffer) {
  return result == 0 ? buffer : "Unknown error";
}
[[maybe_unused]] const char* StrerrorResult(const char* result, const char* /*buffer*/) {
  return result;
}

}  // namespace

std::string ErrnoText(int err) {
  char buffer[256];
  buffer[0] = '\0';
  return StrerrorResult(strerror_r(err, buffer, sizeof(buffer)), buffer);
}

absl::Status IOError(absl::string_view context, int err) {
  const std::string text = ErrnoText(err);
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(absl::StrCat(context, ": ", text));
    case ENOSPC:
      return absl::ResourceExhaustedError(absl::StrCat(context, ": ", text));
    default:
      return absl::InternalError(absl::StrCat("I/O error: ", context, ": ", text));
  }
}

std::string NormalizePath(std::string_view path) {
  const bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
        continue;
      }
      if (absolute) continue;  // "/.." is "/".
    }
    parts.push_back(part);
  }
  std::string result = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) result += '/';
    result.append(parts[i].data(), parts[i].size());
  }
  if (result.empty()) return ".";
  return result;
}

std::string ParentDir(const std::string& path) {
  if (path == "/" || path == ".") return path;
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

namespace {

uint64_t CurrentThreadId() {
#if defined(__linux__)
  return static_cast<uint64_t>(::syscall(SYS_gettid));
#else
  return std::hash<std::thread::id>()(std::this_thread::get_id());
#endif
}

class FileLogger final : public Logger {
 public:
  explicit FileLogger(std::unique_ptr<WritableFile> file) : file_(std::move(file)) {}
  ~FileLogger() override {
    MutexLock lock(&mu_);
    file_->Close().IgnoreError();
  }

  void Log(std::string_view message) override {
    struct timeval now;
    ::gettimeofday(&now, nullptr);
    struct tm local;
    const time_t seconds = now.tv_sec;
    ::localtime_r(&seconds, &local);
    std::string line =
        absl::StrFormat("%04d/%02d/%02d-%02d:%02d:%02d.%06d %d ", local.tm_year + 1900,
                        local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
                        static_cast<int>(now.tv_usec), CurrentThreadId());
    line.append(message.data(), message.size());
    if (line.back() != '\n') line.push_back('\n');

    MutexLock lock(&mu_);
    // A logger must not fail the operation it reports on, so errors are dropped here.
    if (file_->Append(line).ok()) file_->Flush().IgnoreError();
  }

 private:
  Mutex mu_;
  const std::unique_ptr<WritableFile> file_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace

std::shared_ptr<Logger> NewFileLogger(std::unique_ptr<WritableFile> file) {
  return std::make_shared<FileLogger>(std::move(file));
}

}  // namespace env_internal
}  // namespace kvlsm
