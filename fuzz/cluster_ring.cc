// Fuzz target: Ring::Decode, a ring layout, as nodes exchange it, from untrusted bytes.
#include "fuzz/fuzz_util.h"
#include "kvlsm/cluster/ring.h"

KVLSM_FUZZ_DECODER_TARGET(kvlsm::cluster::Ring)
