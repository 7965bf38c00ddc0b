// Responses are framed by Content-Length, which the service always sends.
#include "tests/support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace test_support {

http_client::http_client(uint16_t port, int io_timeout_seconds) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{io_timeout_seconds, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect failed");
}

http_client::~http_client() {
  if (fd_ >= 0)
    close(fd_);
}

void http_client::send_raw(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      throw std::runtime_error("send failed");
    sent += size_t(n);
  }
}

void http_client::shutdown_sending() { ::shutdown(fd_, SHUT_WR); }

http_response http_client::request(const std::string& method, const std::string& path,
                                   const std::string& body,
                                   std::map<std::string, std::string> headers) {
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!body.empty() || method == "POST")
    headers.emplace("Content-Length", std::to_string(body.size()));
  for (const auto& [k, v] : headers)
    req += k + ": " + v + "\r\n";
  req += "\r\n" + body;
  send_raw(req);
  auto rsp = read_response();
  if (!rsp)
    throw std::runtime_error("connection closed before a response");
  return *rsp;
}

std::optional<http_response> http_client::read_response() {
  auto fill = [&]() {
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0)
      throw std::runtime_error("read timed out");
    buffer_.append(buf, size_t(n));
    return n > 0;
  };
  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill())
      return std::nullopt;
  http_response rsp;
  std::string head = buffer_.substr(0, head_end);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  rsp.status = std::stoi(status_line.substr(status_line.find(' ') + 1, 3));
  size_t pos = line_end;
  while (pos != std::string::npos && pos < head.size()) {
    size_t start = pos + 2, end = head.find("\r\n", start);
    std::string line = head.substr(start, end == std::string::npos ? std::string::npos : end - start);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      rsp.headers[name] = value;
    }
    pos = end;
  }
  size_t length = std::stoul(rsp.header("content-length").empty() ? "0"
                                                                   : rsp.header("content-length"));
  size_t total = head_end + 4 + length;
  while (buffer_.size() < total)
    if (!fill())
      return std::nullopt;
  rsp.body = buffer_.substr(head_end + 4, length);
  buffer_.erase(0, total);
  return rsp;
}

bool http_client::closed_by_server(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0)
    return false;
  char c;
  return recv(fd_, &c, 1, MSG_PEEK) == 0;
}

}  // namespace test_support
