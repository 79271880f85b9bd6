#include "json_output.h"

#include "support/json_writer.h"

namespace kvlsm::bench {
namespace {

void OptionalNumber(support::JsonWriter* json, std::string_view key,
                    const std::optional<double>& value) {
  json->Key(key);
  value ? json->Double(*value) : json->Null();
}

void WriteFlags(const Flags& flags, support::JsonWriter* json) {
  json->BeginObject();
  json->Key("command_line");
  json->String(flags.command_line);
  json->Key("num");
  json->Uint(flags.num);
  json->Key("reads");
  json->Uint(flags.read_ops());
  json->Key("key_size");
  json->Uint(flags.key_size);
  json->Key("value_size");
  json->Uint(flags.value_size);
  json->Key("threads");
  json->Uint(static_cast<uint64_t>(flags.threads));
  json->Key("seed");
  json->Uint(flags.seed);
  json->Key("compression");
  json->String(flags.compression == Compression::kZstd ? "zstd" : "none");
  json->Key("compaction");
  json->String(CompactionStyleName(flags.compaction));
  json->Key("sync");
  json->Bool(flags.sync);
  json->Key("cache_mb");
  json->Uint(flags.cache_mb);
  json->Key("bloom_bits");
  json->Uint(static_cast<uint64_t>(flags.bloom_bits));
  json->Key("write_buffer_mb");
  json->Uint(flags.write_buffer_mb);
  json->Key("repeats");
  json->Uint(static_cast<uint64_t>(flags.repeats));
  json->EndObject();
}

void WriteMachine(const MachineInfo& machine, support::JsonWriter* json) {
  json->BeginObject();
  json->Key("cpu");
  json->String(machine.cpu);
  json->Key("cores");
  json->Uint(static_cast<uint64_t>(machine.cores));
  json->Key("memory_bytes");
  json->Uint(machine.memory_bytes);
  json->Key("kernel");
  json->String(machine.kernel);
  json->Key("filesystem");
  json->String(machine.filesystem);
  json->Key("date");
  json->String(machine.date);
  json->EndObject();
}

void WriteRun(const RunResult& run, support::JsonWriter* json) {
  json->BeginObject();
  json->Key("workload");
  json->String(run.workload);
  json->Key("engine");
  json->String(run.engine);
  json->Key("round");
  json->Uint(static_cast<uint64_t>(run.round));
  json->Key("ops");
  json->Uint(run.ops);
  json->Key("seconds");
  json->Double(run.seconds);
  json->Key("ops_per_sec");
  json->Double(run.ops_per_sec);
  json->Key("mb_per_sec");
  json->Double(run.mb_per_sec);
  json->Key("latency_us");
  json->BeginObject();
  for (auto [name, value] : {std::pair{"p50", run.p50_us}, std::pair{"p99", run.p99_us},
                             std::pair{"p99.9", run.p999_us}, std::pair{"max", run.max_us}}) {
    json->Key(name);
    json->Double(value);
  }
  json->EndObject();
  json->Key("user_bytes_written");
  json->Uint(run.user_bytes_written);
  json->Key("engine_bytes_written");
  json->Uint(run.engine_bytes_written);
  OptionalNumber(json, "write_amp", run.write_amp);
  json->Key("write_amp_source");
  json->String(run.write_amp_source);
  json->Key("wchar_bytes");
  json->Uint(run.wchar_bytes);
  json->Key("cancelled_bytes");
  json->Uint(run.cancelled_bytes);
  json->Key("disk_bytes");
  json->Uint(run.disk_bytes);
  json->Key("live_bytes");
  json->Uint(run.live_bytes);
  OptionalNumber(json, "space_amp", run.space_amp);
  json->Key("peak_rss_bytes");
  run.peak_rss_bytes ? json->Uint(*run.peak_rss_bytes) : json->Null();
  json->Key("load_seconds");
  json->Double(run.load_seconds);
  json->Key("settle_seconds");
  json->Double(run.settle_seconds);
  json->Key("settled");
  json->Bool(run.settled);
  json->Key("settle_note");
  json->String(run.settle_note);
  json->Key("note");
  json->String(run.note);
  json->EndObject();
}

}  // namespace

std::string ResultsJson(const BenchmarkResults& results) {
  std::string out;
  support::JsonWriter json = support::JsonWriter::ToString(
      &out, {.indent = 2, .double_digits = 10, .escape_non_ascii = false});
  json.BeginObject();
  json.Key("flags");
  WriteFlags(results.flags, &json);
  json.Key("machine");
  WriteMachine(results.machine, &json);
  json.Key("engines");
  json.BeginArray();
  for (const EngineRecord& engine : results.engines) {
    json.BeginObject();
    json.Key("name");
    json.String(engine.name);
    json.Key("settings");
    json.BeginObject();
    for (const auto& [name, value] : engine.settings) {
      json.Key(name);
      json.String(value);
    }
    json.EndObject();
    json.EndObject();
  }
  json.EndArray();
  json.Key("runs");
  json.BeginArray();
  for (const RunResult& run : results.runs) WriteRun(run, &json);
  json.EndArray();
  json.EndObject();
  return out;  // Complete, with its final newline: EndObject closed the document.
}

}  // namespace kvlsm::bench
