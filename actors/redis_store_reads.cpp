// The Redis store's reads: a GET, a long-poll (single or batch), the re-reads its waiters need
// when a store is published, and stats pages through SCAN. What this instance has queued in
// its outbox is newer than Redis, so a read answers from it first.
#include <memory>

#include "actors/redis_store_state.hpp"
#include "actors/store_reporting.hpp"
#include "logging/log.hpp"
#include "redis/values.hpp"

namespace vapi_cache {
namespace {

using redis::reply;

// One call as this instance's outbox last changed it.
lookup from_outbox(const outbox_item& q) {
  if (q.type == journal::kind::stored)
    return {q.body, std::nullopt};
  if (q.type == journal::kind::status)
    return {nullptr, q.progress};
  return {};
}

// One call as Redis holds it; a value that is not ours to serve is logged and not found.
// nullopt: Redis refused the read for a reason of its own (LOADING after a restart, a
// replica that lost its master...): unavailable, never a 404 a flow would believe.
std::optional<lookup> from_redis(const std::string& id, const redis::ops::found& f) {
  if (f.error) {
    if (f.error->rfind("WRONGTYPE", 0) != 0) {
      logging::warn("redis_read_refused", {{"callId", id}, {"reason", *f.error}});
      return std::nullopt;
    }
    logging::warn("redis_unreadable", {{"callId", id}, {"reason", *f.error}});
    return lookup{};
  }
  if (f.value) {
    if (auto body = redis::get_body_for(*f.value))
      return lookup{stored_body::plain(std::move(*body)), std::nullopt};
    logging::warn("redis_unreadable",
                  {{"callId", id}, {"reason", "the stored value is not a JSON object"}});
    return lookup{};
  }
  if (f.status)
    return lookup{nullptr, call_progress{f.status->status, f.status->ended_reason}};
  return lookup{};
}

void count(store_self self, const std::vector<lookup>& got) {
  for (const auto& l : got)
    ++(l.body ? self->state.counters.hits : self->state.counters.misses);
}

using read_fn = std::function<void(bool ok, std::vector<lookup>)>;

// Reads every call (one pipeline): ok false when Redis is away.
void read_all(store_self self, const std::vector<std::string>& ids, read_fn done) {
  std::vector<redis::command> commands;
  for (const auto& id : ids)
    for (auto& c : redis::ops::lookup(self->state.keys, id))
      commands.push_back(std::move(c));
  run(self, std::move(commands),
      [self, ids, done = std::move(done)](bool ok, std::vector<reply> replies,
                                          const std::string&) {
        if (!ok)
          return done(false, {});
        std::vector<lookup> out(ids.size());
        for (size_t i = 0; i < ids.size(); ++i) {
          if (auto* q = in_outbox(self, ids[i])) {
            out[i] = from_outbox(*q);
            continue;
          }
          std::vector<reply> mine(std::make_move_iterator(replies.begin() + 2 * i),
                                  std::make_move_iterator(replies.begin() + 2 * i + 2));
          auto got = from_redis(ids[i], redis::ops::looked_up(mine));
          if (!got)
            return done(false, {});
          out[i] = std::move(*got);
        }
        done(true, std::move(out));
      });
}

// A held wait is over: the calls still missing are read once more for their statuses.
void finish_wait(store_self self, std::vector<std::string> ids, std::vector<body_ptr> got,
                 wait_reply_fn reply) {
  std::vector<std::string> missing;
  for (size_t i = 0; i < ids.size(); ++i)
    if (!got[i])
      missing.push_back(ids[i]);
  auto answer_with = [self, got, reply](const std::vector<std::string>& ids,
                                        const std::vector<lookup>& read) {
    std::vector<lookup> out(ids.size());
    size_t next_missing = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (got[i]) {
        out[i].body = got[i];
        continue;
      }
      if (next_missing < read.size())
        out[i] = read[next_missing];
      ++next_missing;
    }
    count(self, out);
    reply(wait_answer{outcome::waited, std::move(out)});
  };
  if (missing.empty())
    return answer_with(ids, {});
  read_all(self, missing,
           [ids, answer_with](bool, std::vector<lookup> read) {
             answer_with(ids, read);  // Redis away: answered without statuses
           });
}

}  // namespace

const outbox_item* in_outbox(store_self self, const std::string& id) {
  auto it = self->state.outbox_latest.find(id);
  return it == self->state.outbox_latest.end() ? nullptr : it->second;
}

void get_call(store_self self, const std::string& id, reply_fn reply) {
  read_all(self, {id}, [self, reply = std::move(reply)](bool ok, std::vector<lookup> got) {
    if (!ok)
      return reply(answer{outcome::store_unavailable, nullptr});
    count(self, got);
    auto& l = got.at(0);
    if (l.body)
      return reply(answer{outcome::found, std::move(l.body)});
    // The outbox is still being read back: the result may be in it, so no 404 yet.
    if (self->state.replaying)
      return reply(answer{outcome::unavailable, nullptr});
    reply(answer{outcome::not_found, nullptr, std::move(l.progress)});
  });
}

void wait_for(store_self self, wait_request req, wait_reply_fn reply) {
  auto& st = self->state;
  bool waits = req.timeout > caf::timespan::zero();
  if (!waits || st.waiting.size() >= st.options.max_waiters) {
    read_all(self, req.call_ids,
             [self, req, waits, reply = std::move(reply)](bool ok, std::vector<lookup> got) {
               if (!ok)
                 return reply(wait_answer{outcome::store_unavailable, {}});
               size_t found = 0;
               for (const auto& l : got)
                 found += l.body != nullptr;
               bool done = found == got.size() || (req.any && found > 0);
               if (waits && !done) {
                 ++self->state.counters.waits_refused;
                 return reply(wait_answer{outcome::busy, {}});
               }
               self->state.counters.waits_answered += waits;
               count(self, got);
               reply(wait_answer{outcome::waited, std::move(got)});
             });
    return;
  }
  // Held before it reads, so that a store published in between is not missed.
  auto ids = req.call_ids;
  auto ticket = req.ticket;
  auto waiter = st.waiting.add(
    std::vector<std::string>(ids), std::vector<body_ptr>(ids.size()), req.any,
    [self, ids, reply, ticket](std::vector<body_ptr> got, waiters::ending why) {
      count_wait_end(self->state.counters, why);
      self->state.tickets.erase(ticket);
      finish_wait(self, ids, std::move(got), reply);
    });
  if (ticket != 0)
    st.tickets[ticket] = waiter;
  self->delayed_send(self, req.timeout, wait_over_atom_v, waiter);
  read_all(self, ids, [self, ids, waiter, ticket, reply](bool ok, std::vector<lookup> got) {
    auto& st = self->state;
    if (!ok) {
      if (st.waiting.drop(waiter)) {  // still held: answered now, as a GET would be
        st.tickets.erase(ticket);
        reply(wait_answer{outcome::store_unavailable, {}});
      }
      return;
    }
    for (size_t i = 0; i < ids.size(); ++i)
      if (got[i].body)
        st.waiting.stored(ids[i], got[i].body);
  });
}

void recheck_waiters(store_self self, const std::vector<std::string>& ids) {
  std::vector<std::string> wanted;
  for (const auto& id : ids)
    if (self->state.waiting.waits_for(id))
      wanted.push_back(id);
  if (wanted.empty())
    return;
  read_all(self, wanted, [self, wanted](bool ok, std::vector<lookup> got) {
    if (!ok)
      return;  // the subscription's next (re)start reads them again
    for (size_t i = 0; i < wanted.size(); ++i)
      if (got[i].body)
        self->state.waiting.stored(wanted[i], got[i].body);
  });
}

}  // namespace vapi_cache
