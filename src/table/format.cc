#include "table/format.h"

#include <zstd.h>

#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_format.h"
#include "kvlsm/env.h"
#include "util/coding.h"
#include "util/hash.h"

namespace kvlsm {
namespace {

absl::Status BlockError(std::string_view file_name, const BlockHandle& handle,
                        std::string_view what) {
  return absl::DataLossError(absl::StrFormat("%s: block at offset %d (%d bytes): %s", file_name,
                                             handle.offset, handle.size, what));
}

// One decompression context per thread: creating one costs more than decompressing a
// small block.
struct DecompressionContext {
  DecompressionContext() : context(ZSTD_createDCtx()) {}
  ~DecompressionContext() { ZSTD_freeDCtx(context); }
  ZSTD_DCtx* const context;
};

// Checks the trailer of the block stored in `stored` (payload followed by trailer) and
// produces its uncompressed contents. `owned` is the allocation `stored` lives in, or null
// when someone else owns it.
absl::StatusOr<BlockContents> FinishBlock(std::string_view stored, std::unique_ptr<char[]> owned,
                                          size_t owned_size, const BlockHandle& handle,
                                          bool verify_checksum, std::string_view file_name) {
  const size_t n = stored.size() - kBlockTrailerSize;
  const std::string_view payload = stored.substr(0, n);
  const char* trailer = stored.data() + n;
  if (verify_checksum) {
    const uint32_t expected = DecodeFixed32(trailer + 1);
    const uint32_t actual = Checksum32(payload, std::string_view(trailer, 1));
    if (actual != expected) {
      return BlockError(
          file_name, handle,
          absl::StrFormat("checksum mismatch (stored %08x, computed %08x)", expected, actual));
    }
  }
  BlockContents result;
  switch (static_cast<uint8_t>(trailer[0])) {
    case static_cast<uint8_t>(CompressionType::kNone):
      result.data = payload;
      result.owned = std::move(owned);
      result.owned_size = owned_size;
      return result;
    case static_cast<uint8_t>(CompressionType::kZstd): {
      const unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
      if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR) {
        return BlockError(file_name, handle, "zstd frame without a readable content size");
      }
      if (size > kMaxCompressedBlockContentSize) {
        return BlockError(file_name, handle,
                          absl::StrFormat("zstd frame claims %d bytes, more than the %d a "
                                          "compressed block may hold",
                                          size, kMaxCompressedBlockContentSize));
      }
      thread_local DecompressionContext dctx;
      if (dctx.context == nullptr) {
        return absl::ResourceExhaustedError("cannot allocate a zstd decompression context");
      }
      // Not zeroed: output of any other length than `size` is refused below.
      auto buffer = std::make_unique_for_overwrite<char[]>(size == 0 ? 1 : size);
      const size_t r =
          ZSTD_decompressDCtx(dctx.context, buffer.get(), size, payload.data(), payload.size());
      if (ZSTD_isError(r) || r != size) {
        return BlockError(file_name, handle,
                          absl::StrFormat("zstd decompression failed: %s",
                                          ZSTD_isError(r) ? ZSTD_getErrorName(r) : "short output"));
      }
      result.data = std::string_view(buffer.get(), size);
      result.owned = std::move(buffer);
      result.owned_size = size;
      return result;
    }
    default:
      return BlockError(
          file_name, handle,
          absl::StrFormat("unknown compression type %d", static_cast<uint8_t>(trailer[0])));
  }
}

}  // namespace

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(std::string_view* input) {
  return GetVarint64(input, &offset) && GetVarint64(input, &size);
}

bool BlockHandle::End(uint64_t* end) const {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  if (size > kMax - kBlockTrailerSize || offset > kMax - kBlockTrailerSize - size) return false;
  *end = offset + size + kBlockTrailerSize;
  return true;
}

void Footer::EncodeTo(std::string* dst) const {
  const size_t start = dst->size();
  for (const BlockHandle* h : {&index_handle, &filter_handle, &properties_handle}) {
    PutFixed64(dst, h->offset);
    PutFixed64(dst, h->size);
  }
  PutFixed32(dst, static_cast<uint32_t>(kVersion1Size));
  PutFixed32(dst, kTableFormatVersion);
  PutFixed32(dst, Checksum32(std::string_view(*dst).substr(start)));
  dst->append(kTableIndexMagic.data(), kTableIndexMagic.size());
}

absl::StatusOr<Footer> Footer::DecodeFrom(std::string_view file, std::string_view file_name) {
  auto damaged = [&](std::string_view what) {
    return absl::DataLossError(absl::StrFormat("%s: %s", file_name, what));
  };
  if (file.size() < kTailSize) {
    return damaged(absl::StrFormat("%d bytes is too short for a table index", file.size()));
  }
  const char* tail = file.data() + file.size() - kTailSize;
  if (std::string_view(tail + 12, 8) != kTableIndexMagic) {
    return damaged("bad magic number (not a kvlsm table index, or its end is missing)");
  }
  const uint32_t footer_size = DecodeFixed32(tail);
  if (footer_size < kTailSize || footer_size > kMaxSize || footer_size > file.size()) {
    return damaged(absl::StrFormat("impossible footer size %d", footer_size));
  }
  const std::string_view footer = file.substr(file.size() - footer_size);
  const uint32_t stored = DecodeFixed32(tail + 8);
  const uint32_t computed = Checksum32(footer.substr(0, footer_size - 12));
  if (stored != computed) {
    return damaged(
        absl::StrFormat("footer checksum mismatch (stored %08x, computed %08x)", stored, computed));
  }
  Footer result;
  result.format_version = DecodeFixed32(tail + 4);
  result.encoded_size = footer_size;
  if (result.format_version == 0) return damaged("format version 0 was never written");
  if (result.format_version > kTableFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: written by a newer kvlsm (table format version %d; this build "
                        "reads versions up to %d)",
                        file_name, result.format_version, kTableFormatVersion));
  }
  if (footer_size != kVersion1Size) {
    return damaged(absl::StrFormat("footer of format version 1 has %d bytes, not %d", footer_size,
                                   kVersion1Size));
  }
  const char* p = footer.data();
  for (BlockHandle* h : {&result.index_handle, &result.filter_handle, &result.properties_handle}) {
    h->offset = DecodeFixed64(p);
    h->size = DecodeFixed64(p + 8);
    p += 16;
  }
  return result;
}

void EncodeBlockTrailer(std::string_view payload, CompressionType type, char* dst) {
  dst[0] = static_cast<char>(type);
  EncodeFixed32(dst + 1, Checksum32(payload, std::string_view(dst, 1)));
}

absl::StatusOr<BlockContents> ReadBlock(const RandomAccessFile* file, const BlockHandle& handle,
                                        bool verify_checksum, std::string_view file_name) {
  uint64_t end;
  if (!handle.End(&end) || handle.size > std::numeric_limits<size_t>::max() - kBlockTrailerSize) {
    return BlockError(file_name, handle, "impossible block size");
  }
  const size_t n = static_cast<size_t>(handle.size) + kBlockTrailerSize;
  // Not zeroed (a hot path): a read that does not fill all n bytes is refused below.
  auto buffer = std::make_unique_for_overwrite<char[]>(n);
  std::string_view result;
  absl::Status s = file->Read(handle.offset, n, &result, buffer.get());
  if (!s.ok()) return s;
  if (result.size() != n) {
    return BlockError(file_name, handle,
                      absl::StrFormat("truncated: read %d of %d bytes", result.size(), n));
  }
  if (result.data() != buffer.get()) std::memcpy(buffer.get(), result.data(), n);
  const std::string_view stored(buffer.get(), n);
  return FinishBlock(stored, std::move(buffer), n, handle, verify_checksum, file_name);
}

absl::StatusOr<BlockContents> DecodeBlock(std::string_view file_bytes, const BlockHandle& handle,
                                          bool verify_checksum, std::string_view file_name) {
  uint64_t end;
  if (!handle.End(&end) || end > file_bytes.size()) {
    return BlockError(
        file_name, handle,
        absl::StrFormat("extends past the end of the file (%d bytes)", file_bytes.size()));
  }
  const std::string_view stored = file_bytes.substr(
      static_cast<size_t>(handle.offset), static_cast<size_t>(handle.size) + kBlockTrailerSize);
  return FinishBlock(stored, nullptr, 0, handle, verify_checksum, file_name);
}

BlockCompressor::BlockCompressor(CompressionType type, int level) : type_(type), level_(level) {}

BlockCompressor::~BlockCompressor() {
  if (context_ != nullptr) ZSTD_freeCCtx(context_);
}

std::string_view BlockCompressor::Compress(std::string_view raw, CompressionType* type) {
  *type = CompressionType::kNone;
  if (type_ != CompressionType::kZstd || raw.empty() ||
      raw.size() > kMaxCompressedBlockContentSize) {
    return raw;
  }
  if (context_ == nullptr) {
    context_ = ZSTD_createCCtx();
    if (context_ == nullptr) return raw;  // Out of memory: store the block raw.
  }
  buffer_.resize(ZSTD_compressBound(raw.size()));
  const size_t n =
      ZSTD_compressCCtx(context_, buffer_.data(), buffer_.size(), raw.data(), raw.size(), level_);
  // Keep the compressed form only when it saves at least 12.5%.
  if (ZSTD_isError(n) || n > raw.size() - raw.size() / 8) return raw;
  *type = CompressionType::kZstd;
  return std::string_view(buffer_.data(), n);
}

const char* CompressionTypeName(CompressionType type) {
  switch (type) {
    case CompressionType::kNone:
      return "none";
    case CompressionType::kZstd:
      return "zstd";
  }
  return "unknown";
}

}  // namespace kvlsm
