// What the Redis store actor holds, shared by the files that implement it (redis_store.cpp:
// the handlers; redis_store_writes.cpp: results, statuses, deletes; redis_store_reads.cpp:
// lookups and waits; redis_store_stats.cpp: stats; redis_outbox.cpp: changes Redis could not
// take yet). Only the store actor's thread touches it.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/commit_queue.hpp"
#include "actors/redis_batch.hpp"
#include "actors/redis_store.hpp"
#include "actors/waiters.hpp"
#include "redis/keys.hpp"
#include "redis/operations.hpp"

namespace vapi_cache {

// A change acknowledged but not yet in Redis, in arrival order.
struct outbox_item {
  journal::kind type;  // stored, status or deleted
  std::string call_id;
  int64_t at_ms = 0;          // when it was made (epoch ms)
  int64_t expires_at_ms = 0;  // stored and status: when it stops mattering
  body_ptr body;              // stored: our GET body
  call_progress progress;     // status
};

struct redis_store_state {
  static constexpr const char* name = "redis_store";
  redis_store_options options;
  redis::key_layout keys{"vapi:"};
  redis_link_actor link;
  redis_batch batch;
  std::unique_ptr<redis_subscriber> subscriber;
  std::unique_ptr<sentinel_watch> watch;  // with sentinels only
  bool up = false;          // the last round trip worked
  bool ever_answered = false;
  std::string error = "not connected yet";
  caf::actor_clock::time_point last_round_trip;
  int64_t last_change_ms = 0;  // change_ms()

  waiters waiting;
  std::unordered_map<uint64_t, uint64_t> tickets;  // a held wait's ticket -> its waiter
  cache_counters counters;
  caf::actor_clock::time_point started_at;

  // The outbox, and the latest of its changes for each call (what a read here answers).
  std::deque<outbox_item> outbox;
  std::unordered_map<std::string, const outbox_item*> outbox_latest;
  size_t outbox_bytes = 0;
  bool draining = false;  // a drain batch is with Redis
  bool outbox_refused = false;
  bool replicas_short = false;  // the last write's WAIT saw fewer replicas than asked (logged once)  // Redis refuses every change of the last drain (logged once)

  // Its journal (DATA_DIR): the outbox's changes, and their removal once Redis has them.
  journal_actor journal;
  bool journal_lost = false;
  commit_queue commits;
  journal_health journal_state;
  bool replaying = false;
  std::optional<caf::typed_response_promise<bool>> closing;
};

using store_self = redis_store_actor::stateful_pointer<redis_store_state>;

// Sends `commands` in the next pipeline; `done` gets its replies (ok false: Redis is away).
void run(store_self self, std::vector<redis::command> commands, redis_batch::done_fn done);
// As run, for commands that change Redis: with wait_replicas, they count as done only once that
// many replicas have them (WAIT), so that a failover cannot lose what was acknowledged.
void run_write(store_self self, std::vector<redis::command> commands,
               redis_batch::done_fn done);
// Whether a round trip worked, for /health, /ready and the outbox.
void note_round_trip(store_self self, bool ok, const std::string& error);

// redis_store_writes.cpp
void put(store_self self, std::string id, body_ptr body, reply_fn reply);
void note_status(store_self self, std::string id, call_progress progress, reply_fn reply);
void remove(store_self self, std::string id, reply_fn reply);

// redis_store_reads.cpp
void get_call(store_self self, const std::string& id, reply_fn reply);
void wait_for(store_self self, wait_request req, wait_reply_fn reply);
// Reads the calls its waiters still miss (a publication, or a new subscription, says why).
void recheck_waiters(store_self self, const std::vector<std::string>& ids);
void stats_page(store_self self, const stats_request& req, reply_fn reply);

// redis_outbox.cpp
// Queues a change Redis did not take; `reply` gets `ok` once it is journaled (at once when
// there is no journal), or store_unavailable when the outbox is full.
void enqueue(store_self self, outbox_item item, reply_fn reply, answer ok);
void drain(store_self self);  // writes the outbox's oldest changes, if Redis seems up
void send_journal_batch(store_self self);
void apply_outbox_replay(store_self self, replay_chunk& chunk);
void finish_closing(store_self self);
const outbox_item* in_outbox(store_self self, const std::string& id);

int64_t epoch_ms();
int64_t change_ms(store_self self);  // epoch ms, each call later than the one before

}  // namespace vapi_cache
