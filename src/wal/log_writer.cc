// Record grammar (log_format.h, docs/format.md):
//   fragment := checksum:fixed32 length:fixed16 type:uint8 log_number:fixed32
//               header_check:fixed16 payload
//   header_check = low 16 bits of Checksum32(length . type . log_number)
//   checksum  = Checksum32(type . log_number . header_check . payload)
#include "wal/log_writer.h"

#include <algorithm>

#include "util/coding.h"
#include "util/hash.h"
#include "wal/log_format.h"

namespace kvlsm {

LogWriter::LogWriter(std::unique_ptr<WritableFile> file, uint64_t log_number,
                     uint64_t initial_offset)
    : file_(std::move(file)),
      log_number_(log_number),
      size_(initial_offset),
      block_offset_(initial_offset % log::kBlockSize) {}

LogWriter::~LogWriter() {
  if (!closed_) file_->Close().IgnoreError();
}

absl::Status LogWriter::AddRecord(std::string_view payload) {
  if (!error_.ok()) return error_;
  buffer_.clear();
  const uint32_t log_number32 = static_cast<uint32_t>(log_number_);
  size_t block_offset = block_offset_;
  bool first = true;
  // A record always produces at least one fragment, so an empty payload becomes one FULL
  // fragment of length 0.
  do {
    size_t leftover = log::kBlockSize - block_offset;
    if (leftover < log::kHeaderSize) {
      // No room for a header: pad the block with zeros and start the next one.
      buffer_.append(leftover, '\0');
      block_offset = 0;
      leftover = log::kBlockSize;
    }
    const size_t available = leftover - log::kHeaderSize;
    const size_t length = std::min(available, payload.size());
    const bool last = length == payload.size();
    const log::RecordType type = first  ? (last ? log::kFullType : log::kFirstType)
                                 : last ? log::kLastType
                                        : log::kMiddleType;

    char header[log::kHeaderSize];
    EncodeFixed16(header + log::kLengthOffset, static_cast<uint16_t>(length));
    header[log::kTypeOffset] = static_cast<char>(type);
    EncodeFixed32(header + log::kLogNumberOffset, log_number32);
    const uint32_t header_check = Checksum32(std::string_view(
        header + log::kLengthOffset, log::kHeaderCheckOffset - log::kLengthOffset));
    EncodeFixed16(header + log::kHeaderCheckOffset, static_cast<uint16_t>(header_check));
    const std::string_view fragment = payload.substr(0, length);
    EncodeFixed32(
        header + log::kChecksumOffset,
        Checksum32(std::string_view(header + log::kTypeOffset, log::kHeaderSize - log::kTypeOffset),
                   fragment));
    buffer_.append(header, log::kHeaderSize);
    buffer_.append(fragment.data(), fragment.size());

    payload.remove_prefix(length);
    block_offset += log::kHeaderSize + length;
    first = false;
  } while (!payload.empty());
  if (block_offset == log::kBlockSize) block_offset = 0;

  absl::Status s = file_->Append(buffer_);
  if (s.ok()) s = file_->Flush();
  if (!s.ok()) {
    error_ = s;
    return s;
  }
  size_ += buffer_.size();
  block_offset_ = block_offset;
  // Do not keep a huge buffer alive after one huge record.
  if (buffer_.capacity() > 4 * log::kBlockSize) std::string().swap(buffer_);
  return absl::OkStatus();
}

absl::Status LogWriter::Sync() {
  if (!error_.ok()) return error_;
  absl::Status s = file_->Sync();
  if (!s.ok()) error_ = s;
  return s;
}

absl::Status LogWriter::Close() {
  closed_ = true;
  absl::Status s = file_->Close();
  return error_.ok() ? s : error_;
}

}  // namespace kvlsm
