// Fuzz target: the blocked Bloom filter (kvlsm/filter_policy.h, src/table/bloom_filter.h).
//
// Input: mode:u8, then
//   mode bit 0 clear: the rest is a filter's bytes. NewReader returns DataLoss, or a
//     reader that answers queries (for keys taken from the filter's own bytes) without
//     reading outside the filter.
//   mode bit 0 set: bits_per_key:u8, then keys (each length-prefixed). The built filter
//     must decode, record the number of distinct adjacent keys, and say "may match" for
//     every key added: a filter never has false negatives.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "kvlsm/filter_policy.h"
#include "table/bloom_filter.h"

namespace {

using kvlsm::fuzz::FuzzInput;

void ReadArbitraryFilter(std::string_view bytes) {
  static const auto policy = kvlsm::NewBloomFilterPolicy(10);
  auto reader = policy->NewReader(bytes);
  if (!reader.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(reader.status()));
    FUZZ_CHECK(!kvlsm::DecodeBloomFilterInfo(bytes).ok());
    return;
  }
  FUZZ_CHECK_OK(kvlsm::DecodeBloomFilterInfo(bytes).status());
  for (size_t i = 0; i < bytes.size(); i += 7) (*reader)->KeyMayMatch(bytes.substr(i, 9));
  (*reader)->KeyMayMatch("");
}

void CheckBuiltFilter(FuzzInput* in) {
  const auto policy = kvlsm::NewBloomFilterPolicy(in->Byte() / 2.0);
  std::unique_ptr<kvlsm::FilterBuilder> builder = policy->NewBuilder();
  std::vector<std::string> keys;
  uint64_t distinct = 0;
  while (!in->empty() && keys.size() < 2000) {
    std::string key(in->LengthPrefixed(32));
    if (keys.empty() || keys.back() != key) ++distinct;
    builder->AddKey(key);
    keys.push_back(std::move(key));
  }
  std::string filter;
  builder->Finish(&filter);
  absl::StatusOr<kvlsm::BloomFilterInfo> info = kvlsm::DecodeBloomFilterInfo(filter);
  FUZZ_CHECK_OK(info.status());
  FUZZ_CHECK(info->num_keys == distinct);
  auto reader = policy->NewReader(filter);
  FUZZ_CHECK_OK(reader.status());
  for (const std::string& key : keys) FUZZ_CHECK((*reader)->KeyMayMatch(key));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  if (in.Byte() & 1) {
    CheckBuiltFilter(&in);
  } else {
    ReadArbitraryFilter(in.Rest());
  }
  return 0;
}
