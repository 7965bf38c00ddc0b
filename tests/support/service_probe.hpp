// Test support: what tests of the real binary read off the service and its host: samples of
// its /metrics page, its RSS and CPU time from /proc, raw client sockets, and a connection
// that is answered /health 200.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"

namespace test_support {

inline std::string lower(std::string s) {
  for (auto& ch : s)
    ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The sum of every sample of `name` (any labels) in an exposition; -1 if there is none.
inline double sum_of(const std::string& page, const std::string& name) {
  double sum = -1;
  std::istringstream lines(page);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(name, 0) == 0 && (line[name.size()] == ' ' || line[name.size()] == '{'))
      sum = std::max(sum, 0.0) + std::stod(line.substr(line.rfind(' ') + 1));
  return sum;
}

// The value of one sample line of an exposition, by its exact name and labels; -1 if absent.
inline double sample(const std::string& page, const std::string& series) {
  auto at = page.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(page.substr(at + series.size() + 2));
}

// Enough descriptors for hundreds of client sockets in this process (a service started later
// inherits it).
inline void raise_fd_limit() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = std::min<rlim_t>(r.rlim_max, 65536);
  setrlimit(RLIMIT_NOFILE, &r);
}

inline long rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6)) * 1024;
  return -1;
}

inline double cpu_seconds(pid_t pid) {  // utime + stime
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::istringstream after_name(stat.substr(stat.rfind(')') + 2));  // from field 3, state
  std::vector<std::string> f{std::istream_iterator<std::string>(after_name), {}};
  return double(std::stol(f.at(11)) + std::stol(f.at(12))) / double(sysconf(_SC_CLK_TCK));
}

// A client socket to 127.0.0.1:port; a small receive buffer (set before connect, so the window
// stays small) makes a client that does not read stall the server's writes at once.
inline int open_socket(uint16_t port, int rcvbuf = 0, bool nonblocking = false) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (rcvbuf > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    close(fd);
    throw std::runtime_error("connect failed");
  }
  return fd;
}

inline void send_all(int fd, const std::string& bytes) {
  if (::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != ssize_t(bytes.size()))
    throw std::runtime_error("send failed");
}

// A new connection that gets GET /health 200 within `limit` (refusals are retried), or null.
inline std::unique_ptr<http_client> healthy_connection(uint16_t port, std::chrono::milliseconds limit) {
  using clock_type = std::chrono::steady_clock;
  auto deadline = clock_type::now() + limit;
  while (clock_type::now() < deadline) {
    try {
      auto c = std::make_unique<http_client>(port, 1);
      if (c->get("/health").status == 200 && clock_type::now() < deadline)
        return c;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return nullptr;
}


}  // namespace test_support
