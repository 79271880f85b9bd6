// Fuzz target: MerkleResponse::Decode, a Merkle exchange response, from untrusted bytes.
#include "fuzz/fuzz_util.h"
#include "kvlsm/cluster/merkle_exchange.h"

KVLSM_FUZZ_DECODER_TARGET(kvlsm::cluster::MerkleResponse)
