// Fuzz target: Context::Decode, the causal context a client passes back, from untrusted bytes.
#include "fuzz/fuzz_util.h"
#include "kvlsm/cluster/dvv_set.h"

KVLSM_FUZZ_DECODER_TARGET(kvlsm::cluster::Context)
