#include "workload.h"

#include <latch>
#include <thread>

#include "absl/strings/str_format.h"
#include "permutation.h"
#include "util/hash.h"

namespace kvlsm::bench {

void ThreadStats::Merge(const ThreadStats& other) {
  latency.Merge(other.latency);
  ops += other.ops;
  bytes += other.bytes;
  bytes_written += other.bytes_written;
  if (status.ok()) status = other.status;
}

const std::vector<Workload>& AllWorkloads() {
  // The order of the issue that defined them (and of db_bench): loads, point reads, scans,
  // deletes, reads under writes, then the YCSB mixes.
  static constexpr std::string_view kOrder[] = {
      "fillseq", "fillrandom",  "overwrite",  "readrandom",   "readmissing",
      "readseq", "readreverse", "seekrandom", "deleterandom", "readwhilewriting",
      "ycsba",   "ycsbb",       "ycsbc",      "ycsbe",        "ycsbf"};
  static const auto* const all = [] {
    std::vector<Workload> unordered;
    for (auto group : {WriteWorkloads, ReadWorkloads, ScanWorkloads, YcsbWorkloads}) {
      for (const Workload& workload : group()) unordered.push_back(workload);
    }
    auto* ordered = new std::vector<Workload>;
    for (std::string_view name : kOrder) {
      for (const Workload& workload : unordered) {
        if (workload.name == name) ordered->push_back(workload);
      }
    }
    return ordered;
  }();
  return *all;
}

const Workload* FindWorkload(std::string_view name) {
  for (const Workload& workload : AllWorkloads()) {
    if (workload.name == name) return &workload;
  }
  return nullptr;
}

Random ThreadRandom(const WorkloadContext& context, std::string_view workload, int thread) {
  return Random(Hash64(workload, context.seed) + static_cast<uint64_t>(thread) * 0x9e3779b9ull);
}

absl::Status RunThreads(const WorkloadContext& context,
                        const std::function<void(int thread, ThreadStats* stats)>& body,
                        WorkloadOutcome* outcome) {
  std::vector<ThreadStats> stats(static_cast<size_t>(context.threads));
  std::vector<uint64_t> finished(stats.size());
  std::latch ready(context.threads);
  std::latch go(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < context.threads; ++t) {
    threads.emplace_back([&, t] {
      ready.count_down();
      go.wait();
      body(t, &stats[t]);
      finished[t] = NowNanos();
    });
  }
  ready.wait();
  const uint64_t start = NowNanos();
  go.count_down();
  for (std::thread& thread : threads) thread.join();
  uint64_t end = start;
  for (size_t t = 0; t < stats.size(); ++t) {
    outcome->stats.Merge(stats[t]);
    end = std::max(end, finished[t]);
  }
  outcome->seconds = static_cast<double>(end - start) * 1e-9;
  return outcome->stats.status;
}

void ThreadShare(const WorkloadContext& context, uint64_t total, int thread, uint64_t* begin,
                 uint64_t* end) {
  const auto threads = static_cast<uint64_t>(context.threads);
  const auto t = static_cast<uint64_t>(thread);
  *begin = total / threads * t + std::min(t, total % threads);
  *end = *begin + total / threads + (t < total % threads ? 1 : 0);
}

absl::Status TimedPut(const WorkloadContext& context, uint64_t index, uint32_t generation,
                      std::string* key, std::string* value, ThreadStats* stats, uint64_t* nanos) {
  context.format->Key(index, key);
  context.format->Value(index, generation, value);
  const uint64_t start = NowNanos();
  absl::Status s = context.engine->Put(*key, *value);
  *nanos += NowNanos() - start;
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrFormat("put %s: %s", *key, s.message()));
  }
  stats->bytes += context.format->entry_size();
  stats->bytes_written += context.format->entry_size();
  return absl::OkStatus();
}

absl::Status TimedGetPresent(const WorkloadContext& context, uint64_t index,
                             uint32_t max_generation, std::string* key, std::string* value,
                             ThreadStats* stats, uint64_t* nanos) {
  context.format->Key(index, key);
  const uint64_t start = NowNanos();
  absl::Status s = context.engine->Get(*key, value);
  *nanos += NowNanos() - start;
  if (absl::IsNotFound(s)) {
    return absl::DataLossError(absl::StrFormat("key %s was written but is not found", *key));
  }
  if (!s.ok()) return absl::Status(s.code(), absl::StrFormat("get %s: %s", *key, s.message()));
  stats->bytes += context.format->entry_size();
  return context.format->CheckValue(index, *key, *value, max_generation);
}

absl::Status PutOp(const WorkloadContext& context, uint64_t index, uint32_t generation,
                   ThreadScratch* scratch, ThreadStats* stats) {
  uint64_t nanos = 0;
  absl::Status s =
      TimedPut(context, index, generation, &scratch->key, &scratch->value, stats, &nanos);
  stats->RecordOp(nanos);
  return s;
}

absl::Status GetPresentOp(const WorkloadContext& context, uint64_t index, uint32_t max_generation,
                          ThreadScratch* scratch, ThreadStats* stats) {
  uint64_t nanos = 0;
  absl::Status s = TimedGetPresent(context, index, max_generation, &scratch->key, &scratch->value,
                                   stats, &nanos);
  stats->RecordOp(nanos);
  return s;
}

absl::Status CheckEntry(const WorkloadContext& context, uint64_t records, std::string_view key,
                        std::string_view value, uint32_t max_generation, uint64_t* index) {
  if (!context.format->ParseKey(key, index) || *index >= records) {
    return absl::DataLossError(absl::StrFormat(
        "the cursor returned key \"%s\", which the run never wrote", std::string(key)));
  }
  return context.format->CheckValue(*index, key, value, max_generation);
}

absl::Status TimedSeekAndRead(Cursor* cursor, std::string_view target, size_t count,
                              EntryBuffer* entries, uint64_t* nanos) {
  if (entries->keys.size() < count) {
    entries->keys.resize(count);
    entries->values.resize(count);
  }
  entries->size = 0;
  const uint64_t start = NowNanos();
  cursor->Seek(target);
  for (; entries->size < count && cursor->Valid(); ++entries->size) {
    if (entries->size > 0) {
      cursor->Next();
      if (!cursor->Valid()) break;
    }
    entries->keys[entries->size].assign(cursor->key());
    entries->values[entries->size].assign(cursor->value());
  }
  *nanos += NowNanos() - start;
  return cursor->status();
}

absl::Status CheckScan(const WorkloadContext& context, const EntryBuffer& entries, uint64_t first,
                       uint64_t records, bool consecutive, uint32_t max_generation,
                       std::string_view what, ThreadStats* stats) {
  uint64_t previous = 0;
  for (size_t i = 0; i < entries.size; ++i) {
    uint64_t index = 0;
    absl::Status s =
        CheckEntry(context, records, entries.keys[i], entries.values[i], max_generation, &index);
    if (!s.ok()) return s;
    const bool in_order =
        i == 0 ? index == first : (consecutive ? index == previous + 1 : index > previous);
    if (!in_order) {
      return absl::DataLossError(
          absl::StrFormat("%s from record %d: entry %d is record %d, after record %d",
                          std::string(what), first, i, index, previous));
    }
    previous = index;
    stats->bytes += context.format->entry_size();
  }
  return absl::OkStatus();
}

absl::Status LoadRecords(const WorkloadContext& context) {
  const Permutation order(context.num, context.seed ^ 0x10ad);
  std::string key, value;
  for (uint64_t i = 0; i < context.num; ++i) {
    const uint64_t index = order.At(i);
    context.format->Key(index, &key);
    context.format->Value(index, kLoadGeneration, &value);
    absl::Status s = context.engine->Put(key, value);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrFormat("loading %s: %s", key, s.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSample(const WorkloadContext& context, uint32_t max_generation,
                         const std::function<bool(uint64_t index)>& deleted, uint64_t samples) {
  const uint64_t step = std::max<uint64_t>(1, context.num / samples);
  std::string key, value;
  for (uint64_t index = step / 2; index < context.num; index += step) {
    context.format->Key(index, &key);
    absl::Status s = context.engine->Get(key, &value);
    if (deleted(index)) {
      if (s.ok()) {
        return absl::DataLossError(absl::StrFormat("key %s was deleted but is found", key));
      }
      if (!absl::IsNotFound(s)) return s;
      continue;
    }
    if (absl::IsNotFound(s)) {
      return absl::DataLossError(absl::StrFormat("key %s was written but is not found", key));
    }
    if (!s.ok()) return s;
    absl::Status check = context.format->CheckValue(index, key, value, max_generation);
    if (!check.ok()) return check;
  }
  return absl::OkStatus();
}

}  // namespace kvlsm::bench
