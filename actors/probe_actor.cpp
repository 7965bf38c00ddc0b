// Each question is one CAF request with a deadline: the reply or the timeout error, whichever
// comes first, answers the caller; CAF drops the other.
#include "actors/probe_actor.hpp"

namespace vapi_cache {
namespace {

// The delivery actor's counts, then `reply`; without one, `reply` at once.
void with_delivery(probe_actor::pointer self, const delivery_actor& delivery,
                   caf::timespan deadline, system_view base, view_reply_fn reply) {
  if (!delivery)
    return reply(std::move(base));
  base.delivery_configured = true;
  self->request(delivery, deadline, metrics_atom_v)
    .then(
      [reply, base](delivery_metrics& m) mutable {
        base.delivery_up = true;
        base.delivery = std::move(m);
        reply(std::move(base));
      },
      [reply, base](caf::error&) mutable { reply(std::move(base)); });
}

probe_actor::behavior_type probe(probe_actor::pointer self, cache_actor cache,
                                 caf::timespan deadline, delivery_actor delivery) {
  return {
    [=](caf::ping_atom, health_reply_fn& reply) {
      // Urgent, as HTTP requests are: healthy means requests are served, even behind a burst of
      // expiries. The metrics request below is not, so its wait measures the whole queue.
      self->request<caf::message_priority::high>(cache, deadline, caf::ping_atom_v)
        .then([reply](cache_health& h) { reply(health_view{true, std::move(h)}); },
              [reply](caf::error&) { reply(health_view{}); });
    },
    [=](metrics_atom, view_reply_fn& reply) {
      system_view base;
      base.workers = self->system().scheduler().num_workers();
      base.running_actors = self->system().registry().running();
      auto sent = self->clock().now();
      auto sent_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(sent.time_since_epoch()).count();
      self->request(cache, deadline, metrics_atom_v, static_cast<int64_t>(sent_ns))
        .then(
          [=](cache_metrics& m) mutable {
            base.cache_up = true;
            base.cache_oldest_message_age_seconds = m.oldest_message_age_seconds;
            base.cache = std::move(m);
            with_delivery(self, delivery, deadline, std::move(base), reply);
          },
          [=](caf::error&) mutable {
            base.cache_oldest_message_age_seconds =
              std::chrono::duration<double>(self->clock().now() - sent).count();
            with_delivery(self, delivery, deadline, std::move(base), reply);
          });
    },
  };
}

}  // namespace

probe_actor spawn_probe(caf::actor_system& system, cache_actor cache, caf::timespan deadline,
                        delivery_actor delivery) {
  return system.spawn(probe, std::move(cache), deadline, std::move(delivery));
}

}  // namespace vapi_cache
