// The JSON writer the tools and kvlsm-bench share (support/json_writer.h): the compact
// streamed form the tools print and the indented form kvlsm-bench writes.
#include "support/json_writer.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

namespace kvlsm::support {
namespace {

void WriteSample(JsonWriter* json) {
  json->BeginObject();
  json->Member("a", uint64_t{1});
  json->Key("list");
  json->BeginArray();
  json->Double(0.5);
  json->Bool(true);
  json->Null();
  json->BeginObject();
  json->EndObject();
  json->EndArray();
  json->Key("empty");
  json->BeginArray();
  json->EndArray();
  json->EndObject();
}

TEST(JsonWriterTest, CompactIsOneLine) {
  std::string out;
  {
    JsonWriter json = JsonWriter::ToString(&out);
    WriteSample(&json);
  }
  EXPECT_EQ(out, "{\"a\":1,\"list\":[0.5,true,null,{}],\"empty\":[]}\n");
}

TEST(JsonWriterTest, IndentedNestsAndIndents) {
  std::string out;
  JsonWriter json = JsonWriter::ToString(&out, {.indent = 2});
  WriteSample(&json);
  // The document is handed to the sink as soon as it is complete.
  EXPECT_EQ(out,
            "{\n"
            "  \"a\": 1,\n"
            "  \"list\": [\n"
            "    0.5,\n"
            "    true,\n"
            "    null,\n"
            "    {}\n"
            "  ],\n"
            "  \"empty\": []\n"
            "}\n");
}

TEST(JsonWriterTest, EscapesStringsAndWritesNonFiniteNumbersAsNull) {
  std::string out;
  JsonWriter json = JsonWriter::ToString(&out, {.double_digits = 10});
  json.BeginArray();
  json.String("q\"b\\n\n\t\x01\r\x7f");
  json.Double(std::nan(""));
  json.Double(1.0 / 0.0);
  json.Double(1234567.25);
  json.Uint(UINT64_MAX);
  json.EndArray();
  EXPECT_EQ(out,
            "[\"q\\\"b\\\\n\\n\\t\\u0001\\u000d\\u007f\",null,null,1234567.25,"
            "18446744073709551615]\n");
}

TEST(JsonWriterTest, DoubleDigitsFollowTheStyle) {
  std::string six;
  std::string ten;
  JsonWriter json6 = JsonWriter::ToString(&six);
  JsonWriter json10 = JsonWriter::ToString(&ten, {.double_digits = 10});
  json6.BeginArray();
  json6.Double(1234567.25);
  json6.EndArray();
  json10.BeginArray();
  json10.Double(1234567.25);
  json10.EndArray();
  EXPECT_EQ(six, "[1.23457e+06]\n");
  EXPECT_EQ(ten, "[1234567.25]\n");
}

TEST(JsonWriterTest, EveryByteIsWrittenAsPlainAscii) {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  std::string out;
  JsonWriter json = JsonWriter::ToString(&out);
  json.BeginObject();
  json.Member("bytes", every_byte);
  json.EndObject();
  for (char c : out) EXPECT_LT(static_cast<unsigned char>(c), 0x80);
  EXPECT_NE(out.find("\\u0000"), std::string::npos);
  EXPECT_NE(out.find("\\u00ff"), std::string::npos);
  EXPECT_NE(out.find(" !\\\"#"), std::string::npos);  // Printable ASCII as it is.
  EXPECT_NE(out.find("[\\\\]"), std::string::npos);
}

TEST(JsonWriterTest, NonAsciiPassesThroughWhenAsked) {
  std::string out;
  JsonWriter json = JsonWriter::ToString(&out, {.escape_non_ascii = false});
  json.BeginArray();
  json.String("caf\xc3\xa9");
  json.EndArray();
  EXPECT_EQ(out, "[\"caf\xc3\xa9\"]\n");
}

TEST(JsonWriterTest, LongDocumentsReachTheSinkInPieces) {
  int calls = 0;
  size_t bytes = 0;
  {
    JsonWriter json([&](std::string_view piece) {
      ++calls;
      bytes += piece.size();
    });
    json.BeginArray();
    for (int i = 0; i < 100000; ++i) json.String("0123456789");
    json.EndArray();
  }
  EXPECT_GT(calls, 10);  // About 64 KiB a piece, not the whole document at once.
  EXPECT_EQ(bytes, 1 + 100000 * 13 - 1 + 1 + 1);
}

}  // namespace
}  // namespace kvlsm::support
