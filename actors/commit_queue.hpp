// Group commit, on the cache actor's side: changes wait here for the journal, and the replies
// of the requests that made them wait until their batch is durable. One batch is with the
// journal at a time; whatever arrives meanwhile forms the next one, so under load every
// fdatasync covers every webhook that arrived during the one before (as PostgreSQL's and
// Redis's group commits do), and when idle a change goes out at once, alone.
// Owned by the cache actor and touched only on its thread.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "actors/messages.hpp"

namespace vapi_cache {

class commit_queue {
 public:
  // A change; `reply` (if any) is called with `ok` once it is durable, or with outcome unsaved
  // if the journal could not write it.
  void add(journal_change change, reply_fn reply = {}, answer ok = {outcome::stored, nullptr}) {
    next_.push_back(std::move(change));
    if (reply)
      next_replies_.emplace_back(std::move(reply), std::move(ok));
  }

  // True when a batch can go to the journal now: one is waiting and none is in flight.
  bool sendable() const { return in_flight_ == 0 && !next_.empty(); }

  // The batch to send, named by a number the journal's answer repeats (never 0).
  std::pair<uint64_t, journal_batch> take() {
    in_flight_ = ++last_batch_;
    in_flight_replies_ = std::move(next_replies_);
    next_replies_.clear();
    journal_batch out = std::move(next_);
    next_.clear();
    return {in_flight_, std::move(out)};
  }

  // The journal's answer for `batch`: its replies are sent. Any other number is ignored.
  void done(uint64_t batch, bool durable) {
    if (batch == 0 || batch != in_flight_)
      return;
    in_flight_ = 0;
    auto replies = std::move(in_flight_replies_);
    in_flight_replies_.clear();
    for (auto& [reply, ok] : replies)
      reply(durable ? std::move(ok) : answer{outcome::unsaved, nullptr});
  }

  // The journal is gone: every reply held or waiting gets outcome unsaved.
  void fail_all() {
    if (in_flight_ != 0)
      done(in_flight_, false);
    next_.clear();
    auto replies = std::move(next_replies_);
    next_replies_.clear();
    for (auto& held : replies)
      held.first(answer{outcome::unsaved, nullptr});
  }

  bool idle() const { return in_flight_ == 0 && next_.empty(); }
  size_t waiting() const { return next_.size(); }  // changes not yet sent

 private:
  using held = std::pair<reply_fn, answer>;
  journal_batch next_;
  std::vector<held> next_replies_;
  std::vector<held> in_flight_replies_;
  uint64_t in_flight_ = 0;  // the batch with the journal; 0: none
  uint64_t last_batch_ = 0;
};

}  // namespace vapi_cache
