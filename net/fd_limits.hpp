// How many descriptors the process may open, and so how many connections it can hold. The
// soft RLIMIT_NOFILE is raised to the hard limit at start (systemd's default soft limit is
// 1024, far below MAX_WAITERS' 10,000), and the connection limit leaves room for what else
// the service opens: its listener, epoll and wake-up fds, logs, /proc reads, journal files,
// Redis and outbound connections.
#pragma once

#include <cstddef>

namespace net {

struct fd_limits {
  size_t soft_before = 0;  // the soft limit the process started with
  size_t soft = 0;         // after raising it
  size_t hard = 0;
};

// Raises the soft limit to the hard one (where the hard one is "unlimited", to the kernel's
// nr_open). Never lowers it; failure leaves it as it was.
fd_limits raise_fd_limit();

// The default MAX_CONNECTIONS for a soft limit of `fds`: all but 64 + fds/16 (for everything
// else, and for refusing extra clients politely), at least 16. Pure.
size_t default_max_connections(size_t fds);

}  // namespace net
