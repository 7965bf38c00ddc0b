// The Redis store (STORE=redis): an actor that answers the cache's messages (actors/messages.hpp)
// from a Redis that every instance shares, so http/ cannot tell it from the in-memory cache.
//   - Its Redis connection belongs to a link actor on a thread of its own
//     (actors/redis_link.hpp); the store never blocks: it sends the link one pipeline at a time
//     and the commands of requests that arrive meanwhile go together in the next one
//     (actors/redis_batch.hpp).
//   - Long-polls are held here, per instance, as the memory cache holds them
//     (actors/waiters.hpp); a store on any instance publishes the call id
//     (redis/scripts.hpp), which the subscriber (actors/redis_subscriber.hpp) hands to this
//     actor, which reads the result and answers its waiters.
//   - A change Redis could not take is kept in the outbox, journaled (DATA_DIR) before it is
//     acknowledged, and written to Redis in arrival order once it is back; never over a later
//     change (redis/scripts.hpp, only_if_newer). A restart resumes it from the journal.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "actors/messages.hpp"
#include "actors/redis_link.hpp"
#include "actors/redis_subscriber.hpp"
#include "actors/sentinel_watch.hpp"

namespace vapi_cache {

using redis_tick_atom = caf::atom_constant<caf::atom("redis_tick")>;
constexpr redis_tick_atom redis_tick_atom_v{};

// What the store answers besides the cache's messages: the subscriber's and its own timer's.
using redis_store_actor = cache_actor::extend<
  caf::reacts_to<redis_message_atom, std::string /*call id*/>,
  caf::reacts_to<redis_subscribed_atom>,
  caf::reacts_to<redis_tick_atom>,
  caf::reacts_to<redis_master_atom>>;  // from the sentinel watch: a failover

struct redis_store_options {
  std::chrono::milliseconds ttl{std::chrono::minutes(30)};
  size_t max_waiters = 10000;
  std::string key_prefix = "vapi:";
  redis_link_options link;              // where Redis is (and, with Sentinel, how to find it)
  redis_subscriber_options subscriber;  // the same Redis; channel set by the store
  // With link.sentinels set: the watch that hears a failover (options from the link's).
  bool subscribe = true;                // false: tests that drive the store without one
  // A journal will be attached (attach_atom) for the outbox; without one the outbox is kept
  // in memory only.
  bool journaled = false;
  // A write counts as done once this many replicas have it (WAIT); 0: when the master has it.
  // Without it a failover loses what the old master took after the promotion began (measured:
  // about half a second of webhooks, tests/service_redis_sentinel_test.cpp).
  unsigned wait_replicas = 0;
  std::chrono::milliseconds wait_timeout{1000};  // WAIT's own; below the link's round trip bound
  size_t max_outbox_bytes = size_t(256) << 20;  // past it a webhook is answered 503
  std::chrono::milliseconds tick{250};  // outbox retries and the health probe
};

redis_store_actor spawn_redis_store(caf::actor_system& system, redis_store_options options);

}  // namespace vapi_cache
