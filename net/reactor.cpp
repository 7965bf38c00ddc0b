// The loop: wait (epoll), handle what is ready, then at the end of each turn take held-back
// input, write what the turn queued (answers to pipelined requests leave together) and free
// the connections that closed, so nothing is freed while a session is still running. Once a
// second, a tick runs the connections' timeouts (as Redis's clientsCron does).
//
// Accepting: every reactor waits on the one listening socket (EPOLLEXCLUSIVE wakes one).
// A client past MAX_CONNECTIONS gets a 503 and is closed. When descriptors run out anyway
// (EMFILE), a reserve descriptor is given up to accept and refuse one client, so the backlog
// does not hang; when even that fails, this reactor stops accepting for 5 ms, doubling up to
// 1 s, as Go's net/http does, rather than spin on a listener that stays readable.
#include "net/reactor.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <system_error>

#include "logging/log.hpp"
#include "net/socket_connection.hpp"

namespace net {
namespace {

constexpr uint64_t listener_tag = ~uint64_t{0};
constexpr uint64_t inbox_tag = ~uint64_t{0} - 1;
constexpr int slot_bits = 24;
constexpr uint32_t slot_mask = (1u << slot_bits) - 1;
constexpr int max_events = 256;
constexpr int accepts_per_turn = 64;
constexpr size_t max_refused_lingering = 16;  // per reactor; more are closed at once
constexpr int64_t refused_linger_ms = 2000;

thread_local reactor* current_reactor = nullptr;

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

const std::string& refusal(const char* reason) {
  static const auto make = [](const std::string& message) {
    std::string body = R"({"success":false,"error":"Service Unavailable","message":")" + message +
                       "\"}";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
           "Retry-After: 1\r\nConnection: Close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  static const std::string too_many = make("Too many connections; retry shortly");
  static const std::string no_fds = make("Out of file descriptors; retry shortly");
  return std::string_view(reason) == "max_connections" ? too_many : no_fds;
}

}  // namespace

const char* name_of(close_reason r) {
  switch (r) {
    case close_reason::client: return "client";
    case close_reason::idle_timeout: return "idle_timeout";
    case close_reason::request_timeout: return "request_timeout";
    case close_reason::send_timeout: return "send_timeout";
    case close_reason::close_requested: return "close_requested";
    case close_reason::error: return "error";
    case close_reason::shutdown: return "shutdown";
    case close_reason::count: break;
  }
  return "unknown";
}

reactor::impl::impl(reactor& owner, shared_state& shared, session_factory make_session)
  : owner_(owner), shared_(shared), make_session_(std::move(make_session)),
    read_buffer_(64 * 1024) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "epoll_create1");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = inbox_tag;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, inbox_.fd(), &ev);
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  rearm_listener();
}

reactor::impl::~impl() {
  if (reserve_fd_ >= 0)
    ::close(reserve_fd_);
  ::close(epoll_fd_);
}

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

void reactor::impl::request_stop() {
  stopping_.store(true);
  inbox_.push(std::make_unique<message>());  // wakes the loop
}

void reactor::impl::post(std::unique_ptr<message> m) {
  if (current_reactor == &owner_) {
    if (socket_connection* c = find(m->to))
      c->on_message(std::move(m));
    return;
  }
  inbox_.push(std::move(m));
}

socket_connection* reactor::impl::find(uint64_t key) {
  uint32_t slot = static_cast<uint32_t>(key & slot_mask);
  if (slot >= slots_.size() || !slots_[slot] || slots_[slot]->key() != key)
    return nullptr;
  return slots_[slot].get();
}

void reactor::impl::set_interest(socket_connection& c, uint32_t events) {
  epoll_event ev{};
  ev.events = events | EPOLLRDHUP;
  ev.data.u64 = c.key();
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd(), &ev);
  c.interest = events;
}

void reactor::impl::mark_dirty(socket_connection& c) {
  if (!c.dirty) {
    c.dirty = true;
    dirty_.push_back(c.slot());
  }
}

void reactor::impl::mark_runnable(socket_connection& c) {
  if (!c.runnable) {
    c.runnable = true;
    runnable_.push_back(c.slot());
  }
}

void reactor::impl::mark_closed(socket_connection& c) { closed_.push_back(c.slot()); }

int reactor::impl::timeout_ms() const {
  if (!runnable_.empty() || !dirty_.empty() || !closed_.empty())
    return 0;
  int64_t until = next_tick_;
  if (backoff_until_ != 0)
    until = std::min(until, backoff_until_);
  return static_cast<int>(std::clamp<int64_t>(until - steady_ms(), 0, 1000));
}

void reactor::impl::run() {
  current_reactor = &owner_;
  now_ = steady_ms();
  next_tick_ = now_ + 1000;
  epoll_event events[max_events];
  while (!stopping_.load(std::memory_order_relaxed)) {
    int n = ::epoll_wait(epoll_fd_, events, max_events, timeout_ms());
    now_ = steady_ms();
    for (int i = 0; i < n; ++i)
      handle(events[i]);
    run_runnable();
    flush_dirty();
    reap();
    if (backoff_until_ != 0 && now_ >= backoff_until_)
      rearm_listener();
    if (now_ >= next_tick_)
      tick();
  }
  close_all();
  current_reactor = nullptr;
}

void reactor::impl::handle(const epoll_event& ev) {
  if (ev.data.u64 == listener_tag)
    return accept_some();
  if (ev.data.u64 == inbox_tag) {
    inbox_.drain([this](std::unique_ptr<message> m) {
      if (socket_connection* c = find(m->to))
        c->on_message(std::move(m));
    });
    return;
  }
  if (socket_connection* c = find(ev.data.u64))
    c->on_events(ev.events);
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
  const std::string& answer = refusal(reason);
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

void reactor::impl::run_runnable() {
  auto slots = std::move(runnable_);
  runnable_.clear();
  for (uint32_t slot : slots) {
    if (auto& c = slots_[slot]) {
      c->runnable = false;
      c->take_pending();
    }
  }
}

void reactor::impl::flush_dirty() {
  auto slots = std::move(dirty_);  // a flush that leaves output for the next turn marks anew
  dirty_.clear();
  for (uint32_t slot : slots) {
    if (auto& c = slots_[slot]) {
      c->dirty = false;
      c->flush();
    }
  }
}

void reactor::impl::reap() {
  for (size_t i = 0; i < closed_.size(); ++i) {  // on_closed may close no other connection
    uint32_t slot = closed_[i];
    auto c = std::move(slots_[slot]);
    if (!c)
      continue;
    c->finish();
    if (c->refused()) {
      --refused_lingering_;
    } else {
      shared_.count.open.fetch_sub(1, std::memory_order_relaxed);
      shared_.count.closed[static_cast<size_t>(c->reason())].fetch_add(
        1, std::memory_order_relaxed);
    }
    free_slots_.push_back(slot);
  }
  closed_.clear();
}

void reactor::impl::tick() {
  next_tick_ = now_ + 1000;
  for (auto& c : slots_)
    if (c)
      c->on_tick();
}

void reactor::impl::close_all() {
  for (auto& c : slots_)
    if (c)
      c->close_now(close_reason::shutdown);
  reap();
  inbox_.drain([](std::unique_ptr<message>) {});
}

// ---- reactor ----

reactor::reactor(unsigned index, shared_state& shared, session_factory make_session)
  : index_(index), impl_(std::make_unique<impl>(*this, shared, std::move(make_session))) {}

reactor::~reactor() { stop(); }

void reactor::start(const std::string& thread_name) {
  thread_ = std::thread([this] { impl_->run(); });
  pthread_setname_np(thread_.native_handle(), thread_name.substr(0, 15).c_str());
}

void reactor::stop() {
  if (!thread_.joinable())
    return;
  impl_->request_stop();
  thread_.join();
}

void reactor::post(std::unique_ptr<message> m) { impl_->post(std::move(m)); }

reactor* reactor::current() { return current_reactor; }

}  // namespace net
