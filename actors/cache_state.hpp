// What the cache actor holds, shared by the files that implement it (cache_actor.cpp: the
// handlers; cache_store.cpp: every change to the maps; cache_replay.cpp: start-up). Only the
// cache actor's thread ever touches it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/cache_actor.hpp"
#include "actors/commit_queue.hpp"
#include "actors/expiry_index.hpp"
#include "actors/sharded_map.hpp"
#include "actors/stats_order.hpp"
#include "actors/waiters.hpp"

namespace vapi_cache {

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
  int64_t at_ms;
  int64_t expires_at_ms;
};

struct cache_state {
  static constexpr const char* name = "cache";  // the actor's name in CAF's logs
  cache_options options;
  sharded_map<entry> entries;
  std::unordered_map<std::string, progress_entry> progress;  // never holds an id of entries
  expiry_index by_expiry;        // both maps' entries, soonest expiry first
  stats_order by_time;           // the results, oldest stored first: stats pages
  uint64_t next_generation = 0;  // one sequence for both maps, so an expiry names one record
  waiters waiting;                // long-polls held until a result or their timeout
  std::unordered_map<uint64_t, uint64_t> tickets;  // a held wait's ticket -> its waiter
  cache_counters counters;        // this actor's own events (actors/cache_metrics.hpp)
  size_t stored_bytes = 0;        // of every entry's body
  size_t accounted_bytes = 0;     // against max_bytes: bodies, statuses, per-entry overhead
  clock_point started_at;

  // The journal (absent when memory only), and the changes waiting for it.
  journal_actor journal;
  bool journal_lost = false;  // its actor stopped: changes are answered unsaved from then on
  commit_queue commits;
  journal_health journal_state;  // as the journal last reported it
  std::optional<caf::typed_response_promise<bool>> closing;  // close asked, not yet answered

  // Start-up: while the journal is read back, a lookup that finds nothing waits here (it may
  // be a result still to come), and a call changed by a request is not overwritten by its
  // older journaled state.
  bool replaying = false;
  std::vector<std::function<void()>> deferred;
  std::unordered_set<uint64_t> deferred_tickets;  // of held waits whose client is still there
  std::unordered_set<std::string> changed_while_replaying;
  clock_point replay_started;

  size_t evictions_unlogged = 0;  // logged at most once a second
  clock_point evictions_logged;
};

using cache_self = cache_actor::stateful_pointer<cache_state>;

int64_t now_epoch_ms();

// cache_store.cpp: every change goes through these, so that the maps, the expiry index, the
// memory accounting, the expiry timers and the journal stay in step.
// Each expires by its own timer at expires_at_ms, `now_ms` being the time now (epoch ms).
entry& store_result(cache_self self, const std::string& id, body_ptr body, int64_t stored_at_ms,
                    int64_t expires_at_ms, int64_t now_ms);
void store_status(cache_self self, const std::string& id, call_progress progress,
                  int64_t at_ms, int64_t expires_at_ms, int64_t now_ms);
void forget_result(cache_self self, const std::string& id);  // if present
void forget_status(cache_self self, const std::string& id);  // if present
// Journals `change`; `reply` gets `ok` once it is durable (at once when memory only).
void journal(cache_self self, journal_change change, reply_fn reply = {},
             answer ok = {outcome::stored, nullptr});
void send_batch_if_ready(cache_self self);  // after every handler that journals
// Evicts until within max_entries and max_bytes; never `keep` (the call just stored), even
// when it expires soonest (replayed results may outlive it after a shorter CACHE_TTL_SECONDS).
// Evicts the entries expiring soonest, except those `keep` says stay, until both bounds hold.
void enforce_bounds(cache_self self, const std::function<bool(const std::string&)>& keep);
// The journal's records of a change.
journal_change stored_change(const std::string& id, const entry& e);
journal_change status_change(const std::string& id, const progress_entry& p);
journal_change deleted_change(const std::string& id, int64_t at_ms);
// Once close was asked and every change has reached the journal: asks it to sync, answers.
void finish_closing(cache_self self);

// cache_replay.cpp
void apply_replay(cache_self self, replay_chunk& chunk);
// The journal's actor stopped (a bug; it catches every I/O error): what waited on it is
// answered, unsaved, and the cache carries on from memory, /health saying so.
void on_journal_down(cache_self self, const caf::down_msg& down);
// While replaying: holds `retry` (a request to handle again once replay is done) and returns
// true; false when not replaying. Past max_waiters held, `refuse` is called instead.
bool defer_while_replaying(cache_self self, std::function<void()> retry,
                           const std::function<void()>& refuse);

}  // namespace vapi_cache
