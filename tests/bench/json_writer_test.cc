#include "json_writer.h"

#include <cmath>

#include <gtest/gtest.h>

namespace kvlsm::bench {
namespace {

TEST(JsonWriterTest, NestsAndIndents) {
  JsonWriter json;
  json.BeginObject();
  json.Key("a");
  json.Integer(1);
  json.Key("list");
  json.BeginArray();
  json.Number(0.5);
  json.Bool(true);
  json.Null();
  json.BeginObject();
  json.EndObject();
  json.EndArray();
  json.Key("empty");
  json.BeginArray();
  json.EndArray();
  json.EndObject();
  EXPECT_EQ(json.text(),
            "{\n"
            "  \"a\": 1,\n"
            "  \"list\": [\n"
            "    0.5,\n"
            "    true,\n"
            "    null,\n"
            "    {}\n"
            "  ],\n"
            "  \"empty\": []\n"
            "}");
}

TEST(JsonWriterTest, EscapesStringsAndWritesNonFiniteNumbersAsNull) {
  JsonWriter json;
  json.BeginArray();
  json.String("q\"b\\n\n\t\x01");
  json.Number(std::nan(""));
  json.Number(1234567.25);
  json.Integer(UINT64_MAX);
  json.EndArray();
  EXPECT_EQ(json.text(),
            "[\n  \"q\\\"b\\\\n\\n\\t\\u0001\",\n  null,\n  1234567.25,\n"
            "  18446744073709551615\n]");
}

}  // namespace
}  // namespace kvlsm::bench
