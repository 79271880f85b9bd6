// Fuzz target: the hints a stand-in node keeps in its local DB (src/cluster/hint_store.h),
// read back from damaged storage: records in the hint space whose keys and values come
// from the input are written to a DB on the in-memory Env, then HintStore::Open indexes
// them. It returns DataLoss naming the hint, or a store whose every hint loads, joins and
// expires without a crash.
//
// Input: records, each: id:u8 (the hint key's last byte; the rest are zeros, so that ids
// repeat), then the value, length-prefixed (FuzzInput::LengthPrefixed, up to 1 KiB).
#include <memory>
#include <string>

#include "cluster/hint_store.h"
#include "cluster/replica_store.h"
#include "fuzz/fuzz_util.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kvlsm::fuzz::FuzzInput in(data, size);
  std::unique_ptr<kvlsm::Env> env = kvlsm::NewMemEnv();
  kvlsm::Options options;
  options.env = env.get();
  options.create_if_missing = true;
  auto db = kvlsm::DB::Open(options, "/db");
  FUZZ_CHECK_OK(db.status());
  for (int records = 0; !in.empty() && records < 32; ++records) {
    std::string key(1, kvlsm::cluster::key_space::kHint);
    key.append(7, '\0');
    key.push_back(static_cast<char>(in.Byte()));
    FUZZ_CHECK_OK((*db)->Put(kvlsm::WriteOptions(), key, in.LengthPrefixed(1024)));
  }
  constexpr uint64_t kNow = uint64_t{1} << 40;
  auto store = kvlsm::cluster::HintStore::Open(db->get(), kvlsm::WriteOptions(),
                                               kvlsm::cluster::HintStoreOptions(), kNow);
  if (!store.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(store.status()));
    return 0;
  }
  for (kvlsm::cluster::NodeId owner : (*store)->Owners()) {
    for (uint64_t id : (*store)->IdsFor(owner, 64)) {
      FUZZ_CHECK_OK((*store)->Load(id).status());
      FUZZ_CHECK_OK((*store)->JoinedStateOf((*store)->hint(id).key).status());
    }
  }
  FUZZ_CHECK_OK((*store)->Expire(kNow * 2).status());
  FUZZ_CHECK((*store)->count() == 0);
  return 0;
}
