#include "support/json_writer.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kvlsm::support {
namespace {

constexpr size_t kFlushBytes = 64 << 10;

}  // namespace

JsonWriter JsonWriter::ToFile(std::FILE* file, JsonStyle style) {
  return JsonWriter(
      [file](std::string_view bytes) {
        std::fwrite(bytes.data(), 1, bytes.size(), file);
        std::fflush(file);
      },
      style);
}

JsonWriter JsonWriter::ToString(std::string* out, JsonStyle style) {
  return JsonWriter([out](std::string_view bytes) { out->append(bytes); }, style);
}

void JsonWriter::Flush() {
  if (buffer_.empty() || !sink_) return;
  sink_(buffer_);
  buffer_.clear();
}

void JsonWriter::NewLine(size_t depth) {
  if (style_.indent <= 0) return;
  buffer_.push_back('\n');
  buffer_.append(depth * static_cast<size_t>(style_.indent), ' ');
}

void JsonWriter::BeforeValue() {
  if (buffer_.size() >= kFlushBytes) Flush();
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (first_.empty()) return;
  if (!first_.back()) buffer_.push_back(',');
  first_.back() = false;
  NewLine(first_.size());
}

void JsonWriter::Open(char bracket) {
  BeforeValue();
  buffer_.push_back(bracket);
  first_.push_back(true);
}

void JsonWriter::Close(char bracket) {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) NewLine(first_.size());
  buffer_.push_back(bracket);
  if (first_.empty()) {  // The document is complete.
    buffer_.push_back('\n');
    Flush();
  }
}

void JsonWriter::BeginObject() { Open('{'); }
void JsonWriter::EndObject() { Close('}'); }
void JsonWriter::BeginArray() { Open('['); }
void JsonWriter::EndArray() { Close(']'); }

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  WriteString(key);
  buffer_.append(style_.indent > 0 ? ": " : ":");
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  WriteString(value);
}

void JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  absl::StrAppend(&buffer_, value);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    buffer_.append("null");
    return;
  }
  absl::StrAppendFormat(&buffer_, "%.*g", style_.double_digits, value);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  buffer_.append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  buffer_.append("null");
}

void JsonWriter::WriteString(std::string_view s) {
  buffer_.push_back('"');
  size_t run = 0;  // Start of the bytes not written yet that need no escape.
  for (size_t i = 0; i < s.size(); ++i) {
    const auto byte = static_cast<unsigned char>(s[i]);
    const bool plain = byte >= 0x20 && byte != 0x7f && byte != '"' && byte != '\\' &&
                       (byte < 0x80 || !style_.escape_non_ascii);
    if (plain) continue;
    buffer_.append(s.data() + run, i - run);
    run = i + 1;
    switch (byte) {
      case '"':
        buffer_.append("\\\"");
        break;
      case '\\':
        buffer_.append("\\\\");
        break;
      case '\n':
        buffer_.append("\\n");
        break;
      case '\t':
        buffer_.append("\\t");
        break;
      default:
        absl::StrAppendFormat(&buffer_, "\\u%04x", byte);
    }
  }
  buffer_.append(s.data() + run, s.size() - run);
  buffer_.push_back('"');
}

}  // namespace kvlsm::support
