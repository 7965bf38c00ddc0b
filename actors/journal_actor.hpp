// The journal's actor: the one owner of the journal's files (journal/journal_log.hpp), on a
// thread of its own (CAF detached), so that no write, fdatasync or start-up read ever runs on
// a reactor or on the cache actor's thread. It takes batches from the cache actor, makes them
// as durable as JOURNAL_FSYNC says, and answers with journaled (same batch); at start it reads
// the journal back and hands the cache what is still live, a chunk per replay request.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "actors/messages.hpp"
#include "journal/segment_files.hpp"

namespace vapi_cache {

struct journal_options {
  fsync_policy policy = fsync_policy::always;
  size_t segment_bytes = size_t(64) << 20;  // a new segment file past this size
  // The segment being written is filled with zeros (and synced) this far ahead of its records,
  // so each batch's fdatasync writes data only: on this machine's disk it halves the CPU of a
  // sync (benchmarks/RESULTS.md). Capped at segment_bytes.
  size_t preallocate_bytes = size_t(4) << 20;
  // A failed write keeps its records in memory, written first once writes succeed again; past
  // this many bytes the oldest are dropped (and counted): memory stays bounded in a long outage.
  size_t max_backlog_bytes = size_t(64) << 20;
  caf::timespan tick = std::chrono::seconds(1);  // everysec's sync, backlog retries
  unsigned retire_every_ticks = 10;               // segment retention runs this often
  size_t replay_chunk = 4096;                     // results and statuses per replay message
};

// `dir` is locked already (main takes the lock before anything starts, to refuse a second
// process at once). Detached unless a test runs it on its deterministic scheduler.
journal_actor spawn_journal(caf::actor_system& system, std::unique_ptr<journal::directory> dir,
                            cache_actor cache, journal_options options, bool detached = true);

}  // namespace vapi_cache
