// HTTP/1.1 on one connection: frames requests (http/request_framing.hpp), parses each with
// Pistache's parser, routes it with Pistache's router, and writes the answers strictly in
// request order, whichever thread answers and whenever. Runs on the connection's reactor thread
// only (net/session.hpp); other threads reach it through responders (http/responder.hpp).
#pragma once

#include <pistache/router.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "http/http_metrics.hpp"
#include "http/lifecycle.hpp"
#include "http/request_framing.hpp"
#include "http/responder.hpp"
#include "net/session.hpp"

namespace http {

// What every session of one server shares; outlives them.
struct session_context {
  Pistache::Rest::Router& router;
  lifecycle& life;
  http_metrics& metrics;
  vapi_cache::cache_actor cache;
  framing_limits limits;
};

class session final : public net::session, private framing_sink {
 public:
  // Requests answered out of turn are held until those before them are answered; a client may
  // have this many unanswered before its connection is read further.
  static constexpr size_t max_unanswered = 32;
  // Requests taken from one connection per turn of its reactor's loop.
  static constexpr int requests_per_turn = 16;

  session(net::connection& conn, const session_context& ctx);

  // net::session
  size_t on_input(std::string_view bytes) override;
  bool wants_input() const override;
  void on_input_end() override;
  void on_message(std::unique_ptr<net::message> m) override;
  void on_deadline() override;
  void on_closed(net::close_reason why) override;

  // During a route call (responder::wait_ticket): a ticket for request `seq`'s long-poll.
  uint64_t hold_wait_ticket(uint64_t seq);

 private:
  // One request, from its first byte until its answer is queued for writing.
  struct slot {
    uint64_t seq = 0;
    bool answered = false;
    bool keep_alive = true;
    bool head_only = false;    // a HEAD request: its answer's head, without the body
    bool interim_due = false;  // 100 Continue, written when its turn comes
    uint64_t ticket = 0;       // its long-poll, if any
    std::unique_ptr<reply_message> reply;
  };

  // framing_sink
  void request_bytes(std::string_view bytes) override;
  void request_end() override;
  void expect_continue() override;
  void reject(int status, std::string message, bool close) override;
  bool accepting() const override;

  slot& current();  // the slot of the request being read, opened on first use
  void dispatch(slot& s);
  void answer_here(slot& s, int status, const std::string& message, bool close);
  void write_ready();  // queues every answer whose turn has come
  void set_deadline();
  void stop_reading();  // no more requests: answer those taken, then close
  std::vector<uint64_t> pending_tickets() const;

  enum class waiting_for : uint8_t { nothing, head, body, next_request };

  net::connection& conn_;
  const session_context& ctx_;
  request_framer framer_;
  std::deque<slot> slots_;  // in request order
  uint64_t next_seq_ = 1;
  bool reading_request_ = false;  // the back slot is the request being read
  std::string head_;              // the request being read: head, then chunked body
  bool own_body_ = false;         // its body has a Content-Length and is kept in body_
  std::string body_;
  int taken_this_turn_ = 0;
  bool stopped_ = false;          // no further request will be read
  waiting_for deadline_kind_ = waiting_for::nothing;
  int64_t request_started_ = 0;
  net::close_reason close_as_ = net::close_reason::close_requested;  // when the answers are out
};

}  // namespace http
