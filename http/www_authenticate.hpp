// The WWW-Authenticate response header (RFC 9110), which a 401 must carry. Pistache 0.0.5 writes
// only typed headers into responses, and has no type for this one.
#pragma once

#include <pistache/http_header.h>

#include <string>

namespace http {

class www_authenticate : public Pistache::Http::Header::Header {
 public:
  NAME("WWW-Authenticate")

  www_authenticate() = default;
  explicit www_authenticate(std::string challenge) : challenge_(std::move(challenge)) {}

  void parse(const std::string& data) override { challenge_ = data; }
  void write(std::ostream& os) const override { os << challenge_; }

 private:
  std::string challenge_;
};

}  // namespace http
