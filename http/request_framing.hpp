// Where each HTTP/1.1 request on a connection begins and ends, decided before Pistache buffers a
// byte of it. Pistache 0.0.5 answers an oversized body with a text 413 and then parses the rest
// of that body as new requests, reserves whatever Content-Length claims, and drops a pipelined
// request that arrives in the same read. Framing first fixes all three: a body over the limit is
// refused from its headers and skipped, and requests are handed to the parser one at a time.
// Pure: no sockets, no Pistache; used by one connection, on its reactor thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace http {

// What the framer found, reported in stream order; the connection handler acts on each.
class framing_sink {
 public:
  virtual ~framing_sink() = default;
  virtual void request_bytes(std::string_view bytes) = 0;  // part of the current request
  virtual void request_end() = 0;                         // the current request is complete
  virtual void expect_continue() = 0;  // the client waits for "100 Continue" to send its body
  // The current request is refused with `status`. With `close`, the stream cannot be framed
  // any further: answer, then close; the framer ignores all later input.
  virtual void reject(int status, std::string message, bool close) = 0;
  // Whether a new request may begin now; when not, consume() stops before it.
  virtual bool accepting() const { return true; }
};

struct framing_limits {
  std::size_t max_header_bytes = 32 * 1024;  // request line and headers together
  std::size_t max_body_bytes = 8 * 1024 * 1024;  // bytes on the wire (chunk framing included)
};

class request_framer {
 public:
  explicit request_framer(framing_limits limits) : limits_(limits) {}

  // Consumes the next bytes read from the connection, up to where a request would begin while
  // the sink is not accepting; returns how many it took (the rest is to be offered again).
  std::size_t consume(std::string_view data, framing_sink& sink);

  // Stop reading requests (the client asked to close, or the service is stopping).
  void close() { phase_ = phase::closed; }
  bool closed() const { return phase_ == phase::closed; }
  // Between requests (nothing of the next one seen), in a request's head, or in its body.
  bool between_requests() const { return phase_ == phase::head && head_.empty(); }
  bool in_head() const { return phase_ == phase::head && !head_.empty(); }

 private:
  enum class phase { head, body, chunked, closed };
  enum class chunk_step { size_line, data, data_end, trailer };

  std::size_t consume_head(std::string_view data, framing_sink& sink);
  std::size_t consume_body(std::string_view data, framing_sink& sink);
  std::size_t consume_chunked(std::string_view data, framing_sink& sink);
  void start_body(framing_sink& sink);
  void finish_request(framing_sink& sink);
  void refuse(framing_sink& sink, int status, std::string message, bool close);
  void forward(std::string_view bytes, framing_sink& sink);

  framing_limits limits_;
  phase phase_ = phase::head;
  std::string head_;             // request line and headers received so far
  bool discarding_ = false;      // the body is being skipped: the request was refused
  bool expect_continue_ = false;
  uint64_t body_left_ = 0;       // Content-Length bytes still to come
  uint64_t body_seen_ = 0;       // chunked: bytes of body so far, framing included
  chunk_step chunk_step_ = chunk_step::size_line;
  std::string line_;             // chunked: the size or trailer line being read
};

}  // namespace http
