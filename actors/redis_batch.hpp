// Pipelining on the Redis store's side: the commands of concurrent requests wait here while one
// batch is with the link (actors/redis_link.hpp), and go together as its next pipeline, as the
// cache's commit_queue groups changes for the journal. Each request's commands stay together
// and in order, and its callback gets exactly its own replies. Owned by one actor and touched
// only on its thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "actors/redis_link.hpp"

namespace vapi_cache {

class redis_batch {
 public:
  // ok = false: the request's commands did not run, or may have run only in part (see
  // redis_result); replies has one entry per command when ok.
  using done_fn = std::function<void(bool ok, std::vector<redis::reply> replies,
                                     const std::string& error)>;

  void add(std::vector<redis::command> commands, done_fn done) {
    next_.push_back({commands.size(), std::move(done)});
    for (auto& c : commands)
      next_commands_.push_back(std::move(c));
  }

  // True when a batch can go to the link now: one is waiting and none is in flight.
  bool sendable() const { return in_flight_ == 0 && !next_.empty(); }

  // The pipeline to send, named by a number the answer repeats (never 0).
  std::pair<uint64_t, std::vector<redis::command>> take() {
    in_flight_ = ++last_batch_;
    in_flight_requests_ = std::move(next_);
    next_.clear();
    auto out = std::move(next_commands_);
    next_commands_.clear();
    return {in_flight_, std::move(out)};
  }

  // The link's answer for `batch`: each request gets its replies. Any other number is ignored.
  void done(uint64_t batch, redis_result result) {
    if (batch == 0 || batch != in_flight_)
      return;
    in_flight_ = 0;
    auto requests = std::move(in_flight_requests_);
    in_flight_requests_.clear();
    size_t expected = 0;
    for (const auto& r : requests)
      expected += r.commands;
    bool ok = result.ok && result.replies.size() == expected;
    std::string error = ok ? std::string() : result.ok ? "reply count mismatch" : result.error;
    size_t at = 0;
    for (auto& r : requests) {
      std::vector<redis::reply> mine;
      if (ok) {
        mine.assign(std::make_move_iterator(result.replies.begin() + at),
                    std::make_move_iterator(result.replies.begin() + at + r.commands));
        at += r.commands;
      }
      r.done(ok, std::move(mine), error);
    }
  }

  // The link is gone: every request in flight or waiting fails with `why`.
  void fail_all(const std::string& why) {
    if (in_flight_ != 0)
      done(in_flight_, redis_result{false, why, {}});
    auto waiting = std::move(next_);
    next_.clear();
    next_commands_.clear();
    for (auto& r : waiting)
      r.done(false, {}, why);
  }

  size_t waiting_requests() const { return next_.size(); }
  bool idle() const { return in_flight_ == 0 && next_.empty(); }

 private:
  struct request {
    size_t commands;
    done_fn done;
  };
  std::vector<request> next_;
  std::vector<redis::command> next_commands_;
  std::vector<request> in_flight_requests_;
  uint64_t in_flight_ = 0;
  uint64_t last_batch_ = 0;
};

}  // namespace vapi_cache
