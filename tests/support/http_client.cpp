// Responses are framed by Content-Length, which the service always sends.
#include "tests/support/http_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>
#include <stdexcept>

namespace test_support {
namespace {

// The response log's descriptor, opened once per process; -1 when VAPI_CACHE_RESPONSE_LOG is
// unset.
int response_log() {
  static const int fd = [] {
    const char* path = std::getenv("VAPI_CACHE_RESPONSE_LOG");
    if (!path || !*path)
      return -1;
    int f = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (f < 0)
      throw std::runtime_error(std::string("cannot open VAPI_CACHE_RESPONSE_LOG ") + path);
    return f;
  }();
  return fd;
}

// "METHOD /target HTTP/1.x" as a pair, or nullopt.
std::optional<std::pair<std::string, std::string>> request_line(std::string_view line) {
  size_t method_end = line.find(' ');
  size_t target_end = method_end == line.npos ? line.npos : line.find(' ', method_end + 1);
  if (target_end == line.npos || method_end == 0 || line[method_end + 1] != '/' ||
      !std::all_of(line.begin(), line.begin() + method_end,
                   [](char ch) { return ch >= 'A' && ch <= 'Z'; }) ||
      (line.substr(target_end) != " HTTP/1.1" && line.substr(target_end) != " HTTP/1.0"))
    return std::nullopt;
  return std::make_pair(std::string(line.substr(0, method_end)),
                        std::string(line.substr(method_end + 1, target_end - method_end - 1)));
}

// The Content-Length of a head's header lines; 0 when absent or not a number.
size_t content_length(std::string_view headers) {
  for (size_t at = 0; at < headers.size();) {
    size_t end = std::min(headers.find("\r\n", at), headers.size());
    std::string line(headers.substr(at, end - at));
    std::transform(line.begin(), line.end(), line.begin(), ::tolower);
    if (line.rfind("content-length:", 0) == 0) {
      size_t value = line.find_first_not_of(' ', 15);
      std::string digits = value == std::string::npos ? "" : line.substr(value);
      bool number = !digits.empty() && digits.size() < 12 &&
                    std::all_of(digits.begin(), digits.end(), ::isdigit);
      return number ? std::stoul(digits) : 0;
    }
    at = end + 2;
  }
  return 0;
}

// Each request in `bytes`, in order: a request line at the start of a line, its head, and its
// Content-Length body skipped (a body may end where the next request line begins).
void note_request_lines(std::string_view bytes,
                        std::deque<std::pair<std::string, std::string>>& out) {
  for (size_t at = 0; at < bytes.size();) {
    size_t eol = bytes.find("\r\n", at);
    if (eol == std::string_view::npos)
      break;
    auto request = request_line(bytes.substr(at, eol - at));
    if (!request) {
      at = eol + 2;
      continue;
    }
    out.push_back(std::move(*request));
    size_t head_end = bytes.find("\r\n\r\n", at);
    if (head_end == std::string_view::npos)
      break;
    at = head_end + 4 + content_length(bytes.substr(eol + 2, head_end - eol));
  }
}

void log_response(const std::optional<std::pair<std::string, std::string>>& request,
                  const http_response& rsp) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  nlohmann::json line = {
    {"binary", program_invocation_short_name},
    {"test", test ? std::string(test->test_suite_name()) + "." + test->name() : ""},
    {"method", request ? nlohmann::json(request->first) : nlohmann::json()},
    {"target", request ? nlohmann::json(request->second) : nlohmann::json()},
    {"status", rsp.status},
    {"headers", rsp.headers},
    {"body", rsp.body}};
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  ssize_t n;
  do
    n = ::write(response_log(), text.data(), text.size());  // one write: one whole line
  while (n < 0 && errno == EINTR);
}

}  // namespace

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
  if (response_log() >= 0)
    note_request_lines(bytes, unanswered_);
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
  if (response_log() >= 0 && rsp.status >= 200) {  // interim answers (100 Continue) are not
    std::optional<std::pair<std::string, std::string>> request;
    if (!unanswered_.empty()) {
      request = std::move(unanswered_.front());
      unanswered_.pop_front();
    }
    log_response(request, rsp);
  }
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
