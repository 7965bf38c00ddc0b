// The cache: one actor owns the map, so no lock guards it; only this actor touches its state.
#include "actors/cache_actor.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "actors/sharded_map.hpp"
#include "actors/waiters.hpp"

namespace vapi_cache {
namespace {

int64_t now_epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

using clock_point = caf::actor_clock::time_point;

struct entry {
  body_ptr body;           // rendered once at ingest, so a poll costs no serialization
  uint64_t generation;     // the store that made this entry; its expiry carries the same
  int64_t stored_at_ms;    // epoch ms, for stats ("timestamp")
  int64_t expires_at_ms;   // epoch ms, for stats
  clock_point stored_at;   // the actor clock's, for the first-retrieval histogram
  bool retrieved = false;  // by any lookup yet
};

// The last status-update of a call whose result has not arrived yet.
struct progress_entry {
  call_progress progress;
  uint64_t generation;  // as for entries: only the matching expiry removes it
};

struct cache_state {
  static constexpr const char* name = "cache";  // the actor's name in CAF's logs
  sharded_map<entry> entries;
  std::unordered_map<std::string, progress_entry> progress;  // never holds an id of entries
  uint64_t next_generation = 0;  // one sequence for both maps, so an expiry names one record
  waiters waiting;                // long-polls held until a result or their timeout
  std::unordered_map<uint64_t, uint64_t> tickets;  // a held wait's ticket -> its waiter
  cache_counters counters;        // this actor's own events (actors/cache_metrics.hpp)
  size_t stored_bytes = 0;        // of every entry's body
  clock_point started_at;
};

using cache_self = cache_actor::stateful_pointer<cache_state>;

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

void count_wait_end(cache_counters& c, waiters::ending why) {
  switch (why) {
    case waiters::ending::answered: ++c.waits_answered; break;
    case waiters::ending::timed_out: ++c.waits_timed_out; break;
    case waiters::ending::released: ++c.waits_released; break;
  }
}

void forget_body(cache_state& state, const entry& e) {
  state.stored_bytes -= e.body->stored_size();
}

std::string stats_body(cache_self self, const stats_request& req) {
  auto& state = self->state;
  std::vector<stats_row> rows;
  rows.reserve(state.entries.size());
  state.entries.for_each([&](const std::string& id, const entry& e) {
    rows.push_back({&id, e.stored_at_ms, e.expires_at_ms});
  });
  actor_system_view system;
  system.workers = self->system().scheduler().num_workers();
  system.running_actors = self->system().registry().running();
  system.cache_mailbox = self->mailbox().size();
  system.messages_processed = state.counters.messages_processed;
  system.uptime_seconds =
    std::chrono::duration<double>(self->clock().now() - state.started_at).count();
  return render_stats_page(std::move(rows), req, state.counters, state.stored_bytes,
                           state.waiting.size(), system);
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
cache_actor::behavior_type cache(cache_self self, std::chrono::milliseconds ttl,
                                 size_t max_waiters) {
  self->state.started_at = self->clock().now();
  auto& counters = self->state.counters;
  return {
    [=, &counters](caf::put_atom, std::string& id, body_ptr& body, reply_fn& reply) {
      ++counters.messages_processed;
      auto& state = self->state;
      auto gen = ++state.next_generation;
      self->delayed_send(self, ttl, expire_atom_v, id, gen);
      auto now = now_epoch_ms();
      state.progress.erase(id);  // the result says more than any status
      auto [stored, added] = state.entries.try_emplace(id);
      if (!added) {
        ++counters.replaced;
        forget_body(state, *stored);
      }
      ++counters.cached;
      state.stored_bytes += body->stored_size();
      *stored = entry{std::move(body), gen, now, now + ttl.count(), self->clock().now()};
      reply(answer{outcome::stored, nullptr});
      state.waiting.stored(id, stored->body);
    },
    [=, &counters](caf::get_atom, const std::string& id, reply_fn& reply) {
      ++counters.messages_processed;
      auto& state = self->state;
      if (entry* e = state.entries.find(id)) {
        count_hit(self, id);
        return reply(answer{outcome::found, e->body});
      }
      ++counters.misses;
      auto known = state.progress.find(id);
      if (known == state.progress.end())
        return reply(answer{outcome::not_found, nullptr});
      reply(answer{outcome::not_found, nullptr, known->second.progress});
    },
    [=, &counters](status_atom, std::string& id, call_progress& progress, reply_fn& reply) {
      ++counters.messages_processed;
      auto& state = self->state;
      if (!state.entries.contains(id)) {
        ++counters.status_updates;
        auto gen = ++state.next_generation;
        self->delayed_send(self, ttl, expire_atom_v, id, gen);
        state.progress[std::move(id)] = progress_entry{std::move(progress), gen};
      }
      reply(answer{outcome::noted, nullptr});
    },
    [=, &counters](caf::delete_atom, const std::string& id, reply_fn& reply) {
      ++counters.messages_processed;
      auto& state = self->state;
      entry* e = state.entries.find(id);
      bool erased = e != nullptr;
      if (erased) {
        ++counters.deleted;
        forget_body(state, *e);
        state.entries.erase(id);
      }
      state.progress.erase(id);  // a delete forgets the call entirely
      reply(answer{erased ? outcome::deleted : outcome::not_found, nullptr});
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
      bool waits = req.timeout > caf::timespan::zero();
      if (done || !waits) {
        counters.waits_answered += waits;
        return reply(wait_answer{outcome::waited, lookups(self, req.call_ids, std::move(bodies))});
      }
      if (state.waiting.size() >= max_waiters) {
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
        if (it == state.tickets.end())
          continue;  // answered already
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
        forget_body(state, *e);
        state.entries.erase(id);
      }
      auto known = state.progress.find(id);
      if (known != state.progress.end() && known->second.generation == gen)
        state.progress.erase(known);
    },
    [=, &counters](caf::ping_atom) {
      ++counters.messages_processed;
      return caf::pong_atom_v;
    },
    [=, &counters](metrics_atom, int64_t sent_ns) {
      ++counters.messages_processed;
      auto& state = self->state;
      cache_metrics m;
      m.counters = counters;
      m.entries = state.entries.size();
      m.stored_bytes = state.stored_bytes;
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

cache_actor spawn_cache(caf::actor_system& system, std::chrono::milliseconds ttl,
                        size_t max_waiters) {
  return system.spawn(cache, ttl, max_waiters);
}

}  // namespace vapi_cache
