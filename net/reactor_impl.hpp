// The inside of a reactor, shared by reactor.cpp (the loop, timers), accepting.cpp and
// socket_connection.cpp (one connection's reads, writes and closing). Internal to net/.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/reactor.hpp"

namespace net {

class socket_connection;

// A connection's key: its slot in the low bits, the slot's generation above (reactor.hpp).
constexpr int slot_bits = 24;
constexpr uint32_t slot_mask = (1u << slot_bits) - 1;
// Tags of the reactor's own descriptors in its epoll set; no key is ever either.
constexpr uint64_t listener_tag = ~uint64_t{0};
constexpr uint64_t inbox_tag = ~uint64_t{0} - 1;

class reactor::impl {
 public:
  impl(reactor& owner, shared_state& shared, session_factory make_session);
  ~impl();

  void run();             // the thread's body, until stop
  void request_stop();    // any thread
  void post(std::unique_ptr<message> m);

  // For socket_connection.
  int64_t now() const { return now_; }
  shared_state& shared() { return shared_; }
  reactor& owner() { return owner_; }
  void set_interest(socket_connection& c, uint32_t events);
  void mark_dirty(socket_connection& c);
  void mark_runnable(socket_connection& c);
  void mark_closed(socket_connection& c);
  char* read_buffer() { return read_buffer_.data(); }
  size_t read_buffer_size() const { return read_buffer_.size(); }

 private:
  void handle(const epoll_event& ev);
  void accept_some();
  void admit(int fd);
  socket_connection* place(int fd);  // a slot, a key, the epoll registration; null: full
  // Answers `fd` 503 and closes it, lingering (up to a few at a time) so the answer is read.
  void refuse(int fd, bool lingering, const char* reason);
  bool refuse_with_reserve();  // out of descriptors: the reserve makes room for one refusal
  void back_off();
  void rearm_listener();
  void tick();
  void run_runnable();
  void flush_dirty();
  void reap();
  void close_all();
  socket_connection* find(uint64_t key);
  int timeout_ms() const;

  reactor& owner_;
  shared_state& shared_;
  session_factory make_session_;
  int epoll_fd_ = -1;
  inbox inbox_;
  int reserve_fd_ = -1;  // /dev/null, closed to accept one client when descriptors run out
  std::atomic<bool> stopping_{false};

  // Connections by slot; a slot's generation grows each time it is reused (reactor.hpp).
  std::vector<std::unique_ptr<socket_connection>> slots_;
  std::vector<uint32_t> generations_;
  std::vector<uint32_t> free_slots_;
  std::vector<uint32_t> dirty_, runnable_, closed_;  // slots, for the end of the turn
  size_t refused_lingering_ = 0;

  int64_t now_ = 0;
  int64_t next_tick_ = 0;
  bool listening_ = false;
  int64_t backoff_until_ = 0;  // 0: accepting
  int64_t backoff_ms_ = 0;
  int64_t last_refusal_log_ = 0;
  uint64_t refusals_unlogged_ = 0;
  std::vector<char> read_buffer_;
};

}  // namespace net
