// JsonWriter: streams one JSON document (RFC 8259) to a sink. The one JSON writer of the
// programs around the engine: the tools' --json (compact, streamed to stdout) and
// kvlsm-bench's --json and results.json (indented, into a string).
//
// Output is buffered and handed to the sink in pieces of about 64 KiB, and when the
// document is complete (after a final newline), so that a scan of millions of keys streams
// in constant memory.
//
// The writer places commas, colons and (with JsonStyle::indent) line breaks; the caller opens
// and closes objects and arrays in order and names every member of an object with Key (or
// a Member shorthand). Strings may hold any bytes: quote, backslash and control characters
// are escaped and, by default, every byte above 0x7f becomes \u00XX (its Latin-1 code
// point), so the output is always valid, plain-ASCII JSON.
//
// Thread safety: one thread.
#ifndef KVLSM_SUPPORT_JSON_WRITER_H_
#define KVLSM_SUPPORT_JSON_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kvlsm::support {

// How a JsonWriter lays out its document.
struct JsonStyle {
  // 0: the whole document on one line, `"key":value`. n > 0: every member and element
  // on a line of its own, indented n spaces a level, `"key": value`.
  int indent = 0;
  // Significant digits of a Double (printf's %.<n>g).
  int double_digits = 6;
  // true: bytes above 0x7f as \u00XX (arbitrary bytes stay readable as Latin-1); false:
  // passed through as they are (text known to be UTF-8).
  bool escape_non_ascii = true;
};

class JsonWriter {
 public:
  using Sink = std::function<void(std::string_view)>;
  explicit JsonWriter(Sink sink, JsonStyle style = {}) : sink_(std::move(sink)), style_(style) {}
  // A writer to `file` (e.g. stdout), flushed after each complete document.
  static JsonWriter ToFile(std::FILE* file, JsonStyle style = {});
  // A writer appending to *out, which must outlive it.
  static JsonWriter ToString(std::string* out, JsonStyle style = {});
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
  // Writes the comma (and line break) before a value or key when needed.
  void BeforeValue();
  // With JsonStyle::indent: a line break and the indent of `depth` open containers.
  void NewLine(size_t depth);
  void Open(char bracket);
  void Close(char bracket);
  void Flush();
  void WriteString(std::string_view s);

  Sink sink_;
  JsonStyle style_;
  std::string buffer_;
  std::vector<bool> first_;  // Per open container: nothing written in it yet.
  bool after_key_ = false;   // A key was written; its value comes next.
};

}  // namespace kvlsm::support

#endif  // KVLSM_SUPPORT_JSON_WRITER_H_
