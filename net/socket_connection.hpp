// One client socket as its reactor drives it: reading within the limits (unanswered requests,
// unsent output, the output budget), writing in order, the send timeout, and closing, with a
// lingering half-close so that a last answer is not destroyed by a reset. Internal to net/.
#pragma once

#include <string>

#include "net/reactor_impl.hpp"
#include "net/session.hpp"

namespace net {

class socket_connection final : public connection {
 public:
  socket_connection(reactor::impl& r, int fd, uint32_t slot, uint64_t key);
  ~socket_connection() override;

  // connection
  uint64_t key() const override { return key_; }
  reactor& owner() override { return r_.owner(); }
  output_queue& output() override { return out_; }
  void flush_soon() override { r_.mark_dirty(*this); }
  void resume_input() override;
  void close_after_output(close_reason why) override;
  void close_now(close_reason why) override;
  void set_deadline(int64_t ms) override { deadline_ = ms; }
  int64_t loop_ms() const override { return r_.now(); }

  // For the reactor.
  void attach(std::unique_ptr<session> s) { session_ = std::move(s); }
  // A refused client: answered already, half-closed; discard its input for `ms`, then close.
  void linger_refused(int64_t ms);
  void on_events(uint32_t events);
  void on_message(std::unique_ptr<message> m);
  void flush();
  void take_pending();  // offers held-back input again
  void on_tick();
  void finish();        // closes the socket and tells the session; the reactor then frees it

  int fd() const { return fd_; }
  uint32_t slot() const { return slot_; }
  bool closed() const { return closed_; }
  bool refused() const { return !session_; }
  close_reason reason() const { return reason_; }

  bool dirty = false;     // the reactor's lists: in each at most once
  bool runnable = false;
  uint32_t interest = 0;  // epoll events registered

 private:
  bool may_read() const;
  void read();
  void offer(std::string_view bytes);
  void discard_input();  // while lingering
  void start_linger(int64_t ms);
  void update_interest();

  reactor::impl& r_;
  int fd_;
  uint32_t slot_;
  uint64_t key_;
  std::unique_ptr<session> session_;
  output_queue out_;
  std::string pending_;  // input the session has not taken yet
  bool input_ended_ = false;
  bool closing_ = false;    // close once the output is written
  bool lingering_ = false;  // half-closed; input is discarded
  bool closed_ = false;
  bool write_blocked_ = false;  // the socket was full: wait for EPOLLOUT
  bool had_output_ = false;     // after the last flush
  close_reason reason_ = close_reason::client;
  int64_t deadline_ = 0;
  int64_t linger_until_ = 0;
  int64_t last_progress_ = 0;  // when the output last moved, or began to wait
};

}  // namespace net
