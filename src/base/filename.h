// The names of the files in a DB directory.
//
//   CURRENT            names the live MANIFEST (one line, "MANIFEST-000005\n")
//   MANIFEST-NNNNNN    the log of version edits
//   NNNNNN.log         a write-ahead log
//   NNNNNN.sst/.idx    the data and index halves of a table
//   NNNNNN.dbtmp       a temporary file (e.g. the next CURRENT before its rename)
//   LOCK, LOG, LOG.old the process lock and the info log
//
// File numbers come from one counter per DB, so every number names one file (pair).
#ifndef KVLSM_BASE_FILENAME_H_
#define KVLSM_BASE_FILENAME_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace kvlsm {

enum class FileType { kLog, kLock, kTable, kTableIndex, kManifest, kCurrent, kTemp, kInfoLog };

std::string LogFileName(std::string_view dbname, uint64_t number);
std::string TableFileName(std::string_view dbname, uint64_t number);
std::string TableIndexFileName(std::string_view dir, uint64_t number);
std::string ManifestFileName(std::string_view dbname, uint64_t number);
std::string CurrentFileName(std::string_view dbname);
std::string LockFileName(std::string_view dbname);
std::string TempFileName(std::string_view dbname, uint64_t number);
std::string InfoLogFileName(std::string_view dbname);
std::string OldInfoLogFileName(std::string_view dbname);

// Parses a name (not a path) from a DB directory. False for names kvlsm does not own.
bool ParseFileName(std::string_view filename, uint64_t* number, FileType* type);

}  // namespace kvlsm

#endif  // KVLSM_BASE_FILENAME_H_
