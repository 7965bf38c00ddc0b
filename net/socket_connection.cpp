// Reads are level-triggered and one per readiness per turn: each connection gets at most one
// buffer of input per turn of the loop, and a session takes a bounded number of requests from
// it, so no client holds the reactor while others wait. Input is not read at all while the
// session has too many requests unanswered or the connection has over shared_state::max_unsent
// bytes unsent (or any, while the output budget is spent): a client that does not read its
// answers stops being read, and its answers stop growing.
#include "net/socket_connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace net {
namespace {

constexpr int64_t linger_ms = 5000;  // after a last answer: time for the client to read it
// Bytes written to one connection per turn: a burst of large answers to many clients is
// written a slice each per turn, so a small answer to another client waits one short turn,
// not for hundreds of megabytes to be copied into the kernel first.
constexpr size_t write_per_turn = 64 * 1024;

}  // namespace

socket_connection::socket_connection(reactor::impl& r, int fd, uint32_t slot, uint64_t key)
  : r_(r), fd_(fd), slot_(slot), key_(key), out_(r.shared().budget) {}

socket_connection::~socket_connection() = default;

bool socket_connection::may_read() const {
  if (closed_ || input_ended_ || closing_ || !pending_.empty() || !session_)
    return false;
  if (out_.size() >= shared_state::max_unsent)
    return false;
  if (!out_.empty() && r_.shared().budget.over())
    return false;
  return session_->wants_input();
}

void socket_connection::update_interest() {
  if (closed_)
    return;
  uint32_t want = 0;
  if (lingering_ || may_read())
    want |= EPOLLIN;
  if (write_blocked_ && !out_.empty())
    want |= EPOLLOUT;
  if (want != interest)
    r_.set_interest(*this, want);
}

void socket_connection::on_events(uint32_t events) {
  if (closed_)
    return;
  if (events & EPOLLERR) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    return close_now(err == ECONNRESET || err == EPIPE ? close_reason::client
                                                       : close_reason::error);
  }
  if (events & EPOLLOUT) {
    write_blocked_ = false;
    flush();
  }
  if (closed_)
    return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) {
    if (lingering_)
      discard_input();
    else if (may_read())
      read();
    else if (events & EPOLLHUP)
      close_now(close_reason::client);  // both directions are gone: nothing can be written
  }
  update_interest();
}

void socket_connection::read() {
  ssize_t n = ::recv(fd_, r_.read_buffer(), r_.read_buffer_size(), 0);
  if (n > 0)
    return offer(std::string_view(r_.read_buffer(), static_cast<size_t>(n)));
  if (n == 0) {
    input_ended_ = true;
    session_->on_input_end();
    return;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
    return;
  close_now(errno == ECONNRESET ? close_reason::client : close_reason::error);
}

void socket_connection::offer(std::string_view bytes) {
  size_t used = session_->on_input(bytes);
  if (used < bytes.size() && !closed_) {
    pending_.assign(bytes.substr(used));
    if (session_->wants_input())
      r_.mark_runnable(*this);
  }
}

void socket_connection::take_pending() {
  if (closed_ || pending_.empty() || !session_)
    return;
  if (closing_) {
    pending_.clear();
    return;
  }
  if (out_.size() >= shared_state::max_unsent || !session_->wants_input())
    return;  // offered again when that changes (resume_input, flush)
  std::string bytes = std::move(pending_);
  pending_.clear();
  offer(bytes);
  update_interest();
}

void socket_connection::resume_input() {
  if (closed_)
    return;
  if (!pending_.empty())
    r_.mark_runnable(*this);
  update_interest();
}

void socket_connection::on_message(std::unique_ptr<message> m) {
  if (session_ && !closed_)
    session_->on_message(std::move(m));
}

void socket_connection::flush() {
  if (closed_)
    return;
  if (!had_output_)
    last_progress_ = r_.now();  // the send timeout counts from when output began to wait
  size_t before = out_.size();
  ssize_t w = out_.write_to(fd_, write_per_turn);
  if (w < 0)
    return close_now(errno == EPIPE || errno == ECONNRESET ? close_reason::client
                                                           : close_reason::error);
  if (w > 0)
    last_progress_ = r_.now();
  had_output_ = !out_.empty();
  write_blocked_ = had_output_ && out_.socket_full();
  if (had_output_ && !write_blocked_ && !out_.waiting_for_budget())
    r_.mark_dirty(*this);  // this turn's share is written: more next turn
  if (!had_output_ && closing_ && !lingering_)
    return start_linger(linger_ms);
  if (before >= shared_state::max_unsent && out_.size() < shared_state::max_unsent) {
    if (!pending_.empty())
      r_.mark_runnable(*this);
  }
  update_interest();
}

void socket_connection::close_after_output(close_reason why) {
  if (!closing_)
    reason_ = why;
  closing_ = true;
  pending_.clear();
  r_.mark_dirty(*this);  // the flush half-closes once the output is out
}

void socket_connection::start_linger(int64_t ms) {
  lingering_ = true;
  ::shutdown(fd_, SHUT_WR);
  if (input_ended_)
    return close_now(reason_);  // the client has closed its side too
  linger_until_ = r_.now() + ms;
  update_interest();
}

void socket_connection::linger_refused(int64_t ms) {
  closing_ = true;
  reason_ = close_reason::close_requested;
  start_linger(ms);
}

void socket_connection::discard_input() {
  for (int i = 0; i < 4; ++i) {  // a few buffers a turn; the rest next turn
    ssize_t n = ::recv(fd_, r_.read_buffer(), r_.read_buffer_size(), 0);
    if (n > 0)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return;
    return close_now(reason_);  // the client closed (or reset): done
  }
}

void socket_connection::on_tick() {
  if (closed_)
    return;
  int64_t now = r_.now();
  if (lingering_) {
    if (now >= linger_until_)
      close_now(reason_);
    return;
  }
  if (!out_.empty() && now - last_progress_ >= r_.shared().send_timeout.count())
    return close_now(close_reason::send_timeout);
  if (out_.waiting_for_budget())
    flush_soon();
  if (deadline_ != 0 && now >= deadline_ && session_) {
    deadline_ = 0;
    session_->on_deadline();
  }
}

void socket_connection::close_now(close_reason why) {
  if (closed_)
    return;
  closed_ = true;
  if (!closing_)
    reason_ = why;  // a planned close keeps the reason it was planned with
  r_.mark_closed(*this);
}

void socket_connection::finish() {
  ::close(fd_);  // (also removes it from the epoll set)
  out_.clear();
  if (session_)
    session_->on_closed(reason_);
}

}  // namespace net
