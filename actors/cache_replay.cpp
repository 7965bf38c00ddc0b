// Start-up with a journal: the journal actor reads its files on its own thread, and the cache
// takes what is still live a chunk at a time (asking for the next when one is applied), so
// that /health, stats and every lookup of a result already back are answered throughout.
//
// Until the last chunk, a lookup that finds nothing is held (up to MAX_WAITERS of them, then
// answered 503): the result may still be on its way back, and a 404 would tell a polling flow
// that it is not coming. A webhook or a delete during replay is newer than anything journaled,
// so a call it changed keeps that change and its journaled state is skipped.
#include "actors/cache_state.hpp"
#include "logging/log.hpp"

namespace vapi_cache {

namespace {

void finish_replay(cache_self self, size_t records_read, size_t expired) {
  auto& st = self->state;
  st.replaying = false;
  std::unordered_set<std::string>().swap(st.changed_while_replaying);
  logging::info("replayed",
                {{"results", st.entries.size()},
                 {"statuses", st.progress.size()},
                 {"recordsRead", records_read},
                 {"expiredWhileDown", expired},
                 {"heldRequests", st.deferred.size()},
                 {"seconds", std::chrono::duration<double>(self->clock().now() -
                                                           st.replay_started).count()}});
  auto held = std::move(st.deferred);
  st.deferred.clear();
  for (auto& retry : held)
    retry();
}

}  // namespace

void on_journal_down(cache_self self, const caf::down_msg& down) {
  auto& st = self->state;
  if (down.source != st.journal.address())
    return;
  logging::error("journal_stopped", {{"reason", to_string(down.reason)},
                                     {"message", "results are kept in memory only from now on"}});
  st.journal_lost = true;
  st.journal_state.failing = true;
  st.journal_state.error = "the journal's actor stopped";
  st.commits.fail_all();
  if (st.replaying)
    finish_replay(self, 0, 0);
  finish_closing(self);
}

void apply_replay(cache_self self, replay_chunk& chunk) {
  auto& st = self->state;
  auto now = now_epoch_ms();
  for (auto& r : chunk.results) {
    if (st.changed_while_replaying.count(r.call_id))
      continue;
    if (r.expires_at_ms <= now) {  // expired between the read and now
      ++st.counters.expired;
      continue;
    }
    auto body = std::make_shared<stored_body>(std::move(r.body), r.text_size, r.compressed);
    auto& e = store_result(self, r.call_id, std::move(body), r.at_ms, r.expires_at_ms, now);
    ++st.counters.restored;
    st.waiting.stored(r.call_id, e.body);  // a wait that came early is answered
  }
  for (auto& r : chunk.statuses) {
    if (st.changed_while_replaying.count(r.call_id) || st.entries.contains(r.call_id) ||
        r.expires_at_ms <= now)
      continue;
    store_status(self, r.call_id, call_progress{std::move(r.status), std::move(r.ended_reason)},
                 r.at_ms, r.expires_at_ms, now);
  }
  // MAX_ENTRIES or MAX_MEMORY_MB may be lower than before the restart. What a webhook stored
  // during replay is newer than anything replayed: a replayed entry goes first.
  enforce_bounds(self, [&st](const std::string& id) {
    return st.changed_while_replaying.count(id) != 0;
  });
  send_batch_if_ready(self);
  if (!chunk.last) {
    self->send(st.journal, replay_atom_v);
    return;
  }
  finish_replay(self, chunk.records_read, chunk.expired);
}

bool defer_while_replaying(cache_self self, std::function<void()> retry,
                           const std::function<void()>& refuse) {
  auto& st = self->state;
  if (!st.replaying)
    return false;
  if (st.deferred.size() >= st.options.max_waiters)
    refuse();
  else
    st.deferred.push_back(std::move(retry));
  return true;
}

}  // namespace vapi_cache
