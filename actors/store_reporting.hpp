// What both stores (the memory cache, the Redis store) tell about themselves in stats and count
// when a long-poll ends: one definition for the two actors.
#pragma once

#include <chrono>

#include "actors/stats_page.hpp"
#include "actors/waiters.hpp"

namespace vapi_cache {

// The actor system as the store actor `self` sees it now.
template <class Self>
actor_system_view describe_system(Self self, const cache_counters& counters,
                              caf::actor_clock::time_point started_at) {
  actor_system_view v;
  v.workers = self->system().scheduler().num_workers();
  v.running_actors = self->system().registry().running();
  v.cache_mailbox = self->mailbox().size();
  v.messages_processed = counters.messages_processed;
  v.uptime_seconds = std::chrono::duration<double>(self->clock().now() - started_at).count();
  return v;
}

inline void count_wait_end(cache_counters& c, waiters::ending why) {
  switch (why) {
    case waiters::ending::answered: ++c.waits_answered; break;
    case waiters::ending::timed_out: ++c.waits_timed_out; break;
    case waiters::ending::released: ++c.waits_released; break;
  }
}

}  // namespace vapi_cache
