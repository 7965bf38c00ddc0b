// Test support: a connected, non-blocking unix stream pair, for code that writes to a socket:
// it writes to `ours`, the test reads `peer`.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace test_support {

struct socket_pair {
  int ours = -1, peer = -1;
  socket_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
      throw std::runtime_error("socketpair");
    ours = fds[0];
    peer = fds[1];
  }
  ~socket_pair() {
    if (ours >= 0)
      ::close(ours);
    if (peer >= 0)
      ::close(peer);
  }
  socket_pair(const socket_pair&) = delete;
  socket_pair& operator=(const socket_pair&) = delete;

  // Everything the peer can read now.
  std::string read_all() const {
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = ::read(peer, buf, sizeof buf)) > 0;)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }
};

}  // namespace test_support
