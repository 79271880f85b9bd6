#include "util/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace kvlsm {

uint64_t Hash64(std::string_view data, uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

uint32_t Checksum32(std::string_view a, std::string_view b) {
  if (b.empty()) return static_cast<uint32_t>(XXH3_64bits(a.data(), a.size()));
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, a.data(), a.size());
  XXH3_64bits_update(&state, b.data(), b.size());
  return static_cast<uint32_t>(XXH3_64bits_digest(&state));
}

}  // namespace kvlsm
