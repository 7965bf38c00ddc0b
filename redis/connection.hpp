// One connection to Redis (hiredis's blocking context), owned by one thread: whichever actor or
// thread holds it is the only one that touches it (hiredis contexts are not thread-safe).
// Commands are pipelined: pipeline() writes a whole batch and then reads its replies, one round
// trip for any number of commands. Every call is bounded by the timeout given at connect (a
// Redis that stops answering is an error, not a hang). Any error leaves the connection broken:
// the owner drops it and connects again (with back-off: its choice).
//
// No error text names the password: AUTH's failure is reported as "authentication failed".
// hiredis writes with write(2), so the process must ignore SIGPIPE (main() does).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "redis/redis_url.hpp"

struct redisContext;

namespace redis {

// A command as its arguments: {"SET", key, value, "PX", "1800000"}.
using command = std::vector<std::string>;

// One reply, decoded: what each Redis type is, with arrays nested.
struct reply {
  enum class kind { nil, status, error, integer, string, array };
  kind type = kind::nil;
  std::string text;         // status, error and string
  int64_t integer = 0;      // integer
  std::vector<reply> items;  // array
  bool is_error() const { return type == kind::error; }
};

class connection {
 public:
  // Connects, then AUTH (when the endpoint has a password) and SELECT (when db != 0), each
  // bounded by `timeout`. Throws connection_error on any failure.
  static connection open(const endpoint& where, std::chrono::milliseconds timeout);

  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;
  ~connection();

  // Sends every command, then reads one reply each, in order. A Redis error reply (such as a
  // wrong type) is a reply of kind error, not an exception; a broken or timed-out connection
  // throws connection_error, after which this connection must not be used again.
  std::vector<reply> pipeline(const std::vector<command>& commands);
  reply run(const command& c) { return pipeline({c}).at(0); }
  // Reads one reply nothing was sent for: a message after SUBSCRIBE. Throws connection_error
  // (and the connection is broken) if none comes within the timeout, as hiredis's blocking
  // context cannot go on after a timed-out read.
  reply receive();
  // As receive(), but waits at most `wait` and returns early (nullopt) when `wake_fd` (an
  // eventfd or pipe, -1: none) becomes readable; a quiet spell leaves the connection usable,
  // unlike hiredis's own timeout. For a subscriber that must also notice a stop request.
  std::optional<reply> receive_for(std::chrono::milliseconds wait, int wake_fd = -1);

  bool broken() const { return broken_; }

 private:
  explicit connection(redisContext* c) : ctx_(c) {}
  reply read_one();
  [[noreturn]] void fail(std::string_view doing);

  redisContext* ctx_ = nullptr;
  bool broken_ = false;
};

struct connection_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace redis
