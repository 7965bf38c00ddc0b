// Test support: a stand-in for a remote HTTP API (Kestra, a webhook consumer) on a free
// loopback port. It records every request and answers each with the next programmed reply
// (then with the default one), one request per connection (Connection: close).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

struct received_request {
  std::string method, path;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::chrono::steady_clock::time_point at;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct programmed_reply {
  int status = 204;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
};

class fake_target {
 public:
  explicit fake_target(uint16_t port = 0);  // 0: a free port
  ~fake_target();

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void reply_next(programmed_reply r);        // queued, oldest first
  void reply_by_default(programmed_reply r);  // once the queue is empty (initially 204)
  std::vector<received_request> requests() const;
  // Waits until at least `n` requests arrived; false after `within`.
  bool wait_for(size_t n, std::chrono::milliseconds within = std::chrono::seconds(10)) const;

 private:
  void serve();
  void handle(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;  // test code only
  mutable std::condition_variable arrived_;
  std::deque<programmed_reply> queue_;
  programmed_reply default_;
  std::vector<received_request> requests_;
};

// The value of one multipart/form-data field (no filename) in `body`, or "" when absent.
std::string form_field(const std::string& body, const std::string& content_type,
                       const std::string& name);

}  // namespace test_support
