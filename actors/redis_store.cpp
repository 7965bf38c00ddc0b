// The Redis store's handlers: each request becomes the commands of redis/operations.hpp, sent
// through the batch, and its answer is made when the replies come back. Nothing here blocks.
#include "actors/redis_store_state.hpp"

#include "logging/log.hpp"

namespace vapi_cache {

int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// Strictly increasing: two changes of one call made in the same millisecond still have an order
// (redis/scripts.hpp compares these times).
int64_t change_ms(store_self self) {
  auto& st = self->state;
  st.last_change_ms = std::max(epoch_ms(), st.last_change_ms + 1);
  return st.last_change_ms;
}

namespace {

void send_batch_if_ready(store_self self) {
  auto& st = self->state;
  if (!st.batch.sendable())
    return;
  auto [number, commands] = st.batch.take();
  // The link bounds every round trip by its own timeout; this bound is for a link that died.
  self->request(st.link, std::chrono::seconds(30), redis_run_atom_v, std::move(commands))
    .then(
      [self, number = number](redis_result& result) {
        self->state.batch.done(number, std::move(result));
        send_batch_if_ready(self);
      },
      [self, number = number](caf::error& err) {
        self->state.batch.done(number, redis_result{false, "the Redis link did not answer: " +
                                                             to_string(err), {}});
        send_batch_if_ready(self);
      });
}

// Every tick: the outbox is retried, and an idle store checks that Redis still answers, so
// /ready and /health stay true without traffic.
void tick(store_self self) {
  auto& st = self->state;
  drain(self);
  auto idle = self->clock().now() - st.last_round_trip;
  if ((idle > std::chrono::seconds(1) || !st.up) && st.batch.idle())
    run(self, {{"PING"}}, [](bool, std::vector<redis::reply>, const std::string&) {});
  self->delayed_send(self, st.options.tick, redis_tick_atom_v);
}

}  // namespace

void run(store_self self, std::vector<redis::command> commands, redis_batch::done_fn done) {
  self->state.batch.add(std::move(commands),
                        [self, done = std::move(done)](bool ok, std::vector<redis::reply> r,
                                                       const std::string& error) {
                          note_round_trip(self, ok, error);
                          done(ok, std::move(r), error);
                        });
  send_batch_if_ready(self);
}

void run_write(store_self self, std::vector<redis::command> commands,
               redis_batch::done_fn done) {
  auto want = self->state.options.wait_replicas;
  if (want == 0)
    return run(self, std::move(commands), std::move(done));
  commands.push_back({"WAIT", std::to_string(want),
                      std::to_string(self->state.options.wait_timeout.count())});
  run(self, std::move(commands),
      [self, want, done = std::move(done)](bool ok, std::vector<redis::reply> replies,
                                           const std::string& error) {
        if (!ok || replies.empty())
          return done(false, {}, error);
        auto acked = replies.back();
        replies.pop_back();
        auto& st = self->state;
        if (acked.type != redis::reply::kind::integer || acked.integer < int64_t(want)) {
          auto why = "the write reached " + std::to_string(std::max<int64_t>(acked.integer, 0)) +
                     " of the " + std::to_string(want) + " replicas REDIS_WAIT_REPLICAS asks";
          if (!st.replicas_short)  // once per spell
            logging::warn("redis_not_replicated", {{"reason", why}});
          st.replicas_short = true;
          return done(false, {}, why);
        }
        if (st.replicas_short)
          logging::info("redis_replicated", {{"replicas", acked.integer}});
        st.replicas_short = false;
        done(true, std::move(replies), error);
      });
}

void note_round_trip(store_self self, bool ok, const std::string& error) {
  auto& st = self->state;
  st.last_round_trip = self->clock().now();
  bool was_up = st.up;
  st.up = ok;
  st.ever_answered |= ok;
  if (!ok)
    st.error = error;
  if (ok && !was_up)
    drain(self);  // back: what queued meanwhile goes first
}

namespace {

redis_store_actor::behavior_type redis_store(store_self self, redis_store_options options) {
  auto& st = self->state;
  st.options = options;
  st.keys = redis::key_layout(options.key_prefix);
  st.started_at = self->clock().now();
  st.last_round_trip = st.started_at;
  st.replaying = options.journaled;
  st.link = spawn_redis_link(self->system(), options.link);
  self->link_to(st.link);
  if (options.subscribe) {
    auto sub = options.subscriber;
    sub.channel = st.keys.channel();
    st.subscriber = std::make_unique<redis_subscriber>(sub, caf::actor_cast<caf::actor>(self));
  }
  if (!options.link.sentinels.empty()) {
    sentinel_watch_options w;
    w.sentinels = options.link.sentinels;
    w.master_name = options.link.master_name;
    w.timeout = options.link.timeout;
    st.watch = std::make_unique<sentinel_watch>(
      w, st.link, std::vector<caf::actor>{caf::actor_cast<caf::actor>(self)});
  }
  // The threads of both stop when the state goes, at the actor's exit (CAF 0.17 destroys the
  // state then, which also drops their handles to this actor).
  self->send(self, redis_tick_atom_v);
  auto& counters = st.counters;
  return {
    [=, &counters](caf::put_atom, std::string& id, body_ptr& body, reply_fn& reply) {
      ++counters.messages_processed;
      put(self, std::move(id), std::move(body), std::move(reply));
    },
    [=, &counters](caf::get_atom, std::string& id, reply_fn& reply) {
      ++counters.messages_processed;
      get_call(self, id, std::move(reply));
    },
    [=, &counters](caf::delete_atom, std::string& id, reply_fn& reply) {
      ++counters.messages_processed;
      remove(self, std::move(id), std::move(reply));
    },
    [=, &counters](stats_atom, const stats_request& req, reply_fn& reply) {
      ++counters.messages_processed;
      stats_page(self, req, std::move(reply));
    },
    [=, &counters](status_atom, std::string& id, call_progress& progress, reply_fn& reply) {
      ++counters.messages_processed;
      note_status(self, std::move(id), std::move(progress), std::move(reply));
    },
    [=, &counters](wait_atom, wait_request& req, wait_reply_fn& reply) {
      ++counters.messages_processed;
      wait_for(self, std::move(req), std::move(reply));
    },
    [=, &counters](wait_over_atom, uint64_t waiter) {
      ++counters.messages_processed;
      self->state.waiting.expire(waiter);
    },
    [=, &counters](wait_over_atom) {
      ++counters.messages_processed;
      self->state.waiting.expire_all();
    },
    [=, &counters](wait_gone_atom, const std::vector<uint64_t>& tickets) {
      ++counters.messages_processed;
      auto& st = self->state;
      for (uint64_t ticket : tickets)
        if (auto it = st.tickets.find(ticket); it != st.tickets.end()) {
          counters.waits_abandoned += st.waiting.drop(it->second);
          st.tickets.erase(it);
        }
    },
    [=, &counters](wait_release_atom, const std::vector<uint64_t>& tickets) {
      ++counters.messages_processed;
      auto& st = self->state;
      for (uint64_t ticket : tickets)
        if (auto it = st.tickets.find(ticket); it != st.tickets.end())
          st.waiting.release(it->second);
    },
    [=, &counters](expire_atom, const std::string&, uint64_t) {
      ++counters.messages_processed;  // Redis expires its keys itself
    },
    [=, &counters](attach_atom, journal_actor& journal) {
      ++counters.messages_processed;
      auto& st = self->state;
      st.journal = std::move(journal);
      self->monitor(st.journal);
      self->set_down_handler([self](caf::down_msg& down) {
        auto& st = self->state;
        if (down.source != st.journal.address())
          return;
        logging::error("journal_stopped", {{"reason", to_string(down.reason)},
                                           {"message", "the outbox is kept in memory only"}});
        st.journal_lost = true;
        st.replaying = false;
        st.commits.fail_all();
        finish_closing(self);
      });
      self->send(st.journal, replay_atom_v);
    },
    [=, &counters](journaled_atom, uint64_t batch, bool durable, journal_health& health) {
      ++counters.messages_processed;
      auto& st = self->state;
      st.journal_state = std::move(health);
      st.commits.done(batch, durable);
      send_journal_batch(self);
      finish_closing(self);
    },
    [=, &counters](replay_atom, replay_chunk& chunk) {
      ++counters.messages_processed;
      apply_outbox_replay(self, chunk);
    },
    [=, &counters](caf::close_atom) -> caf::result<bool> {
      ++counters.messages_processed;
      auto promise = self->make_response_promise<bool>();
      self->state.closing = promise;
      finish_closing(self);
      return promise;
    },
    [=, &counters](caf::ping_atom) {
      ++counters.messages_processed;
      auto& st = self->state;
      cache_health h;
      h.journaled = st.options.journaled;
      h.replaying = st.replaying;
      h.journal = st.journal_state;
      h.store = "redis";
      h.store_up = st.up;
      h.store_error = st.up ? std::string() : st.error;
      h.outbox = st.outbox.size();
      return h;
    },
    [=, &counters](metrics_atom, int64_t sent_ns) {
      ++counters.messages_processed;
      auto& st = self->state;
      cache_metrics m;
      m.counters = counters;
      m.journal_waiting = st.commits.waiting();
      m.redis = true;
      m.redis_up = st.up;
      m.outbox = st.outbox.size();
      m.outbox_bytes = st.outbox_bytes;
      m.journaled = st.options.journaled;
      m.replaying = st.replaying;
      m.journal = st.journal_state;
      m.waiters = st.waiting.size();
      m.mailbox = self->mailbox().size();
      auto sent = caf::actor_clock::time_point(std::chrono::nanoseconds(sent_ns));
      m.oldest_message_age_seconds =
        std::max(0.0, std::chrono::duration<double>(self->clock().now() - sent).count());
      return m;
    },
    [=, &counters](redis_message_atom, std::string& id) {
      ++counters.messages_processed;
      recheck_waiters(self, {std::move(id)});
    },
    [=, &counters](redis_subscribed_atom) {
      ++counters.messages_processed;
      recheck_waiters(self, self->state.waiting.missing_calls());
    },
    [=, &counters](redis_master_atom) {
      ++counters.messages_processed;
      if (self->state.subscriber)
        self->state.subscriber->master_changed();
    },
    [=, &counters](redis_tick_atom) {
      ++counters.messages_processed;
      tick(self);
    },
  };
}

}  // namespace

redis_store_actor spawn_redis_store(caf::actor_system& system, redis_store_options options) {
  return system.spawn(redis_store, std::move(options));
}

}  // namespace vapi_cache
