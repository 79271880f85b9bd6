// Fuzz target: DvvSet::Decode, a stored sibling set, from untrusted bytes.
#include "fuzz/fuzz_util.h"
#include "kvlsm/dist/dvv_set.h"

KVLSM_FUZZ_DECODER_TARGET(kvlsm::DvvSet)
