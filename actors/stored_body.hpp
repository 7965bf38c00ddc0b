// A GET body as the cache keeps it for its whole TTL: LZ4-compressed when that saves at least an
// eighth (a report is mostly transcript text, so it nearly always does), else as it is.
// Immutable once made, so every poll of a call shares one. Pure; any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace vapi_cache {

class stored_body;
using body_ptr = std::shared_ptr<const stored_body>;

class stored_body {
 public:
  // Compresses `text` if that pays.
  static body_ptr make(std::string text);
  // Keeps `text` as it is (a one-off answer, such as a stats page).
  static body_ptr plain(std::string text);

  // The body as sent. Decompressing 2 KB takes well under a microsecond.
  std::string text() const;
  // The text itself when it is kept uncompressed (so it can be sent without a copy), else
  // empty.
  std::string_view raw() const { return compressed_ ? std::string_view() : bytes_; }
  size_t size() const { return size_; }                 // of the text
  size_t stored_size() const { return bytes_.size(); }  // what the cache holds
  std::string_view stored() const { return bytes_; }     // those bytes (what the journal keeps)
  bool compressed() const { return compressed_; }

  stored_body(std::string bytes, size_t size, bool compressed)
    : bytes_(std::move(bytes)), size_(size), compressed_(compressed) {}

 private:
  std::string bytes_;  // exactly sized: it lives as long as the entry
  size_t size_;
  bool compressed_;
};

}  // namespace vapi_cache
