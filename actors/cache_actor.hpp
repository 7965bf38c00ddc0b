// The cache actor: the one owner of every stored call result (see actors/messages.hpp).
#pragma once

#include <chrono>
#include <cstddef>

#include "actors/messages.hpp"

namespace vapi_cache {

struct cache_options {
  std::chrono::milliseconds ttl{std::chrono::minutes(30)};  // each result's life after its store
  size_t max_waiters = 10000;  // long-polls held at once; past it a wait is answered busy
  // Past either bound the entry that expires soonest is evicted (MAX_ENTRIES, MAX_MEMORY_MB).
  size_t max_entries = 1000000;    // results and call statuses
  size_t max_bytes = size_t(1) << 30;  // what they hold, as accounted in actors/cache_store.hpp
  // A journal will be attached (attach_atom): every change waits for it before it is
  // acknowledged, and until its replay is done no lookup is answered "not found".
  bool journaled = false;
};

cache_actor spawn_cache(caf::actor_system& system, cache_options options);

// A memory-only cache with default bounds.
inline cache_actor spawn_cache(caf::actor_system& system, std::chrono::milliseconds ttl,
                               size_t max_waiters = 10000) {
  cache_options o;
  o.ttl = ttl;
  o.max_waiters = max_waiters;
  return spawn_cache(system, o);
}

}  // namespace vapi_cache
