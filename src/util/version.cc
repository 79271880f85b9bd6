#include "kvlsm/version.h"

namespace kvlsm {

// Compiled into the library, so this is the version of the library, whatever headers the
// caller was compiled against.
std::string_view Version() { return KVLSM_VERSION_STRING; }

}  // namespace kvlsm
