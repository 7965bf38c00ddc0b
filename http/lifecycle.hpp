// Graceful shutdown: knows whether the service is draining and how many responses are not yet
// on the wire, so that SIGTERM lets every accepted request finish before the endpoint stops.
// Shared by every reactor thread and the actors' replies; lock-free (three atomics).
#pragma once

#include <atomic>
#include <chrono>

namespace http {

class lifecycle {
 public:
  // One request not yet answered. Tokens count their copies: as long as any copy lives (held
  // by the handler, a reply waiting in the actor's mailbox, or a write Pistache has queued),
  // the request counts as in flight. Copying is how the count follows the request around.
  class token {
   public:
    explicit token(lifecycle& owner) : owner_(&owner) { owner_->in_flight_.fetch_add(1); }
    token(const token& other) : owner_(other.owner_) { owner_->in_flight_.fetch_add(1); }
    token& operator=(const token&) = delete;
    ~token() { owner_->in_flight_.fetch_sub(1); }

   private:
    lifecycle* owner_;
  };

  token hold() { return token(*this); }

  // Shutdown has two steps: first the service stops being ready (GET /ready answers 503) while
  // still serving everything, so load balancers take it out; then it drains (refuses new
  // requests with 503) and waits for those in flight.
  bool ready() const { return !unready_.load(std::memory_order_relaxed) && !draining(); }
  void stop_being_ready() { unready_.store(true); }
  bool draining() const { return draining_.load(std::memory_order_relaxed); }
  void start_draining() { draining_.store(true); }

  // Waits until no request is in flight, or `limit` passes; true if none is left.
  // Only main calls this, after start_draining(); it sleeps, so never from a reactor.
  bool wait_idle(std::chrono::milliseconds limit) const;

  int in_flight() const { return in_flight_.load(); }

 private:
  std::atomic<bool> unready_{false};
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};
};

}  // namespace http
