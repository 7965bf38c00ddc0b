// Test support: a small blocking HTTP/1.1 client over one keep-alive connection, able to send
// raw bytes, so tests can speak both well-formed and hostile HTTP to the service.
//
// With VAPI_CACHE_RESPONSE_LOG naming a file, every response read is appended to it as one JSON
// line, {"binary","test","method","target","status","headers","body"} (headers lower-cased;
// method and target null when the bytes sent held no request line), for tests/openapi/check.sh
// to validate against openapi.yaml. Each line is one O_APPEND write, so processes and threads
// sharing the file never interleave.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace test_support {

struct http_response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class http_client {
 public:
  // Connects to 127.0.0.1:port; reads and writes fail after io_timeout_seconds.
  explicit http_client(uint16_t port, int io_timeout_seconds = 10);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // Sends one request (with Host and, for a body, Content-Length) and reads its response.
  http_response request(const std::string& method, const std::string& path,
                        const std::string& body = "",
                        std::map<std::string, std::string> headers = {});

  http_response post_json(const std::string& path, const std::string& body) {
    return request("POST", path, body, {{"Content-Type", "application/json"}});
  }
  http_response get(const std::string& path) { return request("GET", path); }

  void send_raw(const std::string& bytes);
  // Half-closes: the service reads end of stream, and can still answer.
  void shutdown_sending();
  // Reads one response; nullopt if the server closed the connection first.
  std::optional<http_response> read_response();
  // True if the server has closed its side (reads end of stream within the timeout).
  bool closed_by_server(int timeout_ms = 2000);

 private:
  int fd_ = -1;
  std::string buffer_;  // bytes read past the last response
  // "METHOD target" of each request line sent and not yet answered, for the response log.
  std::deque<std::pair<std::string, std::string>> unanswered_;
};

}  // namespace test_support
