// The cache: one actor owns the map, so no lock guards it; only this actor touches its state.
#include "actors/cache_actor.hpp"

#include <algorithm>
#include <vector>

#include "actors/cache_state.hpp"
#include "actors/store_reporting.hpp"

namespace vapi_cache {
namespace {

// A lookup answered with `id`'s result: a hit, and the first one times the result's idle life.
void count_hit(cache_self self, const std::string& id) {
  auto& state = self->state;
  ++state.counters.hits;
  entry* e = state.entries.find(id);
  if (!e || e->retrieved)
    return;  // (a waiter may be answered after its result was deleted)
  e->retrieved = true;
  auto idle = self->clock().now() - e->stored_at;
  state.counters.first_retrieval.observe(std::chrono::duration<double>(idle).count());
}

// What a waiter learns about each of its calls when it completes; each id is a hit or a miss.
std::vector<lookup> lookups(cache_self self, const std::vector<std::string>& ids,
                            std::vector<body_ptr> bodies) {
  auto& state = self->state;
  std::vector<lookup> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    out[i].body = std::move(bodies[i]);
    if (out[i].body) {
      count_hit(self, ids[i]);
      continue;
    }
    ++state.counters.misses;
    if (auto known = state.progress.find(ids[i]); known != state.progress.end())
      out[i].progress = known->second.progress;
  }
  return out;
}

std::string stats_body(cache_self self, const stats_request& req) {
  auto& state = self->state;
  auto page = state.by_time.select(req);
  auto system = describe_system(self, state.counters, state.started_at);
  return render_stats_page(page.rows, page.more, state.entries.size(), state.counters,
                           state.stored_bytes, state.waiting.size(), system);
}

// Expiry is one delayed message per entry, never a sweep. CAF 0.17 cannot cancel a delayed
// message, so a re-delivered webhook or a delete leaves the old expiry in flight. Each expiry
// carries the generation it was scheduled for and removes the entry only if that still matches:
// a stale timer never drops a newer result. The price is one ignored message per replacement.
// Call statuses expire the same way, with generations from the same sequence: an expiry's
// generation matches at most one record in either map.
//
// Long-polls use the same mechanism: each held request has one delayed wait_over message. A
// stored result completes its waiters at once; the timer of a completed waiter finds nothing.
// A delete or an expiry wakes no one: a waiter waits for a result.
//
// Every handler first counts itself: CAF 0.17 keeps no per-actor message count unless built
// with its profiler, which Debian's is not.
cache_actor::behavior_type cache(cache_self self, cache_options options) {
  auto& state = self->state;
  state.options = options;
  state.started_at = self->clock().now();
  state.replaying = options.journaled;
  state.replay_started = state.started_at;
  auto& counters = state.counters;
  auto ttl = options.ttl;
  return {
    [=, &counters](caf::put_atom, std::string& id, body_ptr& body, reply_fn& reply) {
      ++counters.messages_processed;
      auto& state = self->state;
      if (state.replaying)
        state.changed_while_replaying.insert(id);
      ++counters.cached;
      auto now = now_epoch_ms();
      auto& e = store_result(self, id, std::move(body), now, now + ttl.count(), now);
      body_ptr stored = e.body;
      journal(self, stored_change(id, e), std::move(reply), answer{outcome::stored, nullptr});
      enforce_bounds(self, [&id](const std::string& other) { return other == id; });
      send_batch_if_ready(self);
      state.waiting.stored(id, stored);
    },
    [=, &counters](caf::get_atom, const std::string& id, reply_fn& reply) {
      ++counters.messages_processed;
      auto& state = self->state;
      if (entry* e = state.entries.find(id)) {
        count_hit(self, id);
        return reply(answer{outcome::found, e->body});
      }
      if (defer_while_replaying(
            self, [self, id, reply] { self->send(self, caf::get_atom_v, id, reply); },
            [&] { reply(answer{outcome::unavailable, nullptr}); }))
        return;
      ++counters.misses;
      auto known = state.progress.find(id);
      if (known == state.progress.end())
        return reply(answer{outcome::not_found, nullptr});
      reply(answer{outcome::not_found, nullptr, known->second.progress});
    },
    [=, &counters](status_atom, std::string& id, call_progress& progress, reply_fn& reply) {
      ++counters.messages_processed;
      auto& state = self->state;
      if (state.entries.contains(id))
        return reply(answer{outcome::noted, nullptr});  // a result is final
      // Its result may still be on its way back from the journal, which would make it moot.
      if (defer_while_replaying(
            self, [self, id, progress, reply] {
              self->send(self, status_atom_v, id, progress, reply);
            },
            [&] { reply(answer{outcome::unavailable, nullptr}); }))
        return;
      ++counters.status_updates;
      auto now = now_epoch_ms();
      store_status(self, id, std::move(progress), now, now + ttl.count(), now);
      journal(self, status_change(id, state.progress.at(id)), std::move(reply),
              answer{outcome::noted, nullptr});
      enforce_bounds(self, [&id](const std::string& other) { return other == id; });
      send_batch_if_ready(self);
    },
    [=, &counters](caf::delete_atom, const std::string& id, reply_fn& reply) {
      ++counters.messages_processed;
      auto& state = self->state;
      bool erased = state.entries.contains(id);
      if (!erased && !state.progress.count(id)) {
        if (defer_while_replaying(
              self, [self, id, reply] { self->send(self, caf::delete_atom_v, id, reply); },
              [&] { reply(answer{outcome::unavailable, nullptr}); }))
          return;
        return reply(answer{outcome::not_found, nullptr});
      }
      if (state.replaying)
        state.changed_while_replaying.insert(id);
      counters.deleted += erased;
      forget_result(self, id);
      forget_status(self, id);  // a delete forgets the call entirely
      journal(self, deleted_change(id, now_epoch_ms()), reply,
              answer{erased ? outcome::deleted : outcome::not_found, nullptr});
      send_batch_if_ready(self);
    },
    [=, &counters](stats_atom, const stats_request& req, reply_fn& reply) {
      ++counters.messages_processed;
      reply(answer{outcome::listed, stored_body::plain(stats_body(self, req))});
    },
    [=, &counters](wait_atom, wait_request& req, wait_reply_fn& reply) {
      ++counters.messages_processed;
      auto& state = self->state;
      std::vector<body_ptr> bodies;
      size_t found = 0;
      for (const auto& id : req.call_ids) {
        entry* e = state.entries.find(id);
        bodies.push_back(e ? e->body : nullptr);
        found += bodies.back() != nullptr;
      }
      bool done = found == req.call_ids.size() || (req.any && found > 0);
      // Until replay is done a missing result may be on its way: ask again then. The wait's
      // own time starts only then.
      // A held wait's ticket is kept, so that a client leaving meanwhile (wait_gone) is
      // forgotten rather than waited for after replay.
      if (!done && state.replaying && req.ticket != 0)
        state.deferred_tickets.insert(req.ticket);
      if (!done && defer_while_replaying(
                     self,
                     [self, req, reply] {
                       if (req.ticket != 0 && self->state.deferred_tickets.erase(req.ticket) == 0)
                         return void(++self->state.counters.waits_abandoned);
                       self->send(self, wait_atom_v, req, reply);
                     },
                     [&] {
                       state.deferred_tickets.erase(req.ticket);
                       reply(wait_answer{outcome::unavailable, {}});
                     }))
        return;
      bool waits = req.timeout > caf::timespan::zero();
      if (done || !waits) {
        counters.waits_answered += waits;
        return reply(wait_answer{outcome::waited, lookups(self, req.call_ids, std::move(bodies))});
      }
      if (state.waiting.size() >= state.options.max_waiters) {
        ++counters.waits_refused;
        return reply(wait_answer{outcome::busy, {}});
      }
      auto ids = req.call_ids;  // kept for the answer; the waiter keeps its own copy
      auto waiter = state.waiting.add(
        std::move(req.call_ids), std::move(bodies), req.any,
        [self, ids = std::move(ids), reply = std::move(reply),
         ticket = req.ticket](std::vector<body_ptr> got, waiters::ending why) {
          count_wait_end(self->state.counters, why);
          self->state.tickets.erase(ticket);
          reply(wait_answer{outcome::waited, lookups(self, ids, std::move(got))});
        });
      if (req.ticket != 0)
        state.tickets[req.ticket] = waiter;
      self->delayed_send(self, req.timeout, wait_over_atom_v, waiter);
    },
    [=, &counters](wait_over_atom, uint64_t waiter) {
      ++counters.messages_processed;
      self->state.waiting.expire(waiter);
    },
    [=, &counters](wait_over_atom) {
      ++counters.messages_processed;
      self->state.waiting.expire_all();
    },
    // Without this, a client that gives up and reconnects leaves its wait holding a slot until
    // the wait's own timeout, and enough of them fill MAX_WAITERS.
    [=, &counters](wait_gone_atom, const std::vector<uint64_t>& tickets) {
      ++counters.messages_processed;
      auto& state = self->state;
      for (uint64_t ticket : tickets) {
        auto it = state.tickets.find(ticket);
        if (it == state.tickets.end()) {
          state.deferred_tickets.erase(ticket);  // held during replay: dropped when its turn comes
          continue;  // or answered already
        }
        counters.waits_abandoned += state.waiting.drop(it->second);
        state.tickets.erase(it);
      }
    },
    [=, &counters](wait_release_atom, const std::vector<uint64_t>& tickets) {
      ++counters.messages_processed;
      auto& state = self->state;
      for (uint64_t ticket : tickets) {
        auto it = state.tickets.find(ticket);
        if (it != state.tickets.end())
          state.waiting.release(it->second);  // its completion forgets the ticket
      }
    },
    [=, &counters](expire_atom, const std::string& id, uint64_t gen) {
      ++counters.messages_processed;
      auto& state = self->state;
      entry* e = state.entries.find(id);
      if (e && e->generation == gen) {
        ++counters.expired;
        forget_result(self, id);
      }
      auto known = state.progress.find(id);
      if (known != state.progress.end() && known->second.generation == gen)
        forget_status(self, id);
    },
    [=, &counters](attach_atom, journal_actor& journal) {
      ++counters.messages_processed;
      auto& state = self->state;
      state.journal = std::move(journal);
      self->monitor(state.journal);
      self->set_down_handler([self](caf::down_msg& down) { on_journal_down(self, down); });
      state.replay_started = self->clock().now();
      self->send(state.journal, replay_atom_v);
      send_batch_if_ready(self);
    },
    [=, &counters](journaled_atom, uint64_t batch, bool durable, journal_health& health) {
      ++counters.messages_processed;
      auto& state = self->state;
      state.journal_state = std::move(health);
      state.commits.done(batch, durable);
      send_batch_if_ready(self);
      finish_closing(self);
    },
    [=, &counters](replay_atom, replay_chunk& chunk) {
      ++counters.messages_processed;
      apply_replay(self, chunk);
    },
    [=, &counters](caf::close_atom) -> caf::result<bool> {
      ++counters.messages_processed;
      auto& state = self->state;
      if (!state.journal || state.journal_lost)
        return !state.journal_lost;
      auto promise = self->make_response_promise<bool>();
      state.closing = promise;
      finish_closing(self);
      return promise;
    },
    [=, &counters](caf::ping_atom) {
      ++counters.messages_processed;
      auto& state = self->state;
      cache_health h;
      h.journaled = state.options.journaled;
      h.replaying = state.replaying;
      h.journal = state.journal_state;
      return h;
    },
    [=, &counters](metrics_atom, int64_t sent_ns) {
      ++counters.messages_processed;
      auto& state = self->state;
      cache_metrics m;
      m.counters = counters;
      m.entries = state.entries.size();
      m.stored_bytes = state.stored_bytes;
      m.accounted_bytes = state.accounted_bytes;
      m.max_bytes = state.options.max_bytes;
      m.max_entries = state.options.max_entries;
      m.journal_waiting = state.commits.waiting();
      m.journaled = state.options.journaled;
      m.replaying = state.replaying;
      m.journal = state.journal_state;
      m.call_statuses = state.progress.size();
      m.waiters = state.waiting.size();
      m.mailbox = self->mailbox().size();
      auto sent = clock_point(std::chrono::nanoseconds(sent_ns));
      m.oldest_message_age_seconds =
        std::max(0.0, std::chrono::duration<double>(self->clock().now() - sent).count());
      return m;
    },
  };
}

}  // namespace

cache_actor spawn_cache(caf::actor_system& system, cache_options options) {
  return system.spawn(cache, options);
}

}  // namespace vapi_cache
