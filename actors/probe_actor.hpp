// The actor system seen from beside the cache: answers /health and gathers /metrics by asking
// the cache with a deadline, so that a stuck or backlogged cache is reported instead of
// hanging the probe's caller.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "actors/messages.hpp"

namespace vapi_cache {

struct system_view {
  bool cache_up = false;  // the cache answered within the deadline
  cache_metrics cache;    // its answer; all zero unless cache_up
  // The age of the cache's oldest queued message: from the cache's answer; without one, how
  // long the probe's request has waited so far (the deadline), which is a lower bound.
  double cache_oldest_message_age_seconds = 0;
  size_t workers = 0;         // the scheduler's threads
  size_t running_actors = 0;  // from CAF's actor registry
  bool delivery_configured = false;  // there is a delivery actor (KESTRA_URL, FORWARD_URL)
  bool delivery_up = false;          // it answered in time
  delivery_metrics delivery;
};

// For /health and /ready.
struct health_view {
  bool cache_up = false;  // the cache answered within the deadline
  cache_health cache;     // its answer (the journal's state, replay), when it did
};

using health_reply_fn = std::function<void(health_view)>;  // called once, on the probe's thread
using view_reply_fn = std::function<void(system_view)>;     // likewise

using probe_actor = caf::typed_actor<
  caf::reacts_to<caf::ping_atom, health_reply_fn>,  // cache_up: the cache answered a ping
  caf::reacts_to<metrics_atom, view_reply_fn>>;

// `delivery`: the delivery actor, when KESTRA_URL or FORWARD_URL is set; else a null handle.
probe_actor spawn_probe(caf::actor_system& system, cache_actor cache,
                        caf::timespan deadline = std::chrono::seconds(1),
                        delivery_actor delivery = {});

}  // namespace vapi_cache

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::health_reply_fn)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::view_reply_fn)
