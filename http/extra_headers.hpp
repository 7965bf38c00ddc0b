// Response headers Pistache 0.0.5 has no type for. It writes only typed headers into responses,
// so each one we send needs a small Header class.
#pragma once

#include <pistache/http_header.h>

#include <string>

namespace http {

// Holds the header's value as text.
class text_header : public Pistache::Http::Header::Header {
 public:
  text_header() = default;
  explicit text_header(std::string value) : value_(std::move(value)) {}
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }

 private:
  std::string value_;
};

// The challenge a 401 must carry (RFC 9110): "Bearer".
class www_authenticate : public text_header {
 public:
  NAME("WWW-Authenticate")
  using text_header::text_header;
};

// Seconds until a refused request may be retried (RFC 9110), sent with 503.
class retry_after : public text_header {
 public:
  NAME("Retry-After")
  using text_header::text_header;
};

// The request's id (http/request_id.hpp), on every response.
class request_id_header : public text_header {
 public:
  NAME("X-Request-Id")
  using text_header::text_header;
};

}  // namespace http
