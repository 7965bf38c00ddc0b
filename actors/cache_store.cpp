// Every change to the cache's maps, in one place, so that the expiry index, the memory bound,
// the expiry timers and the journal can never disagree with the maps.
//
// Memory is accounted by the actor itself, per entry, as actors/entry_cost.hpp prices it (the
// stored bytes and ids as the allocator rounds them, plus a measured fixed overhead). Past
// MAX_ENTRIES or MAX_MEMORY_MB the entry that expires soonest goes first, as Redis's
// volatile-ttl: with one TTL for all, the oldest.
#include <algorithm>

#include "actors/cache_state.hpp"
#include "actors/entry_cost.hpp"
#include "logging/log.hpp"

namespace vapi_cache {
namespace {

size_t cost_of(const std::string& id, const entry& e) {
  return result_cost(id, e.body->stored_size());
}

size_t cost_of(const std::string& id, const progress_entry& p) {
  return status_cost(id, p.progress.status, p.progress.ended_reason);
}

void log_eviction(cache_self self, const char* reason) {
  auto& st = self->state;
  ++st.evictions_unlogged;
  auto now = self->clock().now();
  if (now - st.evictions_logged < std::chrono::seconds(1))
    return;
  logging::warn("evicted", {{"count", st.evictions_unlogged},
                            {"reason", reason},
                            {"entries", st.entries.size() + st.progress.size()},
                            {"accountedBytes", st.accounted_bytes},
                            {"maxEntries", st.options.max_entries},
                            {"maxBytes", st.options.max_bytes}});
  st.evictions_unlogged = 0;
  st.evictions_logged = now;
}

}  // namespace

int64_t now_epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

entry& store_result(cache_self self, const std::string& id, body_ptr body, int64_t stored_at_ms,
                    int64_t expires_at_ms, int64_t now_ms) {
  auto& st = self->state;
  forget_status(self, id);  // the result says more than any status
  auto gen = ++st.next_generation;
  auto life = std::chrono::milliseconds(std::max<int64_t>(0, expires_at_ms - now_ms));
  self->delayed_send(self, life, expire_atom_v, id, gen);
  auto [e, added] = st.entries.try_emplace(id);
  if (!added) {
    ++st.counters.replaced;
    st.stored_bytes -= e->body->stored_size();
    st.accounted_bytes -= cost_of(id, *e);
    st.by_expiry.remove(e->expires_at_ms, e->generation);
    st.by_time.remove(e->stored_at_ms, id);
  }
  st.stored_bytes += body->stored_size();
  auto age = std::chrono::milliseconds(std::max<int64_t>(0, now_ms - stored_at_ms));
  *e = entry{std::move(body), gen, stored_at_ms, expires_at_ms, self->clock().now() - age};
  st.accounted_bytes += cost_of(id, *e);
  st.by_expiry.add(expires_at_ms, gen, st.entries.key_of(id), false);
  st.by_time.add(stored_at_ms, st.entries.key_of(id), expires_at_ms);
  return *e;
}

void store_status(cache_self self, const std::string& id, call_progress progress, int64_t at_ms,
                  int64_t expires_at_ms, int64_t now_ms) {
  auto& st = self->state;
  forget_status(self, id);
  auto gen = ++st.next_generation;
  auto life = std::chrono::milliseconds(std::max<int64_t>(0, expires_at_ms - now_ms));
  self->delayed_send(self, life, expire_atom_v, id, gen);
  auto [it, added] = st.progress.try_emplace(id);
  it->second = progress_entry{std::move(progress), gen, at_ms, expires_at_ms};
  st.accounted_bytes += cost_of(id, it->second);
  st.by_expiry.add(expires_at_ms, gen, &it->first, true);
}

void forget_result(cache_self self, const std::string& id) {
  auto& st = self->state;
  entry* e = st.entries.find(id);
  if (!e)
    return;
  st.stored_bytes -= e->body->stored_size();
  st.accounted_bytes -= cost_of(id, *e);
  st.by_expiry.remove(e->expires_at_ms, e->generation);
  st.by_time.remove(e->stored_at_ms, id);
  st.entries.erase(id);
}

void forget_status(cache_self self, const std::string& id) {
  auto& st = self->state;
  auto it = st.progress.find(id);
  if (it == st.progress.end())
    return;
  st.accounted_bytes -= cost_of(id, it->second);
  st.by_expiry.remove(it->second.expires_at_ms, it->second.generation);
  st.progress.erase(it);
}

void journal(cache_self self, journal_change change, reply_fn reply, answer ok) {
  auto& st = self->state;
  if (!st.options.journaled) {
    if (reply)
      reply(std::move(ok));
    return;
  }
  if (st.journal_lost) {
    if (reply)
      reply(answer{outcome::unsaved, nullptr});
    return;
  }
  st.commits.add(std::move(change), std::move(reply), std::move(ok));
}

void send_batch_if_ready(cache_self self) {
  auto& st = self->state;
  if (!st.journal || st.journal_lost || !st.commits.sendable())
    return;
  auto [batch, changes] = st.commits.take();
  self->send(st.journal, append_atom_v, batch, std::move(changes));
}

journal_change stored_change(const std::string& id, const entry& e) {
  journal_change c;
  c.record.type = journal::kind::stored;
  c.record.call_id = id;
  c.record.at_ms = e.stored_at_ms;
  c.record.expires_at_ms = e.expires_at_ms;
  c.record.compressed = e.body->compressed();
  c.record.text_size = static_cast<uint32_t>(e.body->size());
  c.body = e.body;
  return c;
}

journal_change status_change(const std::string& id, const progress_entry& p) {
  journal_change c;
  c.record.type = journal::kind::status;
  c.record.call_id = id;
  c.record.at_ms = p.at_ms;
  c.record.expires_at_ms = p.expires_at_ms;
  c.record.status = p.progress.status;
  c.record.ended_reason = p.progress.ended_reason;
  return c;
}

journal_change deleted_change(const std::string& id, int64_t at_ms) {
  journal_change c;
  c.record.type = journal::kind::deleted;
  c.record.call_id = id;
  c.record.at_ms = at_ms;
  return c;
}

// Close, once every change asked for has reached the journal: then the journal syncs.
void finish_closing(cache_self self) {
  auto& st = self->state;
  if (!st.closing || !st.commits.idle())
    return;
  if (st.journal_lost) {
    st.closing->deliver(false);
    st.closing.reset();
    return;
  }
  auto promise = *st.closing;
  st.closing.reset();
  self->request(st.journal, caf::infinite, caf::close_atom_v)
    .then([promise](bool synced) mutable { promise.deliver(synced); },
          [promise](caf::error&) mutable { promise.deliver(false); });
}

void enforce_bounds(cache_self self, const std::function<bool(const std::string&)>& keep) {
  auto& st = self->state;
  const auto& o = st.options;
  // The newest entry always stays: start-up refuses a MAX_MEMORY_MB that cannot hold one.
  while (st.by_expiry.size() > 1) {
    bool too_many = st.entries.size() + st.progress.size() > o.max_entries;
    if (!too_many && st.accounted_bytes <= o.max_bytes)
      return;
    const auto* found = st.by_expiry.soonest_except(keep);
    if (!found)
      return;  // all of them stay (more changes during replay than the bound holds)
    auto soonest = *found;
    std::string id = *soonest.call_id;
    if (soonest.status)
      forget_status(self, id);
    else
      forget_result(self, id);
    ++st.counters.evictions;
    journal::record r;
    r.type = journal::kind::evicted;
    r.call_id = id;
    r.at_ms = now_epoch_ms();
    journal(self, {std::move(r), nullptr});
    log_eviction(self, too_many ? "max_entries" : "max_memory");
  }
}

}  // namespace vapi_cache
