// Fuzz target: DottedVersionVector::Decode, a dotted version vector, from untrusted bytes.
#include "fuzz/fuzz_util.h"
#include "kvlsm/cluster/dotted_version_vector.h"

KVLSM_FUZZ_DECODER_TARGET(kvlsm::cluster::DottedVersionVector)
