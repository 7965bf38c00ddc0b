// What the cache actor counts about itself. Only the cache actor writes these, on its own
// thread, where each event already happens, so counting costs no lock and no shared cache line;
// others see a copy it sends when asked (metrics_atom).
#pragma once

#include <cstddef>
#include <cstdint>

#include "actors/journal_protocol.hpp"
#include "metrics/histogram.hpp"

namespace vapi_cache {

struct cache_counters {
  uint64_t cached = 0;          // results stored, re-deliveries included
  uint64_t replaced = 0;        // stores that replaced a result already cached
  uint64_t hits = 0;            // lookups answered with the result (GET, batch, long-poll)
  uint64_t misses = 0;          // lookups answered without it
  uint64_t deleted = 0;
  uint64_t expired = 0;         // results removed by their TTL
  uint64_t evictions = 0;       // results and statuses evicted by MAX_ENTRIES / MAX_MEMORY_MB
  uint64_t restored = 0;        // results read back from the journal at start-up
  uint64_t status_updates = 0;  // status-updates recorded
  // Long-polls (wait > 0), by how they ended.
  uint64_t waits_answered = 0;   // with the results they waited for
  uint64_t waits_timed_out = 0;  // their time ran out first
  uint64_t waits_refused = 0;    // too many were held already
  uint64_t waits_released = 0;   // answered early at shutdown
  uint64_t waits_abandoned = 0;  // dropped unanswered: the client disconnected
  uint64_t messages_processed = 0;  // by the cache actor, of every kind

  // Seconds from storing a result to its first retrieval: the seed's "average TTL before
  // retrieval", as a distribution.
  metrics::histogram first_retrieval{
    {0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600}};
};

// The cache actor's answer to metrics_atom: its counters and its current sizes.
struct cache_metrics {
  cache_counters counters;
  size_t entries = 0;        // results cached now
  size_t stored_bytes = 0;   // bytes of their stored response bodies
  size_t accounted_bytes = 0;  // what counts against MAX_MEMORY_MB (bodies, statuses, overhead)
  size_t max_bytes = 0;        // MAX_MEMORY_MB, in bytes
  size_t max_entries = 0;      // MAX_ENTRIES
  size_t journal_waiting = 0;  // changes waiting for the journal (beyond the batch it writes)
  bool journaled = false;
  bool replaying = false;
  journal_health journal;
  size_t call_statuses = 0;  // calls with a status-update and no result yet
  // STORE=redis only (the memory cache leaves redis false).
  bool redis = false;
  bool redis_up = false;       // the last round trip worked
  size_t outbox = 0;           // changes acknowledged, not yet written to Redis
  size_t outbox_bytes = 0;
  size_t waiters = 0;        // long-polls held now
  size_t mailbox = 0;        // messages queued behind this one, from CAF's mailbox
  // How long the metrics request waited in the mailbox. When it is handled it is the oldest
  // message there, so this is the age of the oldest queued message at that moment.
  double oldest_message_age_seconds = 0;
};

}  // namespace vapi_cache
