// The cache: one actor owns the map, so no lock guards it; only this actor touches its state.
#include "actors/cache_actor.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

#include "actors/waiters.hpp"

namespace vapi_cache {
namespace {

int64_t now_epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct entry {
  body_ptr body;          // rendered once at ingest, so a poll costs no serialization
  uint64_t generation;    // the store that made this entry; its expiry carries the same
  int64_t stored_at_ms;   // epoch ms, for stats ("timestamp")
  int64_t expires_at_ms;  // epoch ms, for stats
};

// The last status-update of a call whose result has not arrived yet.
struct progress_entry {
  call_progress progress;
  uint64_t generation;  // as for entries: only the matching expiry removes it
};

struct cache_state {
  static constexpr const char* name = "cache";  // the actor's name in CAF's logs
  std::unordered_map<std::string, entry> entries;
  std::unordered_map<std::string, progress_entry> progress;  // never holds an id of entries
  uint64_t next_generation = 0;  // one sequence for both maps, so an expiry names one record
  waiters waiting;                // long-polls held until a result or their timeout
};

// What a waiter learns about each of its calls when it completes.
std::vector<lookup> lookups(const cache_state& state, const std::vector<std::string>& ids,
                            std::vector<body_ptr> bodies) {
  std::vector<lookup> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    out[i].body = std::move(bodies[i]);
    if (!out[i].body)
      if (auto known = state.progress.find(ids[i]); known != state.progress.end())
        out[i].progress = known->second.progress;
  }
  return out;
}

// The seed's stats shape, oldest store first (ties by id) so that the list reads the same twice.
std::string render_stats(const std::unordered_map<std::string, entry>& entries) {
  std::vector<std::pair<const std::string*, const entry*>> rows;
  rows.reserve(entries.size());
  for (const auto& [id, e] : entries)
    rows.emplace_back(&id, &e);
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second->stored_at_ms, *a.first) < std::tie(b.second->stored_at_ms, *b.first);
  });
  auto list = nlohmann::ordered_json::array();
  for (const auto& [id, e] : rows)
    list.push_back({{"callId", *id}, {"timestamp", e->stored_at_ms},
                    {"expiresAt", e->expires_at_ms}});
  nlohmann::ordered_json body = {
    {"success", true}, {"stats", {{"size", entries.size()}, {"entries", std::move(list)}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
cache_actor::behavior_type cache(cache_actor::stateful_pointer<cache_state> self,
                                 std::chrono::milliseconds ttl, size_t max_waiters) {
  return {
    [=](caf::put_atom, std::string& id, body_ptr& body, reply_fn& reply) {
      auto gen = ++self->state.next_generation;
      self->delayed_send(self, ttl, expire_atom_v, id, gen);
      auto now = now_epoch_ms();
      self->state.progress.erase(id);  // the result says more than any status
      auto& stored = self->state.entries[id];
      stored = entry{std::move(body), gen, now, now + ttl.count()};
      reply(answer{outcome::stored, nullptr});
      self->state.waiting.stored(id, stored.body);
    },
    [=](caf::get_atom, const std::string& id, reply_fn& reply) {
      auto it = self->state.entries.find(id);
      if (it != self->state.entries.end())
        return reply(answer{outcome::found, it->second.body});
      auto known = self->state.progress.find(id);
      if (known == self->state.progress.end())
        return reply(answer{outcome::not_found, nullptr});
      reply(answer{outcome::not_found, nullptr, known->second.progress});
    },
    [=](status_atom, std::string& id, call_progress& progress, reply_fn& reply) {
      if (self->state.entries.count(id) == 0) {
        auto gen = ++self->state.next_generation;
        self->delayed_send(self, ttl, expire_atom_v, id, gen);
        self->state.progress[std::move(id)] = progress_entry{std::move(progress), gen};
      }
      reply(answer{outcome::noted, nullptr});
    },
    [=](caf::delete_atom, const std::string& id, reply_fn& reply) {
      bool erased = self->state.entries.erase(id) > 0;
      self->state.progress.erase(id);  // a delete forgets the call entirely
      reply(answer{erased ? outcome::deleted : outcome::not_found, nullptr});
    },
    [=](stats_atom, reply_fn& reply) {
      reply(answer{outcome::listed,
                   std::make_shared<const std::string>(render_stats(self->state.entries))});
    },
    [=](wait_atom, wait_request& req, wait_reply_fn& reply) {
      auto& state = self->state;
      std::vector<body_ptr> bodies;
      size_t found = 0;
      for (const auto& id : req.call_ids) {
        auto it = state.entries.find(id);
        bodies.push_back(it == state.entries.end() ? nullptr : it->second.body);
        found += bodies.back() != nullptr;
      }
      bool done = found == req.call_ids.size() || (req.any && found > 0);
      if (done || req.timeout <= caf::timespan::zero())
        return reply(wait_answer{outcome::waited, lookups(state, req.call_ids, std::move(bodies))});
      if (state.waiting.size() >= max_waiters)
        return reply(wait_answer{outcome::busy, {}});
      auto ids = req.call_ids;  // kept for the answer; the waiter keeps its own copy
      auto waiter = state.waiting.add(
        std::move(req.call_ids), std::move(bodies), req.any,
        [self, ids = std::move(ids), reply = std::move(reply)](std::vector<body_ptr> got) {
          reply(wait_answer{outcome::waited, lookups(self->state, ids, std::move(got))});
        });
      self->delayed_send(self, req.timeout, wait_over_atom_v, waiter);
    },
    [=](wait_over_atom, uint64_t waiter) { self->state.waiting.expire(waiter); },
    [=](wait_over_atom) { self->state.waiting.expire_all(); },
    [=](expire_atom, const std::string& id, uint64_t gen) {
      auto it = self->state.entries.find(id);
      if (it != self->state.entries.end() && it->second.generation == gen)
        self->state.entries.erase(it);
      auto known = self->state.progress.find(id);
      if (known != self->state.progress.end() && known->second.generation == gen)
        self->state.progress.erase(known);
    },
  };
}

}  // namespace

cache_actor spawn_cache(caf::actor_system& system, std::chrono::milliseconds ttl,
                        size_t max_waiters) {
  return system.spawn(cache, ttl, max_waiters);
}

}  // namespace vapi_cache
