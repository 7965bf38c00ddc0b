// How a route answers its request: from any thread, exactly once. The answer is addressed to
// the connection's key and the request's place in that connection's order, and travels to the
// connection's reactor as a message (net/inbox.hpp); the session there writes it when every
// earlier request on the connection has been answered. An answer for a connection that has
// gone is dropped by its reactor, whoever holds that descriptor number now.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/response.hpp"
#include "net/inbox.hpp"
#include "net/reactor.hpp"

namespace http {

class session;

// What a responder sends to its connection's reactor.
struct reply_message final : net::message {
  uint64_t seq = 0;
  response rsp;
  std::shared_ptr<const void> keep;  // released once the response is written (or dropped)
};

class responder {
 public:
  responder(net::reactor* owner, uint64_t connection, uint64_t seq)
    : reactor_(owner), connection_(connection), seq_(seq) {}
  responder(responder&& other) noexcept;
  responder& operator=(responder&&) = delete;
  responder(const responder&) = delete;
  // One never answered (a bug, or an actor gone at shutdown) answers 503: no client is left
  // waiting, and no later answer on its connection is held up behind it.
  ~responder();

  // A header for the response (before send).
  void header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
  }
  // Any thread, once. `keep` lives until the response is written or dropped.
  void send(response r, std::shared_ptr<const void> keep = {});

  // A ticket naming this request's long-poll, so that the cache can be told to drop or answer
  // it when its client leaves. Only while the route is being called (route_handoff).
  uint64_t wait_ticket();

 private:
  net::reactor* reactor_;
  uint64_t connection_;
  uint64_t seq_;
  std::vector<std::pair<std::string, std::string>> headers_;
  bool sent_ = false;
};

// Pistache's router calls a route with its own ResponseWriter, which has no room for ours: the
// session opens a handoff around the call and the route takes the responder as its first act.
// Thread-local, so each reactor thread has its own.
class route_handoff {
 public:
  route_handoff(session& s, responder& r);
  ~route_handoff();
  route_handoff(const route_handoff&) = delete;
  route_handoff& operator=(const route_handoff&) = delete;

  static responder take();           // throws std::logic_error outside a handoff
  static session* current_session();  // nullptr outside a handoff
};

}  // namespace http
