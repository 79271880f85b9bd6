// Version structures: vector clock compare and merge (target <= 50 ns for 5 entries),
// and the DvvSet operations a replica performs per write.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "kvlsm/cluster/dvv_set.h"
#include "kvlsm/cluster/vector_clock.h"

namespace kvlsm::cluster {
namespace {

// Two 5-entry clocks over the same actors; `concurrent` makes each ahead somewhere.
void MakeClocks(bool concurrent, VectorClock* a, VectorClock* b) {
  for (NodeId actor : {11, 23, 37, 41, 59}) {
    for (int i = 0; i < 3; ++i) a->Increment(actor, 1000);
    for (int i = 0; i < 3; ++i) b->Increment(actor, 1000);
  }
  b->Increment(59, 2000);
  if (concurrent) a->Increment(11, 2000);
}

void BM_ClusterVectorClockCompare(benchmark::State& state) {
  VectorClock a, b;
  MakeClocks(state.range(0) != 0, &a, &b);
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.Compare(b));
  }
}
BENCHMARK(BM_ClusterVectorClockCompare)->Arg(0)->Arg(1);

void BM_ClusterVectorClockMerge(benchmark::State& state) {
  VectorClock a, b;
  MakeClocks(true, &a, &b);
  for (auto _ : state) {
    a.Merge(b);  // the full merge each time: the result is rebuilt and swapped in
    benchmark::DoNotOptimize(a.entries().data());
  }
}
BENCHMARK(BM_ClusterVectorClockMerge);

// Merge into a fresh copy: what a caller keeping both inputs pays.
void BM_ClusterVectorClockCopyAndMerge(benchmark::State& state) {
  VectorClock a, b;
  MakeClocks(true, &a, &b);
  for (auto _ : state) {
    VectorClock merged = a;
    merged.Merge(b);
    benchmark::DoNotOptimize(merged.entries().data());
  }
}
BENCHMARK(BM_ClusterVectorClockCopyAndMerge);

void BM_ClusterVectorClockEncodeDecode(benchmark::State& state) {
  VectorClock a, b;
  MakeClocks(true, &a, &b);
  std::string encoded;
  for (auto _ : state) {
    encoded.clear();
    if (!a.EncodeTo(&encoded).ok()) std::abort();
    benchmark::DoNotOptimize(VectorClock::Decode(encoded));
  }
}
BENCHMARK(BM_ClusterVectorClockEncodeDecode);

// A key with two concurrent siblings from 3 coordinators; a put that reads it.
DvvSet TwoSiblings() {
  DvvSet set;
  Context seen;
  for (int i = 0; i < 6; ++i) seen = *set.Put(seen, std::string(100, 'a' + i), 1 + i % 3);
  if (!set.Put(Context(), std::string(100, 'z'), 2).ok()) std::abort();
  return set;
}

void BM_ClusterDvvSetPut(benchmark::State& state) {
  // Dynamo's read-modify-write: a put with the context of a read of the current state (two
  // concurrent siblings), replacing both. The state then holds one sibling; each
  // iteration starts again from the two-sibling state.
  const DvvSet base = TwoSiblings();
  const Context context = base.Read().context;
  const std::string value(100, 'v');
  DvvSet set = base;
  for (auto _ : state) {
    DvvSet delta;
    benchmark::DoNotOptimize(set.Put(context, value, 2, &delta));
    set = base;  // a copy of 2 siblings of 100 bytes, counted in the time
  }
}
BENCHMARK(BM_ClusterDvvSetPut);

void BM_ClusterDvvSetSync(benchmark::State& state) {
  const DvvSet a = TwoSiblings();
  DvvSet b = a;
  if (!b.Put(Context(), std::string(100, 'q'), 3).ok()) std::abort();
  for (auto _ : state) {
    DvvSet merged = a;
    if (!merged.Sync(b).ok()) std::abort();
    benchmark::DoNotOptimize(merged.sibling_count());
  }
}
BENCHMARK(BM_ClusterDvvSetSync);

void BM_ClusterDvvSetDecode(benchmark::State& state) {
  std::string encoded;
  TwoSiblings().EncodeTo(&encoded);
  for (auto _ : state) benchmark::DoNotOptimize(DvvSet::Decode(encoded));
  state.SetBytesProcessed(state.iterations() * encoded.size());
}
BENCHMARK(BM_ClusterDvvSetDecode);

}  // namespace
}  // namespace kvlsm::cluster
