// setrlimit can raise the soft limit up to the hard one without privileges.
#include "net/fd_limits.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>

namespace net {
namespace {

size_t kernel_nr_open() {
  std::ifstream f("/proc/sys/fs/nr_open");
  size_t n = 0;
  return (f >> n) ? n : 1048576;
}

}  // namespace

fd_limits raise_fd_limit() {
  fd_limits out;
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0)
    return out;
  out.soft_before = out.soft = static_cast<size_t>(r.rlim_cur);
  out.hard = r.rlim_max == RLIM_INFINITY ? kernel_nr_open() : static_cast<size_t>(r.rlim_max);
  if (out.soft < out.hard) {
    rlimit raised = r;
    raised.rlim_cur = static_cast<rlim_t>(out.hard);
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      out.soft = out.hard;
  }
  return out;
}

size_t default_max_connections(size_t fds) {
  size_t reserve = 64 + fds / 16;
  return fds > reserve + 16 ? fds - reserve : 16;
}

}  // namespace net
