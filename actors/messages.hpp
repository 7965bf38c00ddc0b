// Everything the cache actor understands; the compiler checks every send against this list.
#pragma once

#include <caf/all.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/cache_metrics.hpp"
#include "actors/delivery_metrics.hpp"
#include "actors/journal_protocol.hpp"
#include "actors/stored_body.hpp"
#include "actors/stats_page.hpp"

// CAF 0.17 atoms *are* their text (at most 10 characters), so equal texts are one type: reuse
// caf::get_atom, caf::put_atom and caf::delete_atom rather than declaring look-alikes.
CAF_BEGIN_TYPE_ID_BLOCK(vapi_cache, caf::first_custom_type_id)
  CAF_ADD_ATOM(vapi_cache, vapi_cache, expire_atom, "expire")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, stats_atom, "stats")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, status_atom, "status")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, wait_atom, "wait")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, wait_over_atom, "wait_over")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, metrics_atom, "metrics")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, wait_gone_atom, "wait_gone")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, wait_release_atom, "wait_rel")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, append_atom, "append")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, attach_atom, "attach")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, journaled_atom, "journaled")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, replay_atom, "replay")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, deliver_atom, "deliver")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, pump_atom, "pump")
  CAF_ADD_ATOM(vapi_cache, vapi_cache, retry_atom, "retry")
CAF_END_TYPE_ID_BLOCK(vapi_cache)

namespace vapi_cache {

// Finished bytes, shared rather than copied: an entry's body goes out to every poll of it
// (body_ptr, in actors/stored_body.hpp).
// What happened, in the cache's words; http/ alone turns it into a status code.
// unsaved: the change is made in memory (stored and served) but the journal could not write
// it; unavailable: the journal is still being replayed and no more requests can be held;
// store_unavailable: the shared store (Redis) cannot be reached, so nothing can be read.
enum class outcome : uint8_t {
  stored, found, deleted, not_found, listed, noted, waited, busy, unsaved, unavailable,
  store_unavailable
};

// Where a call is while its result has not arrived, from VAPI's status-update messages.
struct call_progress {
  std::string status;        // "queued", "ringing", "in-progress", "ended", ...
  std::string ended_reason;  // empty unless the status-update carried one

  bool operator==(const call_progress& o) const {
    return status == o.status && ended_reason == o.ended_reason;
  }
};

struct answer {
  outcome what;
  body_ptr body;  // found: the stored GET body; listed: the stats body; otherwise null
  std::optional<call_progress> progress = std::nullopt;  // not_found on GET: the last status
};

// Made by http/, called exactly once, on the cache actor's thread.
using reply_fn = std::function<void(answer)>;

// One call's state when a wait ends.
struct lookup {
  body_ptr body;                          // the stored GET body; null: no result yet
  std::optional<call_progress> progress;  // the last status, when there is no result
};

// A wait's answer: waited, with one lookup per requested id in order; or busy (no room).
struct wait_answer {
  outcome what;
  std::vector<lookup> results;
};
using wait_reply_fn = std::function<void(wait_answer)>;

// A long-poll: which calls, for how long at most, and whether the first arrival is enough.
struct wait_request {
  std::vector<std::string> call_ids;  // distinct
  caf::timespan timeout;              // 0: answer at once with what is cached
  bool any = false;                   // false: until all are in
  uint64_t ticket = 0;  // names this wait in a later wait_gone (its client left); 0: none
};

// The journal's own actor (actors/journal_actor.hpp), detached: a thread of its own for the
// blocking file I/O. It answers the cache with journaled and replay messages.
using journal_actor = caf::typed_actor<
  // Write (and, as JOURNAL_FSYNC says, sync) a batch; answered with journaled, same batch.
  caf::reacts_to<append_atom, uint64_t /*batch*/, journal_batch>,
  caf::reacts_to<replay_atom>,  // send the cache the next chunk of what start-up read
  caf::reacts_to<caf::tick_atom>,  // its own timer: sync, retry a backlog, retire segments
  caf::replies_to<caf::close_atom>::with<bool>>;  // at shutdown: write and sync everything

// For /health and /ready.
struct cache_health {
  bool journaled = false;  // a journal is attached (DATA_DIR set)
  bool replaying = false;  // it is still being read back
  journal_health journal;
  const char* store = "memory";  // STORE: "memory" or "redis"
  bool store_up = true;          // redis: the last round trip worked
  std::string store_error;       // redis: why not, for an operator (never a password)
  size_t outbox = 0;             // redis: changes acknowledged, waiting to be written to it
};

using cache_actor = caf::typed_actor<
  caf::reacts_to<caf::put_atom, std::string /*call_id*/, body_ptr /*GET body*/, reply_fn>,
  caf::reacts_to<caf::get_atom, std::string /*call_id*/, reply_fn>,
  caf::reacts_to<caf::delete_atom, std::string /*call_id*/, reply_fn>,
  caf::reacts_to<stats_atom, stats_request, reply_fn>,  // listed: the stats body
  // A status-update; ignored once the call's result is cached (a result is final).
  caf::reacts_to<status_atom, std::string /*call_id*/, call_progress, reply_fn>,
  // Answers when the calls' results are in (see wait_request) or the timeout passes.
  caf::reacts_to<wait_atom, wait_request, wait_reply_fn>,
  caf::reacts_to<wait_over_atom, uint64_t /*waiter*/>,  // its own timer
  caf::reacts_to<wait_over_atom>,  // at shutdown: answer every waiter now
  // The clients of these waits (by ticket) have disconnected: drop them unanswered.
  caf::reacts_to<wait_gone_atom, std::vector<uint64_t>>,
  // The clients of these waits have stopped sending (half-closed): answer them now.
  caf::reacts_to<wait_release_atom, std::vector<uint64_t>>,
  caf::reacts_to<expire_atom, std::string /*call_id*/, uint64_t /*generation*/>,  // own timer
  // Asked by the probe actor (actors/probe_actor.hpp) with a deadline, so these are CAF
  // requests rather than reply_fn messages: a cache that does not answer in time is news.
  // From main, once, before any request: the journal to write to and replay from.
  caf::reacts_to<attach_atom, journal_actor>,
  // From the journal: batch (0: none, a change of health only) is written, durable or not.
  caf::reacts_to<journaled_atom, uint64_t /*batch*/, bool /*durable*/, journal_health>,
  caf::reacts_to<replay_atom, replay_chunk>,  // from the journal, at start-up
  // At shutdown, once no request is taken: true when every change is written and synced.
  caf::replies_to<caf::close_atom>::with<bool>,
  caf::replies_to<caf::ping_atom>::with<cache_health>,  // for /health and /ready
  // for /metrics; the argument is when it was sent, in actor-clock nanoseconds
  caf::replies_to<metrics_atom, int64_t>::with<cache_metrics>>;

// Pushes each stored result to where it is awaited (actors/delivery_actor.hpp): Kestra's
// resume endpoint for the execution named in the call's metadata, and FORWARD_URL. Detached:
// its thread owns the outbound HTTP (libcurl) and the delivery journal.
using delivery_view_fn = std::function<void(delivery_metrics)>;  // called on its thread
using delivery_actor = caf::typed_actor<
  // A result stored: its GET body, and the metadata's execution id (empty: none).
  caf::reacts_to<deliver_atom, std::string /*call_id*/, body_ptr, std::string /*execution*/>,
  caf::reacts_to<pump_atom>,                       // its own: drive the transfers in flight
  caf::reacts_to<retry_atom, std::string /*key*/, uint64_t /*attempt*/>,  // its own timer
  caf::reacts_to<caf::tick_atom>,                  // its own: journal retention
  caf::replies_to<metrics_atom>::with<delivery_metrics>,  // /metrics, through the probe
  caf::reacts_to<stats_atom, delivery_view_fn>,           // the stats route's
  caf::replies_to<caf::close_atom>::with<bool>>;   // at shutdown: journal synced

}  // namespace vapi_cache

// Neither is ever serialized: they stay in this process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::reply_fn)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::body_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::call_progress)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::wait_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::wait_reply_fn)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::stats_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::cache_metrics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::journal_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::journal_health)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::replay_chunk)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::journal_actor)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::cache_health)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::delivery_metrics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vapi_cache::delivery_view_fn)
