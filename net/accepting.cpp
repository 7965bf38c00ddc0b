// Accepting, for every reactor: each waits on the one listening socket (EPOLLEXCLUSIVE wakes
// one). A client past MAX_CONNECTIONS is sent the protocol's refusal (a 503) and closed. When
// descriptors run out anyway (EMFILE), a reserve descriptor is given up to accept and refuse
// one client, so the backlog does not hang (libuv's and nginx's trick); when even that fails,
// this reactor stops accepting for 5 ms, doubling up to 1 s, as Go's net/http does, rather
// than spin on a listener that stays readable.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "logging/log.hpp"
#include "net/socket_connection.hpp"

namespace net {
namespace {

constexpr int accepts_per_turn = 64;
constexpr size_t max_refused_lingering = 16;  // per reactor; more are closed at once
constexpr int64_t refused_linger_ms = 2000;

}  // namespace

void reactor::impl::rearm_listener() {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  ev.data.u64 = listener_tag;
  listening_ = ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, shared_.listen_fd, &ev) == 0;
  backoff_until_ = 0;
}

void reactor::impl::back_off() {
  if (listening_)
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, shared_.listen_fd, nullptr);
  listening_ = false;
  backoff_ms_ = backoff_ms_ == 0 ? 5 : std::min<int64_t>(backoff_ms_ * 2, 1000);
  backoff_until_ = now_ + backoff_ms_;
}

void reactor::impl::accept_some() {
  for (int i = 0; i < accepts_per_turn; ++i) {
    int fd = ::accept4(shared_.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      backoff_ms_ = 0;
      admit(fd);
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return;
    if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO || errno == EPERM)
      continue;
    shared_.count.accept_errors.fetch_add(1, std::memory_order_relaxed);
    if ((errno == EMFILE || errno == ENFILE) && refuse_with_reserve())
      continue;
    int err = errno;
    back_off();
    if (now_ - last_refusal_log_ >= 1000) {
      last_refusal_log_ = now_;
      logging::warn("accept_failed", {{"errno", err},
                                      {"reason", std::generic_category().message(err)},
                                      {"retryInMs", backoff_ms_}});
    }
    return;
  }
}

socket_connection* reactor::impl::place(int fd) {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    if (slots_.size() > slot_mask)
      return nullptr;
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
    generations_.push_back(0);
  }
  uint64_t key = (static_cast<uint64_t>(++generations_[slot]) << slot_bits) | slot;
  slots_[slot] = std::make_unique<socket_connection>(*this, fd, slot, key);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = key;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  slots_[slot]->interest = EPOLLIN;
  return slots_[slot].get();
}

void reactor::impl::admit(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Reserve the place first: every reactor accepts, and a check before the increment would let
  // two of them take the last place together.
  auto open = shared_.count.open.fetch_add(1, std::memory_order_relaxed);
  socket_connection* c = nullptr;
  if (open < static_cast<int64_t>(shared_.max_connections))
    c = place(fd);
  if (!c) {
    shared_.count.open.fetch_sub(1, std::memory_order_relaxed);
    shared_.count.refused_max_connections.fetch_add(1, std::memory_order_relaxed);
    return refuse(fd, true, "max_connections");
  }
  c->attach(make_session_(*c));
  shared_.count.accepted.fetch_add(1, std::memory_order_relaxed);
}

void reactor::impl::refuse(int fd, bool lingering, const char* reason) {
  const std::string& answer = std::string_view(reason) == "max_connections"
                                ? shared_.refuse_busy
                                : shared_.refuse_no_fds;
  [[maybe_unused]] ssize_t n = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
  ++refusals_unlogged_;
  if (now_ - last_refusal_log_ >= 1000) {  // at most one line a second
    last_refusal_log_ = now_;
    logging::warn("connections_refused", {{"reason", reason},
                                          {"count", refusals_unlogged_},
                                          {"maxConnections", shared_.max_connections}});
    refusals_unlogged_ = 0;
  }
  // Closing with the request unread would reset the connection, and a reset can destroy the
  // answer before the client reads it: a few refused clients at a time get a lingering close.
  socket_connection* c = nullptr;
  if (lingering && refused_lingering_ < max_refused_lingering)
    c = place(fd);
  if (!c) {
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
    return;
  }
  c->linger_refused(refused_linger_ms);
  ++refused_lingering_;
}

bool reactor::impl::refuse_with_reserve() {
  if (reserve_fd_ < 0)
    return false;
  ::close(reserve_fd_);
  int fd = ::accept4(shared_.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) {
    shared_.count.refused_out_of_descriptors.fetch_add(1, std::memory_order_relaxed);
    refuse(fd, false, "out_of_descriptors");
  }
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && reserve_fd_ >= 0;
}

}  // namespace net
