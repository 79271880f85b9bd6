// Fuzz target: VersionEdit decoding (src/db/version_edit.h), alone and as a DB replays a
// MANIFEST.
//
// Input: mode:u8, then
//   mode bit 0 clear: the rest is one edit. Decoding returns DataLoss or InvalidArgument,
//     or an edit whose encoding decodes to an edit with the same encoding.
//   mode bit 0 set: the rest is a list of edits (each length:u8 then bytes), written with
//     valid framing as MANIFEST-000001 of a DB whose CURRENT names it, opened with
//     paranoid_checks per mode bit 1. Open returns a status or a DB that can be read,
//     written, flushed and closed without crashing.
#include <memory>
#include <string>
#include <string_view>

#include "manifest/version_edit.h"
#include "fuzz/fuzz_util.h"
#include "kvlsm/db.h"
#include "kvlsm/env.h"
#include "wal/log_writer.h"

namespace {

using kvlsm::fuzz::FuzzInput;

void CheckOneEdit(std::string_view bytes) {
  kvlsm::VersionEdit edit;
  absl::Status s = edit.DecodeFrom(bytes);
  if (!s.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(s) || absl::IsInvalidArgument(s));
    return;
  }
  std::string first;
  edit.EncodeTo(&first);
  kvlsm::VersionEdit again;
  FUZZ_CHECK_OK(again.DecodeFrom(first));
  std::string second;
  again.EncodeTo(&second);
  FUZZ_CHECK(first == second);
}

void OpenWithManifest(FuzzInput* in, bool paranoid) {
  std::unique_ptr<kvlsm::Env> env = kvlsm::NewMemEnv();
  FUZZ_CHECK_OK(env->CreateDirIfMissing("/db"));
  {
    auto file = env->NewWritableFile("/db/MANIFEST-000001");
    FUZZ_CHECK_OK(file.status());
    kvlsm::LogWriter writer(*std::move(file), 1);
    while (!in->empty()) FUZZ_CHECK_OK(writer.AddRecord(in->Bytes(in->Byte())));
    FUZZ_CHECK_OK(writer.Close());
  }
  FUZZ_CHECK_OK(kvlsm::WriteStringToFile(env.get(), "MANIFEST-000001\n", "/db/CURRENT", false));
  kvlsm::Options options;
  options.env = env.get();
  options.paranoid_checks = paranoid;
  auto db = kvlsm::DB::Open(options, "/db");
  if (!db.ok()) return;
  std::string value;
  (void)(*db)->Get(kvlsm::ReadOptions(), "key", &value);
  std::unique_ptr<kvlsm::Iterator> it = (*db)->NewIterator(kvlsm::ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  it.reset();
  (void)(*db)->Put(kvlsm::WriteOptions(), "key", "value");
  (void)(*db)->Flush();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  if (mode & 1) {
    OpenWithManifest(&in, /*paranoid=*/mode & 2);
  } else {
    CheckOneEdit(in.Rest());
  }
  return 0;
}
