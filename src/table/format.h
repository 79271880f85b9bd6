// The framing shared by the table writer and reader: block handles, the block trailer, the
// footer of the .idx file, and reading a block back (bounds, checksum, decompression).
// docs/format.md ("Tables") specifies every byte; this is the summary.
//
//   NNNNNN.sst := data_block*                       (nothing else; a plain sequential file)
//   NNNNNN.idx := index_block [filter_block] properties_block footer
//
//   block      := payload trailer
//   trailer    := type:uint8 checksum:fixed32       (kBlockTrailerSize = 5 bytes)
//   checksum   = Checksum32(payload, type)          (util/hash.h; over the stored payload,
//                                                    compressed or not, then the type byte)
//   handle     := offset:varint64 size:varint64     (size = payload bytes, trailer excluded)
//
//   footer     := index_handle filter_handle properties_handle   (each offset:fixed64
//                                                                  size:fixed64)
//                 footer_size:fixed32 format_version:fixed32
//                 checksum:fixed32 magic:byte[8]
//   footer checksum = Checksum32(footer bytes before the checksum field)
//
// All integers are little-endian. The last 20 bytes of the footer (its "tail") keep their
// layout in every format version, so any build can find the footer's size, verify its
// checksum and only then read the version: a damaged footer is DataLoss, a valid footer
// of a newer version is InvalidArgument ("written by a newer kvlsm").
//
// Thread safety: BlockCompressor belongs to one thread; everything else is a plain
// function or value.
#ifndef KVLSM_TABLE_FORMAT_H_
#define KVLSM_TABLE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvlsm/compression.h"

struct ZSTD_CCtx_s;

namespace kvlsm {

class RandomAccessFile;

// The table format version this build writes. It reads every version from 1 up to this.
// Bump it when a reader of the previous version would misread the new files.
inline constexpr uint32_t kTableFormatVersion = 1;

// Type byte plus checksum after each block's payload.
inline constexpr size_t kBlockTrailerSize = 5;

// The largest uncompressed payload a compressed block may have. The builder never
// compresses a block larger than this, and a zstd frame claiming more is damage (so a
// damaged size can never make a reader allocate without bound).
inline constexpr size_t kMaxCompressedBlockContentSize = size_t{64} << 20;

// The 8 bytes that end every .idx file.
inline constexpr std::string_view kTableIndexMagic = "kvlsmIDX";

// Where a block is: its payload starts at `offset` and has `size` bytes; the trailer
// follows.
struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;

  // Two varint64s.
  static constexpr size_t kMaxEncodedLength = 20;

  void EncodeTo(std::string* dst) const;
  // Consumes a handle from the front of *input; false when malformed or truncated.
  bool DecodeFrom(std::string_view* input);
  // The end of the block's trailer, or false on overflow.
  bool End(uint64_t* end) const;
};

// The fixed-size end of the .idx file.
struct Footer {
  // footer_size, format_version, checksum, magic: the same in every version.
  static constexpr size_t kTailSize = 4 + 4 + 4 + 8;
  // Three handles of two fixed64s, then the tail.
  static constexpr size_t kVersion1Size = 3 * 16 + kTailSize;
  // Footers larger than this are damage in any version.
  static constexpr size_t kMaxSize = 4096;

  BlockHandle index_handle;
  // Absent when offset is 0 (offset 0 always holds the index block).
  BlockHandle filter_handle;
  BlockHandle properties_handle;
  uint32_t format_version = kTableFormatVersion;
  // Bytes the footer occupies at the end of the file (set by DecodeFrom).
  uint32_t encoded_size = kVersion1Size;

  bool has_filter() const { return filter_handle.offset != 0; }

  // Appends the footer in the current format version.
  void EncodeTo(std::string* dst) const;

  // Decodes the footer at the end of `file`, the whole .idx file. DataLoss naming
  // file_name when it is damaged; InvalidArgument when it is intact but of a newer
  // format version than this build reads.
  static absl::StatusOr<Footer> DecodeFrom(std::string_view file, std::string_view file_name);
};

// Writes the 5-byte trailer of a block whose stored payload is `payload`.
// REQUIRES: dst has room for kBlockTrailerSize bytes.
void EncodeBlockTrailer(std::string_view payload, CompressionType type, char* dst);

// The uncompressed payload of a block, and the memory holding it.
struct BlockContents {
  std::string_view data;
  // The allocation data points into, or null when data points into memory someone else
  // owns (see DecodeBlock).
  std::unique_ptr<char[]> owned;
  size_t owned_size = 0;
};

// Reads the block at `handle` from `file`, checks its checksum when verify_checksum, and
// decompresses it. DataLoss naming file_name and the offset when the block is short,
// fails its checksum, has an unknown type or does not decompress; I/O errors as the file
// reports them. REQUIRES: the caller checked the handle against the file's size.
absl::StatusOr<BlockContents> ReadBlock(const RandomAccessFile* file, const BlockHandle& handle,
                                        bool verify_checksum, std::string_view file_name);

// As ReadBlock, for a block inside `file_bytes`, a whole file held in memory. An
// uncompressed result points into file_bytes (owned is null).
absl::StatusOr<BlockContents> DecodeBlock(std::string_view file_bytes, const BlockHandle& handle,
                                          bool verify_checksum, std::string_view file_name);

// Compresses the blocks of one table builder, reusing its zstd context and buffer.
class BlockCompressor {
 public:
  // REQUIRES: level is within zstd's range when type is kZstd.
  BlockCompressor(CompressionType type, int level);
  ~BlockCompressor();
  BlockCompressor(const BlockCompressor&) = delete;
  BlockCompressor& operator=(const BlockCompressor&) = delete;

  // The payload to store for the block `raw` and, in *type, how it is stored: compressed
  // when that saves at least an eighth of raw's size, else raw itself (kNone). The result
  // stays valid until the next call.
  std::string_view Compress(std::string_view raw, CompressionType* type);

 private:
  const CompressionType type_;
  const int level_;
  ZSTD_CCtx_s* context_ = nullptr;  // Owned; created on first use.
  std::string buffer_;
};

// "none" or "zstd": how TableProperties::compression names a setting.
const char* CompressionTypeName(CompressionType type);

}  // namespace kvlsm

#endif  // KVLSM_TABLE_FORMAT_H_
