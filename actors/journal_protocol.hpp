// What the cache actor and its journal actor (actors/journal_actor.hpp) tell each other: the
// changes to make durable, the journal's health, and the results read back at start-up.
// The actor interfaces themselves are in actors/messages.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/stored_body.hpp"
#include "journal/journal_record.hpp"
#include "metrics/histogram.hpp"

namespace vapi_cache {

// One change, in the order the cache made it. For a stored result the record's body stays
// empty and `body` holds the cache's own shared bytes: copying and encoding them is the
// journal's work, on its thread, not the cache's.
struct journal_change {
  journal::record record;
  body_ptr body;  // stored results only
};
using journal_batch = std::vector<journal_change>;

// JOURNAL_FSYNC, as Redis's appendfsync (README, "Configure").
enum class fsync_policy : uint8_t { always, everysec, no };

// The journal as /health and /metrics see it.
struct journal_health {
  bool failing = false;         // the latest write or sync failed; cleared by the next success
  std::string error;            // that failure, worded for an operator; empty when not failing
  uint64_t write_failures = 0;  // writes and syncs that failed, since start
  uint64_t records_written = 0;
  uint64_t syncs = 0;
  uint64_t backlog_records = 0;  // kept in memory after a failed write, written on recovery
  uint64_t dropped_records = 0;  // the backlog's overflow: in memory, never journaled
  uint64_t disk_bytes = 0;       // of every segment
  uint64_t segments = 0;
  uint64_t segments_removed = 0;  // by retention, since start
  // How long each fdatasync that succeeded took: the disk's share of a webhook's wait under
  // JOURNAL_FSYNC=always (one per group commit), everysec's once a second. Its count is syncs.
  metrics::histogram sync_seconds{
    {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}};
};

// Start-up: the results and statuses still live, sent to the cache a chunk at a time so that
// requests are answered between chunks. The last chunk says so and carries the totals.
struct replay_chunk {
  std::vector<journal::record> results;   // type stored, oldest first
  std::vector<journal::record> statuses;  // type status
  bool last = false;
  size_t records_read = 0;  // last chunk only: every valid record read
  size_t expired = 0;       // last chunk only: gone while the service was down
};

}  // namespace vapi_cache
