#include "common/json_writer.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kvlsm::tools {
namespace {

constexpr size_t kFlushBytes = 64 << 10;

}  // namespace

JsonWriter JsonWriter::ToFile(std::FILE* file) {
  return JsonWriter([file](std::string_view bytes) {
    std::fwrite(bytes.data(), 1, bytes.size(), file);
    std::fflush(file);
  });
}

void JsonWriter::Flush() {
  if (buffer_.empty() || !sink_) return;
  sink_(buffer_);
  buffer_.clear();
}

void JsonWriter::BeforeValue() {
  if (buffer_.size() >= kFlushBytes) Flush();
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) buffer_.push_back(',');
    first_.back() = false;
  }
}

void JsonWriter::Open(char bracket) {
  BeforeValue();
  buffer_.push_back(bracket);
  first_.push_back(true);
}

void JsonWriter::Close(char bracket) {
  first_.pop_back();
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
  buffer_.push_back(':');
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
  absl::StrAppendFormat(&buffer_, "%.6g", value);
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
    if (byte >= 0x20 && byte <= 0x7e && byte != '"' && byte != '\\') continue;
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
      default: {
        absl::StrAppendFormat(&buffer_, "\\u%04x", byte);
      }
    }
  }
  buffer_.append(s.data() + run, s.size() - run);
  buffer_.push_back('"');
}

}  // namespace kvlsm::tools
