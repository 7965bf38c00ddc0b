// The delivery actor's handlers. Its thread alternates between the mailbox and the network:
// while transfers are in flight a pump message polls them for up to options.poll and queues
// itself behind whatever arrived meanwhile, so new results and retries are taken between polls;
// with nothing in flight it sleeps on the mailbox alone.
#include "actors/delivery_state.hpp"
#include "delivery/execution_id.hpp"
#include "logging/log.hpp"
#include "redis/values.hpp"

namespace vapi_cache {

int64_t delivery_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

delivery_counts& counts_of(delivery_state& st, delivery::target to) {
  return to == delivery::target::forward ? st.counts.forward : st.counts.kestra;
}

namespace {

const char* name_of(delivery::target to) {
  return to == delivery::target::forward ? "forward" : "kestra";
}

void queue_pump(delivery_self self) {
  auto& st = self->state;
  if (st.pump_queued)
    return;
  st.pump_queued = true;
  self->send(self, pump_atom_v);
}

void add(delivery_self self, delivery::pending p) {
  auto& st = self->state;
  auto key = delivery::key_of(p.to, p.call_id);
  auto it = st.pending.find(key);
  if (it == st.pending.end()) {
    if (st.pending.size() >= st.options.max_pending) {
      logging::error("delivery_refused", {{"callId", p.call_id}, {"target", name_of(p.to)},
                                          {"reason", "too many deliveries pending"}});
      ++counts_of(st, p.to).refused;
      return;
    }
    ++counts_of(st, p.to).pending;
    it = st.pending.emplace(key, live_delivery{}).first;
  }
  // A newer report of the same call replaces what was pending: it is what the flow should get.
  auto& d = it->second;
  journal_add(st, delivery::to_record(p));
  d.p = std::move(p);
  d.attempts = 0;
  d.generation = st.next_generation++;
  if (!d.in_flight)
    st.ready.emplace_back(key, d.generation);
  queue_pump(self);
}

void end(delivery_self self, const std::string& key, live_delivery& d) {
  auto& st = self->state;
  journal_add(st, delivery::ended_record(d.p.to, d.p.call_id, delivery_now_ms()));
  --counts_of(st, d.p.to).pending;
  st.pending.erase(key);
}

outbound::request request_of(delivery_state& st, const delivery::pending& p) {
  delivery::http_post post;
  if (p.to == delivery::target::forward)
    post = delivery::forward(*st.options.forward, p, delivery_now_ms() / 1000);
  else
    post = delivery::kestra_resume(*st.options.kestra, p, st.random(), st.random());
  return {std::move(post.url), std::move(post.headers), std::move(post.body), st.options.timeout,
          std::min(st.options.timeout, std::chrono::milliseconds(5000))};
}

void send_ready(delivery_state& st) {
  while (!st.ready.empty() && st.net->in_flight() < st.options.max_in_flight) {
    auto [key, gen] = std::move(st.ready.front());
    st.ready.pop_front();
    auto it = st.pending.find(key);
    if (it == st.pending.end() || it->second.generation != gen || it->second.in_flight)
      continue;  // ended or replaced since it was queued
    auto& d = it->second;
    d.in_flight = true;
    ++d.attempts;
    auto tag = st.next_tag++;
    st.sent.emplace(tag, std::make_pair(key, gen));
    st.net->start(tag, request_of(st, d.p));
  }
}

void answered(delivery_self self, const outbound::result& r) {
  auto& st = self->state;
  auto sent = st.sent.find(r.tag);
  if (sent == st.sent.end())
    return;
  auto [key, gen] = sent->second;
  st.sent.erase(sent);
  auto it = st.pending.find(key);
  if (it == st.pending.end())
    return;
  auto& d = it->second;
  d.in_flight = false;
  auto& c = counts_of(st, d.p.to);
  auto now = delivery_now_ms();
  nlohmann::ordered_json f = {
    {"callId", d.p.call_id}, {"target", name_of(d.p.to)}, {"attempt", d.attempts}};
  if (d.p.to == delivery::target::kestra_resume)
    f["executionId"] = d.p.execution_id;
  if (r.status)
    f["status"] = r.status;
  else
    f["reason"] = r.error;
  auto verdict = d.p.to == delivery::target::kestra_resume
                   ? delivery::classify_resume(r.status,
                                               std::chrono::milliseconds(now - d.p.created_ms))
                   : delivery::classify(r.status);
  if (d.generation != gen) {
    // A newer report arrived while this one was in flight. A resumed execution cannot be
    // resumed again, so a Kestra delivery that got in is over; a forward sends the newer one.
    bool over = verdict == delivery::verdict::delivered &&
                d.p.to == delivery::target::kestra_resume;
    if (!over) {
      st.ready.emplace_back(key, d.generation);
      return;
    }
  }
  switch (verdict) {
    case delivery::verdict::delivered:
      ++c.delivered;
      c.latency.observe(double(now - d.p.created_ms) / 1000.0);
      logging::info("delivered", f);
      return end(self, key, d);
    case delivery::verdict::refused:
      ++c.refused;
      logging::warn("delivery_refused", f);
      return end(self, key, d);
    case delivery::verdict::retry:
      break;
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto wait = delivery::next_wait(st.options.backoff, d.attempts, unit(st.random),
                                  delivery::parse_retry_after(r.retry_after, now / 1000), now,
                                  d.p.deadline_ms);
  if (!wait) {
    ++c.gave_up;
    logging::error("delivery_gave_up", f);
    return end(self, key, d);
  }
  ++c.retried;
  f["retryInMs"] = wait->count();
  if (d.attempts == 1)
    logging::warn("delivery_retrying", f);  // once per delivery; each later try at debug
  else
    logging::debug("delivery_retrying", f);
  self->delayed_send(self, *wait, retry_atom_v, key, d.generation);
}

void pump(delivery_self self) {
  auto& st = self->state;
  st.pump_queued = false;
  // Durable before it is sent: a restart resends what the journal holds.
  journal_flush(st, st.options.policy == fsync_policy::always);
  send_ready(st);
  if (st.net->in_flight() == 0)
    return;
  for (auto& r : st.net->poll(st.options.poll))
    answered(self, r);
  // Ends are written at once (a crash of the process loses none) and synced with the next
  // pending deliveries or at the tick: one lost to a power cut is only sent again, and the
  // target refuses the repeat (Kestra: 409) or drops it by its webhook-id.
  journal_flush(st, false);
  send_ready(st);
  if (st.net->in_flight() > 0 || !st.ready.empty())
    queue_pump(self);
}

using held_dir = std::shared_ptr<std::unique_ptr<journal::directory>>;

delivery_actor::behavior_type delivery_behavior(delivery_self self, delivery_options options,
                                                held_dir dir) {
  auto& st = self->state;
  st.options = std::move(options);
  st.counts.kestra_on = bool(st.options.kestra);
  st.counts.forward_on = bool(st.options.forward);
  st.net = std::make_unique<outbound::transfers>();
  open_journal(self, std::move(*dir));
  if (!st.ready.empty())
    queue_pump(self);
  self->delayed_send(self, st.options.tick, caf::tick_atom_v);
  return {
    [=](deliver_atom, std::string& call_id, body_ptr& body, std::string& execution) {
      auto& st = self->state;
      auto text = body->text();
      auto payload = std::string(redis::value_of_get_body(text).value_or(text));
      auto now = delivery_now_ms();
      auto deadline = now + std::chrono::milliseconds(st.options.retry_window).count();
      if (st.options.kestra && !execution.empty()) {
        if (delivery::valid_execution_id(execution)) {
          add(self, {delivery::target::kestra_resume, call_id, execution, payload, now, deadline});
        } else {  // never sent anywhere: only an id of Kestra's own shape goes into the URL
          ++st.counts.kestra.refused;
          logging::warn("kestra_execution_id_invalid",
                        {{"callId", call_id},
                         {"reason", "the metadata's execution id is no Kestra id (base62, at "
                                    "most 22 characters)"}});
        }
      }
      if (st.options.forward)
        add(self, {delivery::target::forward, call_id, {}, std::move(payload), now, deadline});
    },
    [=](pump_atom) { pump(self); },
    [=](retry_atom, std::string& key, uint64_t generation) {
      auto& st = self->state;
      auto it = st.pending.find(key);
      if (it == st.pending.end() || it->second.generation != generation || it->second.in_flight)
        return;  // ended or replaced since the timer was set
      st.ready.emplace_back(key, generation);
      queue_pump(self);
    },
    [=](caf::tick_atom) {
      journal_tick(self->state);
      self->delayed_send(self, self->state.options.tick, caf::tick_atom_v);
    },
    [=](metrics_atom) { return self->state.counts; },
    [=](stats_atom, delivery_view_fn& reply) { reply(self->state.counts); },
    [=](caf::close_atom) {
      auto& st = self->state;
      // Answers on their way are worth a moment: each one taken is not resent by the next
      // start. What is still in flight after it is resent then.
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (st.net->in_flight() > 0 && std::chrono::steady_clock::now() < until)
        for (auto& r : st.net->poll(st.options.poll))
          answered(self, r);
      journal_flush(st, true);
      logging::info("deliveries_closed", {{"pending", st.pending.size()}});
      return !st.failing;
    },
  };
}

}  // namespace

delivery_actor spawn_delivery(caf::actor_system& system, delivery_options options,
                              std::unique_ptr<journal::directory> dir) {
  auto held = std::make_shared<std::unique_ptr<journal::directory>>(std::move(dir));
  return system.spawn<caf::detached>(delivery_behavior, std::move(options), held);
}

}  // namespace vapi_cache
