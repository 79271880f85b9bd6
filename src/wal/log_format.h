// The write-ahead log format, shared by LogWriter and LogReader. docs/format.md ("Write-ahead
// log") specifies every byte; this is the summary.
//
//   log       := block* [partial block]
//   block     := fragment* trailer          (exactly kBlockSize bytes, except the last)
//   fragment  := checksum:fixed32 length:fixed16 type:uint8 log_number:fixed32
//                header_check:fixed16 payload:byte[length]
//   trailer   := 0x00{0..kHeaderSize-1}     (when fewer than kHeaderSize bytes are left)
//
//   header_check = low 16 bits of Checksum32(length . type . log_number)
//   checksum  = Checksum32(type . log_number . header_check . payload)   (util/hash.h; the
//               header bytes after length, then the payload)
//   log_number = low 32 bits of the log file's number
//
// All integers are little-endian. A record (AddRecord's payload) is stored as one FULL
// fragment, or as FIRST, MIDDLE*, LAST when it does not fit in what is left of the block.
// A fragment never crosses a block boundary, so a reader can resynchronise at the next
// block after damage.
//
// Differences from LevelDB's log format: the header carries the log number, covered by the
// checksum, so a valid record left over from another file (a recycled file, or stale disk
// blocks exposed after a crash) can never be taken for a record of this log; the checksum
// is XXH3-based (no masking is needed); and a header check protects the length on its own,
// so that a damaged length at the end of a file (which makes the fragment seem to run past
// the end) is told apart from a write cut short by a crash — without it, one flipped bit
// would silently drop a synced record as a "torn tail". The header is 13 bytes instead of
// LevelDB's 7.
#ifndef KVLSM_WAL_LOG_FORMAT_H_
#define KVLSM_WAL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace kvlsm::log {

// Persisted: never renumber; a retired value stays reserved. The type byte is also the
// format's version mechanism: a future format adds new types, which this reader reports
// as damage ("unknown record type") instead of misreading them.
enum RecordType : uint8_t {
  // Never written. An all-zero header marks zero-filled space (preallocated, or a file
  // extended by the file system without its data reaching the disk).
  kZeroType = 0,
  kFullType = 1,
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
};
inline constexpr uint8_t kMaxRecordType = kLastType;

inline constexpr size_t kBlockSize = 32768;

// checksum (4) + length (2) + type (1) + log_number (4) + header_check (2).
inline constexpr size_t kHeaderSize = 4 + 2 + 1 + 4 + 2;
// Offsets of the header fields.
inline constexpr size_t kChecksumOffset = 0;
inline constexpr size_t kLengthOffset = 4;
inline constexpr size_t kTypeOffset = 6;
inline constexpr size_t kLogNumberOffset = 7;
inline constexpr size_t kHeaderCheckOffset = 11;
// The header check covers the header bytes [kLengthOffset, kHeaderCheckOffset); the
// checksum covers the header bytes [kTypeOffset, kHeaderSize), then the payload.

// The length field is a fixed16, so the longest fragment's payload must fit in one.
static_assert(kBlockSize - kHeaderSize <= 0xffff);

}  // namespace kvlsm::log

#endif  // KVLSM_WAL_LOG_FORMAT_H_
