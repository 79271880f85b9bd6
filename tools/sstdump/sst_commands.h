// The commands of kvlsm-sstdump, each run on one table pair.
//
// A command writes its report to stdout: text, or, when `json` is set, the members of the
// JSON object the caller has opened for the table. It returns OK, or the problem that makes
// the table fail (damage is DataLoss naming the file and offset); the report shows every
// problem found, the status only the first.
//
// Thread safety: one thread.
#ifndef KVLSM_TOOLS_SSTDUMP_SST_COMMANDS_H_
#define KVLSM_TOOLS_SSTDUMP_SST_COMMANDS_H_

#include "absl/status/status.h"
#include "common/bytes_format.h"
#include "common/key_range.h"
#include "kvlsm/env.h"
#include "sstdump/table_layout.h"
#include "support/json_writer.h"

namespace kvlsm::tools {

struct SstDumpSettings {
  Env* env = nullptr;
  BytesFormat format{false};
  support::JsonWriter* json = nullptr;  // Null: text output.
  KeyRange range;                       // scan: the keys shown; raw: limit caps the blocks listed.
};

// Footer, magic, format version, and the checksum of every block of both files.
absl::Status CheckTable(const TablePaths& paths, const SstDumpSettings& settings);
// Every entry: user key, sequence, type, value.
absl::Status ScanTable(const TablePaths& paths, const SstDumpSettings& settings);
// The footer's handles and every data block: handle, compression, entries, separator.
absl::Status DumpRawBlocks(const TablePaths& paths, const SstDumpSettings& settings);
// Every property, with the compression ratio.
absl::Status DumpProperties(const TablePaths& paths, const SstDumpSettings& settings);
// A full read through the table reader: every block, every entry, their order and count.
absl::Status VerifyTable(const TablePaths& paths, const SstDumpSettings& settings);

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_SSTDUMP_SST_COMMANDS_H_
