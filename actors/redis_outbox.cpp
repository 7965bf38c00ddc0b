// The Redis store's outbox: changes acknowledged while Redis could not take them. Each is
// journaled (DATA_DIR) before its webhook is answered, kept here in arrival order, and written
// to Redis oldest first once it answers again, a batch at a time, each only over older changes
// (redis/scripts.hpp: only_if_newer). Once Redis has one, an `evicted` record tells the journal
// it is done, so a restart resends only what Redis never confirmed.
#include "actors/redis_store_state.hpp"
#include "logging/log.hpp"
#include "redis/refusals.hpp"
#include "redis/values.hpp"

namespace vapi_cache {
namespace {

constexpr size_t drain_batch = 256;  // changes per pipeline when the outbox drains

size_t cost_of(const outbox_item& q) {
  return q.call_id.size() + (q.body ? q.body->stored_size() : 0) + q.progress.status.size() +
         q.progress.ended_reason.size() + 64;
}

journal_change change_of(const outbox_item& q) {
  journal_change c;
  c.record.type = q.type;
  c.record.call_id = q.call_id;
  c.record.at_ms = q.at_ms;
  c.record.expires_at_ms = q.type == journal::kind::deleted ? 0 : q.expires_at_ms;
  if (q.body) {
    c.record.compressed = q.body->compressed();
    c.record.text_size = static_cast<uint32_t>(q.body->size());
    c.body = q.body;
  }
  c.record.status = q.progress.status;
  c.record.ended_reason = q.progress.ended_reason;
  return c;
}

void journal(store_self self, journal_change change, reply_fn reply, answer ok) {
  auto& st = self->state;
  if (!st.options.journaled || st.journal_lost) {
    if (reply)
      reply(std::move(ok));  // memory only: as the memory cache without DATA_DIR
    return;
  }
  st.commits.add(std::move(change), std::move(reply), std::move(ok));
  send_journal_batch(self);
}

// The commands that write `q` now, only over older changes; none once it has expired.
std::vector<redis::command> commands_of(store_self self, const outbox_item& q, int64_t now) {
  auto& st = self->state;
  redis::ops::change_time when{q.at_ms, true};
  auto left = std::chrono::milliseconds(q.expires_at_ms - now);
  switch (q.type) {
    case journal::kind::stored: {
      if (left.count() <= 0)
        return {};
      auto text = q.body->text();
      auto value = redis::value_of_get_body(text);
      return redis::ops::store(st.keys, q.call_id, value.value_or(text), left, when);
    }
    case journal::kind::status:
      if (left.count() <= 0)
        return {};
      return redis::ops::note_status(st.keys, q.call_id, q.progress.status,
                                     q.progress.ended_reason, left, when);
    default:
      return redis::ops::remove(st.keys, q.call_id, st.options.ttl, when);
  }
}

// The oldest `sent` changes are in Redis (or expired, or refused by it for good): they leave.
void settle(store_self self, size_t sent, const std::vector<redis::reply>& replies,
            const std::vector<size_t>& reply_of) {
  auto& st = self->state;
  for (size_t i = 0; i < sent && !st.outbox.empty(); ++i) {
    auto& q = st.outbox.front();
    if (reply_of[i] != SIZE_MAX && replies.at(reply_of[i]).is_error())
      logging::error("redis_refused", {{"callId", q.call_id},
                                       {"reason", replies[reply_of[i]].text}});
    // Done for the journal too, unless a newer change of the call is still queued (the
    // journal's replay keeps only a call's latest change, which must then come back).
    auto it = st.outbox_latest.find(q.call_id);
    if (it != st.outbox_latest.end() && it->second == &q) {
      st.outbox_latest.erase(it);
      if (q.type != journal::kind::deleted) {
        journal::record done;
        done.type = journal::kind::evicted;
        done.call_id = q.call_id;
        done.at_ms = epoch_ms();
        journal(self, {std::move(done), nullptr}, {}, {});
      }
    }
    st.outbox_bytes -= cost_of(q);
    st.outbox.pop_front();
  }
  if (st.outbox.empty())
    logging::info("outbox_drained", {{"redis", st.options.link.where.redacted()}});
}

}  // namespace

void enqueue(store_self self, outbox_item item, reply_fn reply, answer ok) {
  auto& st = self->state;
  auto cost = cost_of(item);
  if (st.outbox_bytes + cost > st.options.max_outbox_bytes) {
    logging::error("outbox_full", {{"callId", item.call_id}, {"outboxBytes", st.outbox_bytes}});
    return reply(answer{outcome::store_unavailable, nullptr});
  }
  if (st.outbox.empty())
    logging::warn("outbox_in_use", {{"reason", st.error},
                                    {"message", "changes are journaled and kept until Redis "
                                                "takes them"}});
  auto change = change_of(item);
  st.outbox.push_back(std::move(item));
  st.outbox_latest[st.outbox.back().call_id] = &st.outbox.back();
  st.outbox_bytes += cost;
  journal(self, std::move(change), std::move(reply), std::move(ok));
  drain(self);
}

void drain(store_self self) {
  auto& st = self->state;
  if (st.draining || st.outbox.empty())
    return;
  auto now = epoch_ms();
  std::vector<redis::command> commands;
  std::vector<size_t> reply_of;  // per change sent: its reply's index (SIZE_MAX: none)
  size_t sent = 0;
  for (auto it = st.outbox.begin(); it != st.outbox.end() && sent < drain_batch; ++it, ++sent) {
    auto mine = commands_of(self, *it, now);
    reply_of.push_back(mine.empty() ? SIZE_MAX : commands.size());
    for (auto& c : mine)
      commands.push_back(std::move(c));
  }
  st.draining = true;
  if (commands.empty())
    commands.push_back({"PING"});  // everything sent has expired: one round trip settles it
  run_write(self, std::move(commands),
            [self, reply_of](bool ok, std::vector<redis::reply> replies, const std::string&) {
        self->state.draining = false;
        if (!ok)
          return;  // retried at the next tick, or when a round trip works again
        // Refused for now (LOADING, READONLY, OOM: Redis's state, not the change's): that
        // change and all after it stay, in order, for the next try (redis/refusals.hpp).
        auto done = redis::settled_changes(replies, reply_of);
        auto& st = self->state;
        if (done == 0) {
          if (!st.outbox_refused)  // once per spell, not per retry
            logging::warn("redis_refused", {{"reason", replies.at(reply_of.at(0)).text},
                                            {"outbox", st.outbox.size()}});
          st.outbox_refused = true;
          return;
        }
        st.outbox_refused = false;
        settle(self, done, replies, reply_of);
        drain(self);
        finish_closing(self);
      });
}

void send_journal_batch(store_self self) {
  auto& st = self->state;
  if (!st.journal || st.journal_lost || !st.commits.sendable())
    return;
  auto [batch, changes] = st.commits.take();
  self->send(st.journal, append_atom_v, batch, std::move(changes));
}

void apply_outbox_replay(store_self self, replay_chunk& chunk) {
  auto& st = self->state;
  auto add = [&](journal::record& r, journal::kind type) {
    outbox_item q{type, std::move(r.call_id), r.at_ms, r.expires_at_ms, nullptr, {}};
    if (type == journal::kind::stored)
      q.body = std::make_shared<stored_body>(std::move(r.body), r.text_size, r.compressed);
    else
      q.progress = {std::move(r.status), std::move(r.ended_reason)};
    st.outbox_bytes += cost_of(q);
    st.outbox.push_back(std::move(q));
    // A change made since start is newer: reads answer from it, not from the replayed one.
    st.outbox_latest.try_emplace(st.outbox.back().call_id, &st.outbox.back());
  };
  for (auto& r : chunk.results)
    add(r, journal::kind::stored);
  for (auto& r : chunk.statuses)
    add(r, journal::kind::status);
  if (!chunk.last)
    return void(self->send(st.journal, replay_atom_v));
  st.replaying = false;
  if (!st.outbox.empty())
    logging::info("outbox_replayed", {{"changes", st.outbox.size()}});
  drain(self);
}

// At shutdown: every change journaled and synced (what Redis has not taken yet is resent by
// the next start); without a journal, true only when the outbox is empty.
void finish_closing(store_self self) {
  auto& st = self->state;
  if (!st.closing || !st.commits.idle())
    return;
  auto promise = *st.closing;
  st.closing.reset();
  if (!st.journal || st.journal_lost) {
    if (!st.outbox.empty())
      logging::error("outbox_not_written", {{"changes", st.outbox.size()}});
    promise.deliver(st.outbox.empty());
    return;
  }
  self->request(st.journal, caf::infinite, caf::close_atom_v)
    .then([promise](bool synced) mutable { promise.deliver(synced); },
          [promise](caf::error&) mutable { promise.deliver(false); });
}

}  // namespace vapi_cache
