#include "redis/connection.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <utility>

namespace redis {
namespace {

timeval to_timeval(std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(t.count() % 1000 * 1000);
  return tv;
}

reply decode(const redisReply* r) {
  reply out;
  switch (r->type) {
    case REDIS_REPLY_STATUS: out.type = reply::kind::status; break;
    case REDIS_REPLY_ERROR: out.type = reply::kind::error; break;
    case REDIS_REPLY_STRING: out.type = reply::kind::string; break;
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = r->integer;
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.items.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i)
        out.items.push_back(decode(r->element[i]));
      return out;
    default: return out;  // nil
  }
  out.text.assign(r->str, r->len);
  return out;
}

}  // namespace

connection connection::open(const endpoint& where, std::chrono::milliseconds timeout) {
  timeval tv = to_timeval(timeout);
  redisContext* c = where.via == endpoint::transport::tcp
                      ? redisConnectWithTimeout(where.host.c_str(), where.port, tv)
                      : redisConnectUnixWithTimeout(where.path.c_str(), tv);
  if (c == nullptr)
    throw connection_error("cannot allocate a Redis context");
  connection conn(c);
  if (c->err)
    conn.fail("connect");
  if (redisSetTimeout(c, tv) != REDIS_OK)
    conn.fail("set the timeout");
  if (where.via == endpoint::transport::tcp)
    redisEnableKeepAlive(c);
  std::vector<command> hello;
  if (!where.password.empty())
    hello.push_back(where.username.empty() ? command{"AUTH", where.password}
                                           : command{"AUTH", where.username, where.password});
  if (where.db != 0)
    hello.push_back({"SELECT", std::to_string(where.db)});
  if (!hello.empty()) {
    auto replies = conn.pipeline(hello);
    size_t i = 0;
    if (!where.password.empty() && replies[i++].is_error()) {
      conn.broken_ = true;  // the reply may quote nothing secret, but say only what happened
      throw connection_error("Redis authentication failed (check REDIS_URL's user and password)");
    }
    if (where.db != 0 && replies[i].is_error()) {
      conn.broken_ = true;
      throw connection_error("Redis SELECT " + std::to_string(where.db) + " failed: " +
                             replies[i].text);
    }
  }
  return conn;
}

connection::connection(connection&& o) noexcept
  : ctx_(std::exchange(o.ctx_, nullptr)), broken_(o.broken_) {}

connection& connection::operator=(connection&& o) noexcept {
  if (this != &o) {
    if (ctx_)
      redisFree(ctx_);
    ctx_ = std::exchange(o.ctx_, nullptr);
    broken_ = o.broken_;
  }
  return *this;
}

connection::~connection() {
  if (ctx_)
    redisFree(ctx_);
}

void connection::fail(std::string_view doing) {
  broken_ = true;
  std::string why = ctx_ && ctx_->err ? std::string(ctx_->errstr) : "unknown error";
  throw connection_error("Redis: cannot " + std::string(doing) + ": " + why);
}

reply connection::read_one() {
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr)
    fail("read a reply");
  reply out = decode(static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  return out;
}

reply connection::receive() {
  if (broken_ || ctx_ == nullptr)
    throw connection_error("Redis: the connection is broken");
  return read_one();
}

std::optional<reply> connection::receive_for(std::chrono::milliseconds wait, int wake_fd) {
  if (broken_ || ctx_ == nullptr)
    throw connection_error("Redis: the connection is broken");
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(ctx_, &raw) != REDIS_OK)
      fail("parse a reply");
    if (raw) {  // a whole reply was already read
      reply out = decode(static_cast<redisReply*>(raw));
      freeReplyObject(raw);
      return out;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd fds[2] = {{ctx_->fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int n = ::poll(fds, wake_fd >= 0 ? 2 : 1, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR)
      fail("wait for a reply");
    if (n > 0 && wake_fd >= 0 && (fds[1].revents & POLLIN))
      return std::nullopt;
    if (n > 0 && fds[0].revents != 0 && redisBufferRead(ctx_) != REDIS_OK)
      fail("read a reply");
  }
}

std::vector<reply> connection::pipeline(const std::vector<command>& commands) {
  if (broken_ || ctx_ == nullptr)
    throw connection_error("Redis: the connection is broken");
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& c : commands) {
    argv.clear();
    lengths.clear();
    for (const auto& arg : c) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK)
      fail("queue a command");
  }
  std::vector<reply> out;
  out.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i)
    out.push_back(read_one());
  return out;
}

}  // namespace redis
