// JsonWriter: streams one JSON document (RFC 8259) to a sink, for the tools' --json. Output
// is buffered and handed to the sink in pieces of about 64 KiB, and when the document is
// complete, so that a scan of millions of keys streams in constant memory.
//
// The writer places commas and colons; the caller opens and closes objects and arrays in
// order and names every member of an object with Key (or a Member shorthand). Strings may
// hold any bytes: quote, backslash and control characters are escaped, and every byte
// above 0x7f becomes \u00XX (its Latin-1 code point), so the output is always valid,
// plain-ASCII JSON. Keys and values the tools print are already ASCII (see BytesFormat).
//
// Thread safety: one thread.
#ifndef KVLSM_TOOLS_COMMON_JSON_WRITER_H_
#define KVLSM_TOOLS_COMMON_JSON_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kvlsm::tools {

class JsonWriter {
 public:
  using Sink = std::function<void(std::string_view)>;
  explicit JsonWriter(Sink sink) : sink_(std::move(sink)) {}
  // A writer to `file` (e.g. stdout), flushed after each complete document.
  static JsonWriter ToFile(std::FILE* file);
  // Hands what is buffered to the sink.
  ~JsonWriter() { Flush(); }
  JsonWriter(JsonWriter&&) = default;

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // Names the next value. REQUIRES: inside an object.
  void Key(std::string_view key);

  void String(std::string_view value);
  void Uint(uint64_t value);
  void Double(double value);  // Non-finite values are written as null.
  void Bool(bool value);
  void Null();

  // Key followed by a value.
  void Member(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }
  void Member(std::string_view key, const char* value) {
    Key(key);
    String(value);
  }
  void Member(std::string_view key, uint64_t value) {
    Key(key);
    Uint(value);
  }
  void Member(std::string_view key, bool value) {
    Key(key);
    Bool(value);
  }

 private:
  // Writes the comma before a value or key when it is not the first of its container.
  void BeforeValue();
  void Open(char bracket);
  void Close(char bracket);
  void Flush();
  void WriteString(std::string_view s);

  Sink sink_;
  std::string buffer_;
  std::vector<bool> first_;  // Per open container: nothing written in it yet.
  bool after_key_ = false;   // A key was written; its value comes next.
};

}  // namespace kvlsm::tools

#endif  // KVLSM_TOOLS_COMMON_JSON_WRITER_H_
