// Shared by the crash-test stress process and its driver (docs/reliability.md, "Crash
// test"): command-line flags, and the expected-state files the stress process keeps next
// to the DB.
//
// Expected state, in a directory of its own:
//   acked       16 bytes, rewritten in place after every acknowledged write: the id of
//               the last acknowledged write and of the last acknowledged synced write
//               (fixed64 each). A SIGKILL cannot lose it: the kernel has the bytes once
//               pwrite returns.
//   checkpoint  the model after write p, for the last p the stress process verified:
//               "kvlsm-crash-checkpoint 1\n", then p, then the key/value pairs, each
//               length-prefixed (fixed64 lengths). Replaced atomically (rename).
// With the workload's writes a pure function of (seed, id) (reliability/workload.h), the
// state after any write p is the checkpoint plus writes checkpoint_p+1 .. p.
#ifndef KVLSM_TESTS_CRASH_CRASH_COMMON_H_
#define KVLSM_TESTS_CRASH_CRASH_COMMON_H_

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "reliability/workload.h"
#include "util/coding.h"

namespace kvlsm::crash {

// --name=value flags; a bare --name is "1".
class Flags {
 public:
  Flags(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string_view arg = argv[i];
      if (!arg.starts_with("--")) Usage(absl::StrFormat("unexpected argument '%s'", arg));
      arg.remove_prefix(2);
      const size_t eq = arg.find('=');
      values_[std::string(arg.substr(0, eq))] =
          eq == std::string_view::npos ? "1" : std::string(arg.substr(eq + 1));
    }
  }
  std::string Get(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  std::string Required(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) Usage("--" + name + " is required");
    return it->second;
  }
  uint64_t Number(const std::string& name, uint64_t fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : std::strtoull(it->second.c_str(), nullptr, 10);
  }
  bool Has(const std::string& name) const { return values_.contains(name); }

  [[noreturn]] static void Usage(const std::string& problem) {
    std::fprintf(stderr, "%s (see the comment at the top of the program's source)\n",
                 problem.c_str());
    std::exit(3);
  }

 private:
  std::map<std::string, std::string> values_;
};

class ExpectedState {
 public:
  explicit ExpectedState(std::string dir) : dir_(std::move(dir)) {}

  struct Acked {
    uint64_t last = 0;         // The last acknowledged write.
    uint64_t last_synced = 0;  // The last acknowledged write with sync = true.
  };

  // Zeros when the file does not exist yet.
  absl::Status LoadAcked(Acked* acked) const {
    std::ifstream in(AckedPath(), std::ios::binary);
    *acked = Acked();
    if (!in) return absl::OkStatus();
    char buf[16];
    if (!in.read(buf, sizeof(buf))) return absl::DataLossError(AckedPath() + " is short");
    acked->last = DecodeFixed64(buf);
    acked->last_synced = DecodeFixed64(buf + 8);
    return absl::OkStatus();
  }

  // Records an acknowledged write. Keeps the file open between calls.
  absl::Status SetAcked(const Acked& acked) {
    if (acked_fd_ < 0) {
      acked_fd_ = ::open(AckedPath().c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (acked_fd_ < 0) return absl::InternalError("cannot open " + AckedPath());
    }
    char buf[16];
    EncodeFixed64(buf, acked.last);
    EncodeFixed64(buf + 8, acked.last_synced);
    if (::pwrite(acked_fd_, buf, sizeof(buf), 0) != sizeof(buf)) {
      return absl::InternalError("cannot write " + AckedPath());
    }
    return absl::OkStatus();
  }

  // p = 0 and an empty model when there is no checkpoint yet.
  absl::Status LoadCheckpoint(uint64_t* p, test::Model* model) const {
    *p = 0;
    model->clear();
    std::ifstream in(CheckpointPath(), std::ios::binary);
    if (!in) return absl::OkStatus();
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string_view rest = data;
    constexpr std::string_view kMagic = "kvlsm-crash-checkpoint 1\n";
    if (!rest.starts_with(kMagic)) return absl::DataLossError(CheckpointPath() + ": bad magic");
    rest.remove_prefix(kMagic.size());
    uint64_t count = 0;
    if (!GetFixed64(&rest, p) || !GetFixed64(&rest, &count)) {
      return absl::DataLossError(CheckpointPath() + ": truncated");
    }
    for (uint64_t i = 0; i < count; ++i) {
      std::string_view key, value;
      if (!GetString(&rest, &key) || !GetString(&rest, &value)) {
        return absl::DataLossError(CheckpointPath() + ": truncated");
      }
      model->emplace(std::string(key), std::string(value));
    }
    return absl::OkStatus();
  }

  absl::Status SaveCheckpoint(uint64_t p, const test::Model& model) const {
    std::string data = "kvlsm-crash-checkpoint 1\n";
    PutFixed64(&data, p);
    PutFixed64(&data, model.size());
    for (const auto& [key, value] : model) {
      PutFixed64(&data, key.size());
      data += key;
      PutFixed64(&data, value.size());
      data += value;
    }
    const std::string tmp = CheckpointPath() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
      if (!out) return absl::InternalError("cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), CheckpointPath().c_str()) != 0) {
      return absl::InternalError("cannot rename " + tmp);
    }
    return absl::OkStatus();
  }

  ~ExpectedState() {
    if (acked_fd_ >= 0) ::close(acked_fd_);
  }
  ExpectedState(const ExpectedState&) = delete;
  ExpectedState& operator=(const ExpectedState&) = delete;

 private:
  std::string AckedPath() const { return dir_ + "/acked"; }
  std::string CheckpointPath() const { return dir_ + "/checkpoint"; }

  static bool GetString(std::string_view* in, std::string_view* out) {
    uint64_t size;
    if (!GetFixed64(in, &size) || size > in->size()) return false;
    *out = in->substr(0, size);
    in->remove_prefix(size);
    return true;
  }

  const std::string dir_;
  int acked_fd_ = -1;
};

}  // namespace kvlsm::crash

#endif  // KVLSM_TESTS_CRASH_CRASH_COMMON_H_
