// Hashing and checksums. Everything kvlsm persists is checksummed with XXH3-64 (xxHash
// 0.8): on this class of machine it hashes at several GB/s without special instructions,
// and its 64-bit output truncated to 32 bits still detects random corruption with
// probability 1 - 2^-32. It is not a cryptographic hash.
#ifndef KVLSM_UTIL_HASH_H_
#define KVLSM_UTIL_HASH_H_

#include <cstdint>
#include <string_view>

namespace kvlsm {

uint64_t Hash64(std::string_view data, uint64_t seed = 0);

// The 32-bit checksum stored in WAL records and blocks: the low 32 bits of XXH3-64 over
// the concatenation of the parts (computed without copying).
uint32_t Checksum32(std::string_view a, std::string_view b = {});

}  // namespace kvlsm

#endif  // KVLSM_UTIL_HASH_H_
