// LZ4 (Debian liblz4) because a poll must be cheap: it decompresses at several GB/s, so a GET
// pays well under a microsecond for a 2 KB body, while the body takes a fraction of the memory.
#include "actors/stored_body.hpp"

#include <lz4.h>

#include <limits>
#include <stdexcept>

namespace vapi_cache {

body_ptr stored_body::make(std::string text) {
  if (text.size() >= 256 && text.size() <= static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    std::string packed(static_cast<size_t>(LZ4_compressBound(static_cast<int>(text.size()))), '\0');
    int n = LZ4_compress_default(text.data(), packed.data(), static_cast<int>(text.size()),
                                 static_cast<int>(packed.size()));
    if (n > 0 && static_cast<size_t>(n) <= text.size() - text.size() / 8) {
      packed.resize(static_cast<size_t>(n));
      packed.shrink_to_fit();
      return std::make_shared<const stored_body>(std::move(packed), text.size(), true);
    }
  }
  return plain(std::move(text));
}

body_ptr stored_body::plain(std::string text) {
  text.shrink_to_fit();
  auto size = text.size();
  return std::make_shared<const stored_body>(std::move(text), size, false);
}

std::string stored_body::text() const {
  if (!compressed_)
    return bytes_;
  std::string out(size_, '\0');
  int n = LZ4_decompress_safe(bytes_.data(), out.data(), static_cast<int>(bytes_.size()),
                              static_cast<int>(size_));
  if (n != static_cast<int>(size_))
    throw std::logic_error("stored_body: LZ4 data does not decompress to its size");
  return out;
}

}  // namespace vapi_cache
