// What the reactor asks of the protocol spoken on a connection (http::session is the one), and
// what the protocol may ask of its connection. All calls run on the connection's reactor thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "net/inbox.hpp"
#include "net/output_queue.hpp"

namespace net {

class reactor;

// Why a connection ended, for the metrics.
enum class close_reason : uint8_t {
  client,           // the client closed or reset it
  idle_timeout,     // keep-alive, nothing asked
  request_timeout,  // a request's head or body took too long
  send_timeout,     // its output made no progress for SEND_TIMEOUT_SECONDS
  close_requested,  // answered, then closed as asked (Connection: close, HTTP/1.0, bad framing)
  error,            // a socket error
  shutdown,         // the service stopped
  count
};
const char* name_of(close_reason r);

class connection;

class session {
 public:
  virtual ~session() = default;
  // Bytes from the client; returns how many it took. It may stop early (a turn takes a bounded
  // number of requests, or too many are unanswered): the rest is offered again later.
  virtual size_t on_input(std::string_view bytes) = 0;
  // Whether it would take input now.
  virtual bool wants_input() const = 0;
  // The client will send nothing more (FIN); the connection stays open for writing.
  virtual void on_input_end() = 0;
  // A message another thread posted to this connection (reactor::post).
  virtual void on_message(std::unique_ptr<message> m) = 0;
  // The deadline it set has passed.
  virtual void on_deadline() = 0;
  // The connection has ended; nothing more can be written. The last call.
  virtual void on_closed(close_reason why) = 0;
};

// One client's connection, owned by its reactor; only that reactor's thread touches it.
class connection {
 public:
  virtual ~connection() = default;
  virtual uint64_t key() const = 0;  // unique for the process's life (reactor::post)
  virtual reactor& owner() = 0;
  virtual output_queue& output() = 0;
  // Write what was queued, at the end of this turn of the event loop (so answers to pipelined
  // requests leave in one write).
  virtual void flush_soon() = 0;
  // Input may be taken again (a session that refused it now has room).
  virtual void resume_input() = 0;
  // Once everything queued is written: half-close, discard input for a few seconds or until the
  // client closes, then close (counted as `why`).
  virtual void close_after_output(close_reason why = close_reason::close_requested) = 0;
  virtual void close_now(close_reason why) = 0;
  // on_deadline() is called once the loop's clock passes `ms` (loop_ms()); 0: none.
  virtual void set_deadline(int64_t ms) = 0;
  virtual int64_t loop_ms() const = 0;  // the reactor's clock, read once per turn
};

}  // namespace net
