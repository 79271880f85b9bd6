// Internal: the constants of every distribution-module wire format, shared by encoders
// and decoders. docs/cluster.md describes each format byte by byte.
//
// Every encoding starts with a format version byte. Tags and versions are persisted and
// sent between nodes: never renumber them; a retired value stays reserved.
// Bounds cap what a decoder accepts and allocates; input beyond them is InvalidArgument.
//
// Thread safety: constants only.
#ifndef KVLSM_CLUSTER_FORMAT_H_
#define KVLSM_CLUSTER_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace kvlsm::cluster {

namespace ring_format {
inline constexpr uint8_t kVersion = 1;
inline constexpr int kMaxReplicationFactor = 32;
inline constexpr int kMaxTokensPerNodeOption = 1024;
inline constexpr size_t kMaxNodes = 1 << 16;
inline constexpr size_t kMaxTokensPerNode = 1 << 16;
inline constexpr size_t kMaxTokens = 1 << 22;
inline constexpr size_t kMaxZoneBytes = 255;
inline constexpr double kMinWeight = 1.0 / 64;
inline constexpr double kMaxWeight = 64.0;
}  // namespace ring_format

namespace clock_format {
inline constexpr uint8_t kVersion = 1;
// A vector clock with more entries than this is refused (pruning keeps real clocks far
// below it).
inline constexpr size_t kMaxEntries = 1024;
}  // namespace clock_format

namespace dvv_format {
inline constexpr uint8_t kVersion = 1;
// Version-vector entries and extra dots of a causal context.
inline constexpr size_t kMaxEntries = 1024;
inline constexpr size_t kMaxDots = 4096;
// Counters at or above 2^62 are refused: no coordinator issues 2^62 writes (146 years at a
// billion a second), so such a counter can only come from a forged or damaged context, and
// accepting it would let the next dot wrap to 0, which every history "contains" (a write
// acknowledged and dropped). The headroom also keeps `counter + 2` from overflowing.
inline constexpr uint64_t kMaxCounter = (uint64_t{1} << 62) - 1;
}  // namespace dvv_format

namespace dvv_set_format {
inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kMaxSiblings = 1024;
inline constexpr size_t kMaxValueBytes = 64u << 20;
inline constexpr size_t kMaxTotalBytes = 256u << 20;
}  // namespace dvv_set_format

namespace merkle_format {
inline constexpr uint8_t kVersion = 1;
// Message types: MerkleMessageType in kvlsm/cluster/merkle_exchange.h.
inline constexpr int kMinFanout = 2;
inline constexpr int kMaxFanout = 256;
inline constexpr int kMaxDepth = 32;
// At most 2^26 leaves (512 MiB of leaf hashes): more is a mistake, not a tree.
inline constexpr uint64_t kMaxLeaves = uint64_t{1} << 26;
inline constexpr size_t kMaxNodesPerMessage = size_t{1} << 22;
inline constexpr size_t kMaxEntriesPerMessage = size_t{1} << 22;
inline constexpr size_t kMaxKeyBytes = 64u << 10;
}  // namespace merkle_format

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_FORMAT_H_
