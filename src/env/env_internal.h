// Helpers shared by the built-in Envs (posix_env.cc, mem_env.cc, fault_injection_env.cc).
// Implemented in env.cc. Nothing here is part of the public API.
#ifndef KVLSM_ENV_ENV_INTERNAL_H_
#define KVLSM_ENV_ENV_INTERNAL_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kvlsm/env.h"

namespace kvlsm::env_internal {

// The text of an errno value ("No such file or directory"). Thread-safe.
std::string ErrnoText(int err);

// The Status for a failed system call. `context` names the operation and the file, e.g.
// "open /db/000001.log". The result is
//   ENOENT:     NotFound("<context>: No such file or directory")
//   ENOSPC:     ResourceExhausted("<context>: No space left on device")
//   any other:  Internal("I/O error: <context>: <errno text>")
// so that every Env reports the same failure the same way.
absl::Status IOError(absl::string_view context, int err);

// A lexically normalized path: repeated and trailing slashes removed, "." components
// dropped, ".." resolved against the previous component where there is one. Absolute
// paths keep their leading "/" (the root is "/"); a relative path that becomes empty is
// ".". Symbolic links are not consulted.
std::string NormalizePath(std::string_view path);

// The directory holding `path`, which must be normalized: "/" for "/x" and for "/", "."
// for "x" and for ".".
std::string ParentDir(const std::string& path);

// A thread-safe Logger that appends one line per message to `file`, formatted
//   2026/11/21-06:42:19.123456 <thread id> message
// (local wall-clock time, the kernel thread id on Linux), and flushes after each line.
// Write errors are ignored: a logger must never fail the operation it describes.
std::shared_ptr<Logger> NewFileLogger(std::unique_ptr<WritableFile> file);

}  // namespace kvlsm::env_internal

#endif  // KVLSM_ENV_ENV_INTERNAL_H_
