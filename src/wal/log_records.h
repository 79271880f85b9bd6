// ReadLogRecords: every record of a file in kvlsm's log format (a WAL or a MANIFEST; see
// docs/format.md), with every region the LogReader had to drop. For readers that go on
// past damage and report it afterwards: ManifestReplay (VersionSet::Recover) and
// kvlsm-inspect's WAL commands.
//
// Thread safety: plain functions; on_record runs on the calling thread.
#ifndef KVLSM_WAL_LOG_RECORDS_H_
#define KVLSM_WAL_LOG_RECORDS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kvlsm/env.h"

namespace kvlsm {

// A region of a log file the reader dropped.
struct LogDrop {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  // The log ends inside a record: what a crash during an append leaves (or, in the
  // active WAL of a running DB, a record being written). Otherwise damage.
  bool torn_tail = false;
  std::string reason;  // Names the log number and the offset.
};

using LogRecordCallback = std::function<void(uint64_t offset, std::string_view record)>;

// Calls on_record(offset, record) for every record of log `number` read from `file`, in
// order, and appends every dropped region to *drops. Returns OK or the I/O error that
// stopped reading; damage is not an error here.
absl::Status ReadLogRecords(std::unique_ptr<SequentialFile> file, uint64_t number,
                            const LogRecordCallback& on_record, std::vector<LogDrop>* drops);

// As above, opening `path` first: NotFound (or the I/O error) when it cannot be opened.
absl::Status ReadLogRecords(Env* env, const std::string& path, uint64_t number,
                            const LogRecordCallback& on_record, std::vector<LogDrop>* drops);

// A dropped region as DataLoss "<path>: <reason>", with " (torn tail)" for a torn tail.
absl::Status DropStatus(const std::string& path, const LogDrop& drop);

}  // namespace kvlsm

#endif  // KVLSM_WAL_LOG_RECORDS_H_
