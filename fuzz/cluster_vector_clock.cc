// Fuzz target: VectorClock::Decode, a vector clock, from untrusted bytes.
#include "fuzz/fuzz_util.h"
#include "kvlsm/cluster/vector_clock.h"

KVLSM_FUZZ_DECODER_TARGET(kvlsm::cluster::VectorClock)
