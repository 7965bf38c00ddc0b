// Long-poll waiters: requests held until the results of their calls arrive or their time is up.
// Owned by the cache actor and touched only on its thread, so nothing here locks; no thread
// sleeps for a waiter, which costs only this record and its timeout message.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/messages.hpp"

namespace vapi_cache {

class waiters {
 public:
  using waiter_id = uint64_t;
  // How a waiter ended, for the metrics.
  enum class ending { answered, timed_out, released };
  // Called exactly once, with one body per call (null: not arrived), in the order given to add.
  using done_fn = std::function<void(std::vector<body_ptr>, ending)>;

  // Holds a request for `calls` (distinct ids), `bodies` being what is cached already. With
  // `any`, the first arrival completes it; otherwise the last one does.
  waiter_id add(std::vector<std::string> calls, std::vector<body_ptr> bodies, bool any,
                done_fn done);

  // A result was stored: every waiter on `call` gets it, and those now satisfied complete.
  void stored(const std::string& call, const body_ptr& body);

  // The waiter's time is up: it completes with what it has. A no-op once it has completed.
  void expire(waiter_id id);

  // Completes every waiter with what it has (at shutdown, so no request is left hanging).
  void expire_all();

  // Completes the waiter now with what it has, as released. False if it had completed.
  bool release(waiter_id id);

  // Forgets the waiter without calling it (its client has gone). False if it had completed.
  bool drop(waiter_id id);

  size_t size() const { return waiting_.size(); }
  // Whether a waiter still misses `call`'s result; every such call (the Redis store reads them
  // again when its subscription was down).
  bool waits_for(const std::string& call) const { return by_call_.count(call) != 0; }
  std::vector<std::string> missing_calls() const;

 private:
  struct waiter {
    std::vector<std::string> calls;
    std::vector<body_ptr> bodies;  // parallel to calls
    size_t missing;                // null entries in bodies
    bool any;
    done_fn done;
  };

  void complete(waiter_id id, ending why);
  waiter unlink(waiter_id id);  // removes it from both maps

  waiter_id next_id_ = 0;
  std::unordered_map<waiter_id, waiter> waiting_;
  std::unordered_map<std::string, std::vector<waiter_id>> by_call_;  // only calls still missing
};

}  // namespace vapi_cache
