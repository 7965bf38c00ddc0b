// The cache actor: the one owner of every stored call result (see actors/messages.hpp).
#pragma once

#include <chrono>

#include "actors/messages.hpp"

namespace vapi_cache {

// Spawns the cache; each result lives for `ttl` after its latest store. At most `max_waiters`
// long-polls are held at once; past that a wait is answered busy.
cache_actor spawn_cache(caf::actor_system& system, std::chrono::milliseconds ttl,
                        size_t max_waiters = 10000);

}  // namespace vapi_cache
