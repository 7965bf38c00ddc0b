// Everything here runs on the journal's own thread. A batch is written with one write() and,
// under JOURNAL_FSYNC=always, one fdatasync: every webhook that arrived while the previous
// batch was syncing shares this one (group commit; the cache actor does the grouping).
//
// A failed write never loses what it carried for good: the encoded records stay in a backlog,
// written ahead of anything newer once the disk takes writes again (the next batch, or the
// next tick), so the journal's order is still the cache's order. Those changes were answered
// "not saved" (503), since they were not durable when the client asked.
#include "actors/journal_actor.hpp"

#include <algorithm>

#include "journal/journal_log.hpp"
#include "journal/replay.hpp"
#include "logging/log.hpp"

namespace vapi_cache {
namespace {

int64_t now_epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct journal_state {
  static constexpr const char* name = "journal";
  std::unique_ptr<journal::journal_log> log;  // null if the directory could not be read
  journal_health health;
  std::string buffer;  // one batch, encoded; reused
  std::string backlog;  // encoded records a failed write left, oldest first
  int64_t backlog_expiry = 0;
  size_t backlog_records = 0;
  bool unsynced = false;  // written since the last fdatasync
  unsigned ticks = 0;
  journal::replay_state replay;  // what start-up read; handed out a chunk at a time
  size_t next_result = 0, next_status = 0, records_read = 0;
};

using journal_self = journal_actor::stateful_pointer<journal_state>;

void update_disk(journal_state& st) {
  if (!st.log)
    return;
  st.health.disk_bytes = st.log->disk_bytes();
  st.health.segments = st.log->segment_count();
}

// Whether the cache's copy of the health (for /health and /metrics) would change.
bool same_health(const journal_health& a, const journal_health& b) {
  return a.failing == b.failing && a.error == b.error && a.write_failures == b.write_failures &&
         a.records_written == b.records_written && a.syncs == b.syncs &&
         a.backlog_records == b.backlog_records && a.dropped_records == b.dropped_records &&
         a.disk_bytes == b.disk_bytes && a.segments == b.segments &&
         a.segments_removed == b.segments_removed;
}

void note_failure(journal_state& st, const std::string& what) {
  ++st.health.write_failures;
  if (!st.health.failing)  // once per change of state, not per attempt
    logging::error("journal_write_failed",
                   {{"reason", what}, {"message", "results are kept in memory and served; "
                                                  "webhooks are answered 503 until writes succeed"}});
  st.health.failing = true;
  st.health.error = what;
}

void note_success(journal_state& st) {
  if (st.health.failing)
    logging::info("journal_recovered", {{"writeFailures", st.health.write_failures}});
  st.health.failing = false;
  st.health.error.clear();
}

bool sync(journal_state& st) {
  try {
    auto started = std::chrono::steady_clock::now();
    st.log->sync();
    st.health.sync_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    ++st.health.syncs;
    st.unsynced = false;
    return true;
  } catch (const journal::file_error& e) {
    note_failure(st, e.what());
    return false;
  }
}

// Writes the backlog and then `bytes` (`records` of them, the latest expiring at `expiry`),
// in one write; then syncs when `sync_now`. True when all of it is written (and synced).
bool write(journal_state& st, std::string_view bytes, size_t records, int64_t expiry,
           bool sync_now, const journal_options& opts) {
  if (!st.log) {
    note_failure(st, "the journal directory could not be read at start");
    return false;
  }
  std::string_view out = bytes;
  if (!st.backlog.empty()) {
    st.backlog.append(bytes);
    st.backlog_records += records;
    st.backlog_expiry = std::max(st.backlog_expiry, expiry);
    out = st.backlog;
    records = st.backlog_records;
    expiry = st.backlog_expiry;
  }
  try {
    if (!out.empty())
      st.log->append(out, expiry);
  } catch (const journal::file_error& e) {
    note_failure(st, e.what());
    if (st.backlog.empty()) {
      st.backlog.assign(bytes);
      st.backlog_records = records;
      st.backlog_expiry = expiry;
    }
    if (st.backlog.size() > opts.max_backlog_bytes) {  // a long outage: memory stays bounded
      st.health.dropped_records += st.backlog_records;
      logging::error("journal_backlog_dropped", {{"records", st.backlog_records}});
      st.backlog.clear();
      st.backlog_records = 0;
    }
    st.health.backlog_records = st.backlog_records;
    return false;
  }
  st.health.records_written += records;
  st.unsynced = st.unsynced || !out.empty();
  st.backlog.clear();
  st.backlog_records = 0;
  st.backlog_expiry = 0;
  st.health.backlog_records = 0;
  if (sync_now && st.unsynced && !sync(st))
    return false;
  note_success(st);
  return true;
}

void read_back(journal_self self, std::unique_ptr<journal::directory> dir,
               const journal_options& opts) {
  auto& st = self->state;
  auto started = std::chrono::steady_clock::now();
  std::string path = dir->path();
  journal::replayer replayer;
  try {
    st.log = std::make_unique<journal::journal_log>(
      std::move(dir), opts.segment_bytes, [&](journal::record&& r) {
        ++st.records_read;
        replayer.apply(std::move(r));
      },
      opts.preallocate_bytes);
  } catch (const std::exception& e) {  // the directory cannot be listed: serve from memory
    logging::error("journal_unreadable", {{"dataDir", path}, {"reason", e.what()}});
    note_failure(st, e.what());
  }
  size_t segments = 0, bytes = 0;
  if (st.log) {
    auto report = st.log->take_report();
    segments = report.segments;
    bytes = report.bytes;
    for (const auto& p : report.problems)
      logging::warn("journal_damaged", {{"file", p.file},
                                        {"offset", p.offset},
                                        {"length", p.length},
                                        {"action", p.what}});
  }
  st.replay = replayer.finish(now_epoch_ms());
  update_disk(st);
  logging::info("journal_read",
                {{"dataDir", path},
                 {"segments", segments},
                 {"bytes", bytes},
                 {"records", st.records_read},
                 {"results", st.replay.results.size()},
                 {"statuses", st.replay.statuses.size()},
                 {"expired", st.replay.expired},
                 {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                           started).count()}});
}

// The next chunk of what start-up read, results first (oldest first), then statuses.
replay_chunk next_chunk(journal_state& st, size_t size) {
  replay_chunk chunk;
  auto take = [&](std::vector<journal::record>& from, size_t& next,
                  std::vector<journal::record>& to) {
    while (next < from.size() && chunk.results.size() + chunk.statuses.size() < size)
      to.push_back(std::move(from[next++]));
  };
  take(st.replay.results, st.next_result, chunk.results);
  take(st.replay.statuses, st.next_status, chunk.statuses);
  chunk.last = st.next_result == st.replay.results.size() &&
               st.next_status == st.replay.statuses.size();
  if (chunk.last) {
    chunk.records_read = st.records_read;
    chunk.expired = st.replay.expired;
    st.replay = {};  // the memory goes back now, not at shutdown
  }
  return chunk;
}

journal_actor::behavior_type journal_behavior(journal_self self,
                                              std::shared_ptr<std::unique_ptr<journal::directory>> dir,
                                              cache_actor cache, journal_options opts) {
  read_back(self, std::move(*dir), opts);
  self->delayed_send(self, opts.tick, caf::tick_atom_v);
  return {
    [=](append_atom, uint64_t batch, journal_batch& changes) {
      auto& st = self->state;
      st.buffer.clear();
      int64_t expiry = 0;
      size_t records = 0;
      for (auto& c : changes) {
        if (c.body)
          c.record.body.assign(c.body->stored());
        try {
          journal::append(st.buffer, c.record);
          ++records;
          expiry = std::max(expiry, journal::expiry_of(c.record));
        } catch (const std::length_error&) {  // validation keeps ids short: not reached
          ++st.health.dropped_records;
          logging::error("journal_record_too_large", {{"callId", c.record.call_id}});
        }
      }
      bool durable = write(st, st.buffer, records, expiry, opts.policy == fsync_policy::always,
                           opts);
      update_disk(st);
      self->send(cache, journaled_atom_v, batch, durable, st.health);
    },
    [=](replay_atom) {
      self->send(cache, replay_atom_v, next_chunk(self->state, opts.replay_chunk));
    },
    [=](caf::tick_atom) {
      auto& st = self->state;
      journal_health before = st.health;
      if (st.log && !st.backlog.empty())
        write(st, {}, 0, 0, opts.policy != fsync_policy::no, opts);
      else if (st.log && (st.health.failing ||
                          (st.unsynced && opts.policy == fsync_policy::everysec)))
        if (sync(st))  // a failed sync is retried each tick until one succeeds
          note_success(st);
      if (st.log && ++st.ticks % opts.retire_every_ticks == 0) {
        try {
          if (size_t n = st.log->retire(now_epoch_ms())) {
            st.health.segments_removed += n;
            logging::info("journal_segments_removed", {{"segments", n}});
          }
        } catch (const journal::file_error& e) {
          logging::warn("journal_retention_failed", {{"reason", e.what()}});
        }
      }
      update_disk(st);
      // The cache's /health and /metrics learn of it now: a recovery, and also what no batch
      // reports (a retry that failed again, everysec's sync, retention).
      if (!same_health(before, st.health))
        self->send(cache, journaled_atom_v, uint64_t{0}, !st.health.failing, st.health);
      self->delayed_send(self, opts.tick, caf::tick_atom_v);
    },
    [=](caf::close_atom) {
      auto& st = self->state;
      if (!st.log)
        return false;
      bool ok = write(st, {}, 0, 0, true, opts);  // the backlog, if any, then fdatasync
      logging::info("journal_closed", {{"synced", ok},
                                       {"recordsWritten", st.health.records_written},
                                       {"diskBytes", st.log->disk_bytes()}});
      return ok;
    },
  };
}

}  // namespace

journal_actor spawn_journal(caf::actor_system& system, std::unique_ptr<journal::directory> dir,
                            cache_actor cache, journal_options options, bool detached) {
  auto held = std::make_shared<std::unique_ptr<journal::directory>>(std::move(dir));
  if (detached)
    return system.spawn<caf::detached>(journal_behavior, held, std::move(cache), options);
  return system.spawn(journal_behavior, held, std::move(cache), options);
}

}  // namespace vapi_cache
