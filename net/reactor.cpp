// The loop: wait (epoll), handle what is ready, then at the end of each turn take held-back
// input, write what the turn queued (answers to pipelined requests leave together) and free
// the connections that closed, so nothing is freed while a session is still running. Once a
// second, a tick runs the connections' timeouts (as Redis's clientsCron does).
// Accepting is in accepting.cpp.
#include "net/reactor.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <system_error>

#include "net/socket_connection.hpp"

namespace net {
namespace {

constexpr int max_events = 256;

thread_local reactor* current_reactor = nullptr;

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
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
  // EPOLLRDHUP only with EPOLLIN: level-triggered, a client's FIN would otherwise be reported
  // on every turn while its answers are still being made.
  ev.events = events | ((events & EPOLLIN) ? uint32_t{EPOLLRDHUP} : 0u);
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
