// The Redis store's writes: a result, a status-update, a delete. Each goes to Redis at once
// unless changes are queued in the outbox already (then behind them, so that they arrive in
// order); one Redis does not take (away, or refusing: OOM, READONLY) goes to the outbox.
#include "actors/redis_store_state.hpp"
#include "logging/log.hpp"
#include "redis/values.hpp"

namespace vapi_cache {

void put(store_self self, std::string id, body_ptr body, reply_fn reply) {
  auto& st = self->state;
  ++st.counters.cached;
  auto now = change_ms(self);
  st.waiting.stored(id, body);  // this instance's waiters need no round trip
  outbox_item item{journal::kind::stored, id, now, now + st.options.ttl.count(), body, {}};
  // Behind changes already queued, a change queues too: they reach Redis in arrival order.
  if (!st.outbox.empty())
    return enqueue(self, std::move(item), std::move(reply), answer{outcome::stored, nullptr});
  auto text = body->text();
  auto value = redis::value_of_get_body(text);
  run_write(self, redis::ops::store(st.keys, id, value.value_or(text), st.options.ttl, {now, false}),
      [self, item = std::move(item), reply = std::move(reply)](
        bool ok, std::vector<redis::reply> replies, const std::string&) mutable {
        // Redis refusing the write (OOM under maxmemory noeviction, READONLY, LOADING) is
        // as good as Redis away: the outbox keeps it and retries.
        auto refused = ok ? redis::ops::stored(replies) : std::nullopt;
        if (refused)
          logging::warn("redis_refused", {{"callId", item.call_id}, {"reason", *refused}});
        if (!ok || refused)
          return enqueue(self, std::move(item), std::move(reply),
                         answer{outcome::stored, nullptr});
        reply(answer{outcome::stored, nullptr});
      });
}

void note_status(store_self self, std::string id, call_progress progress, reply_fn reply) {
  auto& st = self->state;
  if (auto* queued = in_outbox(self, id); queued && queued->type == journal::kind::stored)
    return reply(answer{outcome::noted, nullptr});  // a result is final
  ++st.counters.status_updates;
  auto now = change_ms(self);
  outbox_item item{journal::kind::status, id, now, now + st.options.ttl.count(), nullptr,
                   progress};
  if (!st.outbox.empty())
    return enqueue(self, std::move(item), std::move(reply), answer{outcome::noted, nullptr});
  run_write(self,
            redis::ops::note_status(st.keys, id, progress.status, progress.ended_reason,
                              st.options.ttl, {now, false}),
      [self, item = std::move(item), reply = std::move(reply)](
        bool ok, std::vector<redis::reply> replies, const std::string&) mutable {
        if (!ok || redis::ops::noted_from(replies).error)
          return enqueue(self, std::move(item), std::move(reply),
                         answer{outcome::noted, nullptr});
        reply(answer{outcome::noted, nullptr});
      });
}

void remove(store_self self, std::string id, reply_fn reply) {
  auto& st = self->state;
  auto now = change_ms(self);
  if (auto* queued = in_outbox(self, id)) {
    // Its store is still queued here: the delete queues behind it, and answers as the
    // memory cache would.
    bool had = queued->type == journal::kind::stored;
    st.counters.deleted += had;
    outbox_item item{journal::kind::deleted, id, now, now + st.options.ttl.count(), nullptr, {}};
    return enqueue(self, std::move(item), std::move(reply),
                   answer{had ? outcome::deleted : outcome::not_found, nullptr});
  }
  run_write(self, redis::ops::remove(st.keys, id, st.options.ttl, {now, false}),
      [self, reply = std::move(reply)](bool ok, std::vector<redis::reply> replies,
                                       const std::string&) {
        if (!ok)  // whether it existed is Redis's to say: the client retries
          return reply(answer{outcome::store_unavailable, nullptr});
        auto r = redis::ops::removed_from(replies);
        if (r.error) {
          logging::warn("redis_refused", {{"reason", *r.error}});
          return reply(answer{outcome::store_unavailable, nullptr});
        }
        self->state.counters.deleted += r.had_result;
        reply(answer{r.had_result ? outcome::deleted : outcome::not_found, nullptr});
      });
}

}  // namespace vapi_cache
