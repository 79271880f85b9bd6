// Fuzz target: DvvSet::Decode, a stored sibling set, from untrusted bytes.
#include "fuzz/fuzz_util.h"
#include "kvlsm/cluster/dvv_set.h"

KVLSM_FUZZ_DECODER_TARGET(kvlsm::cluster::DvvSet)
