// One HTTP response as a route builds it, on any thread: status, headers, and a body made of
// pieces, each either text or a slice of a stored body (shared, not copied: a stored result
// goes out to every poll of it). The session turns it into bytes on its reactor thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "actors/stored_body.hpp"

namespace http {

struct body_piece {
  std::string text;              // when `stored` is null
  vapi_cache::body_ptr stored;   // else the bytes [offset, offset + length) of its text
  size_t offset = 0;
  size_t length = 0;
  size_t size() const { return stored ? length : text.size(); }
};

struct response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // beyond the framing ones
  std::vector<body_piece> body;

  void text(std::string bytes) { body.push_back({std::move(bytes), nullptr, 0, 0}); }
  // A slice past the body's end is cut to it, so Content-Length always matches what is sent.
  void stored(vapi_cache::body_ptr b, size_t offset, size_t length) {
    offset = std::min(offset, b->size());
    length = std::min(length, b->size() - offset);
    body.push_back({{}, std::move(b), offset, length});
  }
  size_t content_length() const {
    size_t n = 0;
    for (const auto& p : body)
      n += p.size();
    return n;
  }
};

}  // namespace http
