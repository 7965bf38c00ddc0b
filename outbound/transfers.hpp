// Outbound HTTP requests in flight, on libcurl's multi interface: many at once on one thread,
// none blocking it for longer than a poll's timeout. Owned by one thread (the delivery actor's):
// libcurl handles are not shared between threads, so nothing here locks.
//
// Every request is a POST with its own timeout; redirects are not followed (a 3xx is an
// answer), only http and https are spoken, and the answer's body is read but not kept beyond
// a few bytes (a target's error page says nothing the status does not, and may echo what we
// sent). Retry-After is kept for the caller's backoff.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace outbound {

struct request {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds timeout{10000};          // the whole exchange
  std::chrono::milliseconds connect_timeout{5000};
};

struct result {
  uint64_t tag = 0;          // the caller's, from start()
  long status = 0;           // the HTTP status; 0: no answer (refused, timed out, reset, DNS)
  std::string error;         // when status is 0: libcurl's words for why
  std::string retry_after;   // the Retry-After header's value, if any
  std::chrono::milliseconds took{0};
};

// Once per process, before any thread makes a transfers (libcurl's global set-up).
void global_init();

class transfers {
 public:
  transfers();  // throws std::runtime_error if libcurl cannot start
  ~transfers();
  transfers(const transfers&) = delete;
  transfers& operator=(const transfers&) = delete;

  void start(uint64_t tag, request r);
  size_t in_flight() const;
  // Waits up to `at_most` for network activity, moves every transfer along, and returns those
  // that finished.
  std::vector<result> poll(std::chrono::milliseconds at_most);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace outbound
