// The cache actor: the one owner of every stored call result (see actors/messages.hpp).
#pragma once

#include <chrono>

#include "actors/messages.hpp"

namespace vapi_cache {

// Spawns the cache; each result lives for `ttl` after its latest store.
cache_actor spawn_cache(caf::actor_system& system, std::chrono::milliseconds ttl);

}  // namespace vapi_cache
