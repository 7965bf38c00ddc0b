// One event-loop thread: it accepts connections from the shared listening socket, reads and
// writes them without blocking, runs their timeouts, and takes messages from other threads
// through its inbox. A connection is touched by its reactor's thread only and is addressed
// from elsewhere by a key that no later connection ever gets (a slot and a generation), never
// by its descriptor: a reply for a connection that has gone is dropped, even when a new
// client holds the same descriptor number.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/inbox.hpp"
#include "net/output_queue.hpp"
#include "net/session.hpp"

namespace net {

// Counts every reactor shares; relaxed atomics, read by the metrics page.
struct counters {
  std::atomic<int64_t> open{0};  // connections with a session
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused_max_connections{0};
  std::atomic<uint64_t> refused_out_of_descriptors{0};
  std::atomic<uint64_t> accept_errors{0};
  std::atomic<uint64_t> closed[static_cast<size_t>(close_reason::count)] = {};
};

// What every reactor of one server shares. Made before the reactors; outlives them.
struct shared_state {
  int listen_fd;
  size_t max_connections;
  std::chrono::milliseconds send_timeout;
  output_budget& budget;
  counters& count;
  // What a refused client is sent before it is closed: the protocol's words for "too many
  // connections" and "out of descriptors".
  std::string refuse_busy;
  std::string refuse_no_fds;
  // A connection with more unsent output than this is not read until it drains.
  static constexpr size_t max_unsent = 1024 * 1024;
};

using session_factory = std::function<std::unique_ptr<session>(connection&)>;

class reactor {
 public:
  reactor(unsigned index, shared_state& shared, session_factory make_session);
  ~reactor();  // after stop()
  reactor(const reactor&) = delete;
  reactor& operator=(const reactor&) = delete;

  void start(const std::string& thread_name);
  // Closes every connection and joins the thread. Messages posted later are dropped.
  void stop();

  // Any thread: hands `m` to the connection m->to on this reactor's thread (at once when called
  // there: sessions take messages while they run); dropped if that connection has gone.
  void post(std::unique_ptr<message> m);
  // The reactor whose thread this is, or nullptr.
  static reactor* current();

  unsigned index() const { return index_; }

  class impl;

 private:
  unsigned index_;
  std::unique_ptr<impl> impl_;
  std::thread thread_;
};

}  // namespace net
