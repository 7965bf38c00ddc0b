#include "tests/support/fake_target.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace test_support {

fake_target::fake_target(uint16_t port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("fake_target: cannot listen on port " + std::to_string(port));
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

fake_target::~fake_target() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void fake_target::reply_next(programmed_reply r) {
  std::lock_guard<std::mutex> g(mutex_);
  queue_.push_back(std::move(r));
}

void fake_target::reply_by_default(programmed_reply r) {
  std::lock_guard<std::mutex> g(mutex_);
  default_ = std::move(r);
}

std::vector<received_request> fake_target::requests() const {
  std::lock_guard<std::mutex> g(mutex_);
  return requests_;
}

bool fake_target::wait_for(size_t n, std::chrono::milliseconds within) const {
  std::unique_lock<std::mutex> g(mutex_);
  return arrived_.wait_for(g, within, [&] { return requests_.size() >= n; });
}

void fake_target::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0)
      continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      continue;
    handle(fd);
    ::close(fd);
  }
}

void fake_target::handle(int fd) {
  std::string in;
  char buf[65536];
  size_t header_end = std::string::npos, need = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0)
      continue;
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0)
      return;
    in.append(buf, size_t(n));
    if (header_end == std::string::npos && (header_end = in.find("\r\n\r\n")) != std::string::npos) {
      auto head = in.substr(0, header_end);
      auto cl = head.find("Content-Length:");
      if (cl == std::string::npos)
        cl = head.find("content-length:");
      need = header_end + 4 + (cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 15)));
    }
    if (header_end != std::string::npos && in.size() >= need)
      break;
  }
  if (header_end == std::string::npos)
    return;
  received_request r;
  r.at = std::chrono::steady_clock::now();
  auto line_end = in.find("\r\n");
  auto first = in.substr(0, line_end);
  auto sp1 = first.find(' '), sp2 = first.rfind(' ');
  r.method = first.substr(0, sp1);
  r.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
  for (size_t at = line_end + 2; at < header_end;) {
    auto end = in.find("\r\n", at);
    auto line = in.substr(at, end - at);
    auto colon = line.find(':');
    auto name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[name] = value;
    at = end + 2;
  }
  r.body = in.substr(header_end + 4);
  programmed_reply reply;
  {
    std::lock_guard<std::mutex> g(mutex_);
    if (!queue_.empty()) {
      reply = std::move(queue_.front());
      queue_.pop_front();
    } else {
      reply = default_;
    }
    requests_.push_back(std::move(r));
  }
  arrived_.notify_all();
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\n";
  for (const auto& h : reply.headers)
    out += h + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n" +
         reply.body;
  (void)!::write(fd, out.data(), out.size());
}

std::string form_field(const std::string& body, const std::string& content_type,
                       const std::string& name) {
  auto b = content_type.find("boundary=");
  if (b == std::string::npos)
    return {};
  auto delimiter = "--" + content_type.substr(b + 9);
  auto disposition = "Content-Disposition: form-data; name=\"" + name + "\"\r\n";
  auto at = body.find(delimiter + "\r\n" + disposition);
  if (at == std::string::npos)
    return {};
  auto start = body.find("\r\n\r\n", at);
  auto end = body.find("\r\n" + delimiter, start + 4);
  if (start == std::string::npos || end == std::string::npos)
    return {};
  return body.substr(start + 4, end - start - 4);
}

}  // namespace test_support
