// Fuzz target: Ring::Decode, a ring layout, as nodes exchange it, from untrusted bytes.
#include "fuzz/fuzz_util.h"
#include "kvlsm/dist/ring.h"

KVLSM_FUZZ_DECODER_TARGET(kvlsm::Ring)
