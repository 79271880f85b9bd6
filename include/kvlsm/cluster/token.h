// kvlsm/cluster/token.h: positions on the ring and ranges of them.
//
// The ring is the space of 64-bit unsigned tokens, wrapping from 2^64 - 1 to 0. A key's
// token is KeyToken(key): the XXH3-64 hash (xxHash 0.8, seed 0) of the key's bytes.
// XXH3 rather than Cassandra's Murmur3 because kvlsm already uses it for every checksum
// (one hash, one dependency), it is about twice as fast on short keys, it passes
// SMHasher's distribution tests, and kvlsm has no Cassandra data to stay compatible with.
// Its output is fixed by the xxHash 0.8 specification; changing the key hash would move
// every key, so it is part of the format (docs/cluster.md) and never changes.
//
// Thread safety: plain values and a pure function.
#ifndef KVLSM_CLUSTER_TOKEN_H_
#define KVLSM_CLUSTER_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "kvlsm/export.h"

namespace kvlsm::cluster {

using Token = uint64_t;

// The token of a key: XXH3-64 of its bytes with seed 0.
KVLSM_EXPORT Token KeyToken(std::string_view key);

// The tokens in (start, end], going clockwise and wrapping past 2^64 - 1. A range whose
// start equals its end is the whole ring.
struct KVLSM_EXPORT TokenRange {
  Token start = 0;
  Token end = 0;

  bool IsWholeRing() const { return start == end; }

  // Whether `token` lies in the range.
  bool Contains(Token token) const {
    return IsWholeRing() || static_cast<Token>(token - start - 1) < static_cast<Token>(end - start);
  }

  // How many tokens the range holds, as a fraction of the whole ring (in (0, 1]).
  double Fraction() const;

  // "(start, end]" with both tokens in hex.
  std::string ToString() const;

  friend bool operator==(const TokenRange& a, const TokenRange& b) = default;
};

}  // namespace kvlsm::cluster

#endif  // KVLSM_CLUSTER_TOKEN_H_
