#include "json_output.h"

#include "json_writer.h"

namespace kvlsm::bench {
namespace {

void OptionalNumber(JsonWriter* json, std::string_view key, const std::optional<double>& value) {
  json->Key(key);
  value ? json->Number(*value) : json->Null();
}

void WriteFlags(const Flags& flags, JsonWriter* json) {
  json->BeginObject();
  json->Key("command_line");
  json->String(flags.command_line);
  json->Key("num");
  json->Integer(flags.num);
  json->Key("reads");
  json->Integer(flags.read_ops());
  json->Key("key_size");
  json->Integer(flags.key_size);
  json->Key("value_size");
  json->Integer(flags.value_size);
  json->Key("threads");
  json->Integer(static_cast<uint64_t>(flags.threads));
  json->Key("seed");
  json->Integer(flags.seed);
  json->Key("compression");
  json->String(flags.compression == Compression::kZstd ? "zstd" : "none");
  json->Key("compaction");
  json->String(CompactionStyleName(flags.compaction));
  json->Key("sync");
  json->Bool(flags.sync);
  json->Key("cache_mb");
  json->Integer(flags.cache_mb);
  json->Key("bloom_bits");
  json->Integer(static_cast<uint64_t>(flags.bloom_bits));
  json->Key("write_buffer_mb");
  json->Integer(flags.write_buffer_mb);
  json->Key("repeats");
  json->Integer(static_cast<uint64_t>(flags.repeats));
  json->EndObject();
}

void WriteMachine(const MachineInfo& machine, JsonWriter* json) {
  json->BeginObject();
  json->Key("cpu");
  json->String(machine.cpu);
  json->Key("cores");
  json->Integer(static_cast<uint64_t>(machine.cores));
  json->Key("memory_bytes");
  json->Integer(machine.memory_bytes);
  json->Key("kernel");
  json->String(machine.kernel);
  json->Key("filesystem");
  json->String(machine.filesystem);
  json->Key("date");
  json->String(machine.date);
  json->EndObject();
}

void WriteRun(const RunResult& run, JsonWriter* json) {
  json->BeginObject();
  json->Key("workload");
  json->String(run.workload);
  json->Key("engine");
  json->String(run.engine);
  json->Key("round");
  json->Integer(static_cast<uint64_t>(run.round));
  json->Key("ops");
  json->Integer(run.ops);
  json->Key("seconds");
  json->Number(run.seconds);
  json->Key("ops_per_sec");
  json->Number(run.ops_per_sec);
  json->Key("mb_per_sec");
  json->Number(run.mb_per_sec);
  json->Key("latency_us");
  json->BeginObject();
  for (auto [name, value] : {std::pair{"p50", run.p50_us}, std::pair{"p99", run.p99_us},
                             std::pair{"p99.9", run.p999_us}, std::pair{"max", run.max_us}}) {
    json->Key(name);
    json->Number(value);
  }
  json->EndObject();
  json->Key("user_bytes_written");
  json->Integer(run.user_bytes_written);
  json->Key("engine_bytes_written");
  json->Integer(run.engine_bytes_written);
  OptionalNumber(json, "write_amp", run.write_amp);
  json->Key("write_amp_source");
  json->String(run.write_amp_source);
  json->Key("wchar_bytes");
  json->Integer(run.wchar_bytes);
  json->Key("cancelled_bytes");
  json->Integer(run.cancelled_bytes);
  json->Key("disk_bytes");
  json->Integer(run.disk_bytes);
  json->Key("live_bytes");
  json->Integer(run.live_bytes);
  OptionalNumber(json, "space_amp", run.space_amp);
  json->Key("peak_rss_bytes");
  run.peak_rss_bytes ? json->Integer(*run.peak_rss_bytes) : json->Null();
  json->Key("load_seconds");
  json->Number(run.load_seconds);
  json->Key("settle_seconds");
  json->Number(run.settle_seconds);
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
  JsonWriter json;
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
  return json.text() + "\n";
}

}  // namespace kvlsm::bench
