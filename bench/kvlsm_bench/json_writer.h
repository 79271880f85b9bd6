// A small streaming JSON writer (RFC 8259), indented two spaces, for --json. The caller
// nests Begin/End calls correctly and puts a Key before every value inside an object.
#ifndef KVLSM_BENCH_KVLSM_BENCH_JSON_WRITER_H_
#define KVLSM_BENCH_KVLSM_BENCH_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kvlsm::bench {

class JsonWriter {
 public:
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key);

  void String(std::string_view value);
  // Non-finite numbers (no JSON form) are written as null.
  void Number(double value);
  void Integer(uint64_t value);
  void Bool(bool value);
  void Null();

  const std::string& text() const { return out_; }

 private:
  void BeforeValue();
  void Open(char bracket);
  void Close(char bracket);
  void Quoted(std::string_view text);

  std::string out_;
  std::vector<bool> empty_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_JSON_WRITER_H_
