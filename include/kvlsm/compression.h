// kvlsm/compression.h: how table blocks are compressed.
//
// Each data block records the type it was stored with (docs/format.md, "Block trailer"),
// so tables written with different settings can be read by the same build. A block that
// compression does not shrink by at least 12.5% is stored uncompressed whatever the
// setting, so a table configured for kZstd may hold both kinds of block.
//
// Thread safety: a plain value.
#ifndef KVLSM_COMPRESSION_H_
#define KVLSM_COMPRESSION_H_

#include <cstdint>

namespace kvlsm {

// Persisted in every block trailer: never renumber; a retired value stays reserved.
enum class CompressionType : uint8_t {
  kNone = 0,  // Stored as is.
  kZstd = 1,  // A zstd frame whose header records the uncompressed size.
};

}  // namespace kvlsm

#endif  // KVLSM_COMPRESSION_H_
