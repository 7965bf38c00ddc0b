// Test support for the cache actor's journal tests (cache_journal_test, cache_replay_test,
// cache_bounds_test): the cache on CAF's test coordinator against a fake journal actor the test
// drives. It records every batch it is sent and answers only when the test says, with what the
// test says; it hands out the replay chunks the test provides. So group commit, held replies,
// replay ordering and eviction are checked message by message, and expiry by advancing the
// test clock, without sleeping.
#pragma once

#include "actors/cache_actor.hpp"
#include "actors/entry_cost.hpp"

#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace cache_testing {

using namespace std::chrono_literals;
using namespace vapi_cache;
using journal::kind;

constexpr auto ttl = std::chrono::minutes(30);

inline int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

inline caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

// What the fake journal saw and what it is to answer; shared between the test and the actor
// (both run on the test coordinator's one thread).
struct fake_journal_log {
  struct append {
    uint64_t batch;
    journal_batch changes;
  };
  std::vector<append> appends;         // every append_atom, in order
  size_t replay_requests = 0;          // replay_atom messages from the cache
  size_t chunks_sent = 0;              // answers to them
  std::deque<replay_chunk> chunks;     // provided by the test, sent one per request
  std::deque<std::tuple<uint64_t, bool, journal_health>> answers;  // journaled, to send
  size_t close_requests = 0;
  bool close_result = true;
  cache_actor cache;
};

// Sends what the test queued: journaled answers, and a chunk for each replay request pending.
inline void flush(journal_actor::pointer self, fake_journal_log& log) {
  while (!log.answers.empty()) {
    auto [batch, durable, health] = std::move(log.answers.front());
    log.answers.pop_front();
    self->send(log.cache, journaled_atom_v, batch, durable, std::move(health));
  }
  while (!log.chunks.empty() && log.chunks_sent < log.replay_requests) {
    auto chunk = std::move(log.chunks.front());
    log.chunks.pop_front();
    ++log.chunks_sent;
    self->send(log.cache, replay_atom_v, std::move(chunk));
  }
}

// The test pokes it with tick_atom (a message of the journal's own interface) to send what it
// queued.
journal_actor::behavior_type fake_journal(journal_actor::pointer self,
                                          std::shared_ptr<fake_journal_log> log) {
  return {
    [self, log](append_atom, uint64_t batch, journal_batch& changes) {
      log->appends.push_back({batch, std::move(changes)});
      flush(self, *log);
    },
    [self, log](replay_atom) {
      ++log->replay_requests;
      flush(self, *log);
    },
    [self, log](caf::tick_atom) { flush(self, *log); },
    [log](caf::close_atom) {
      ++log->close_requests;
      return log->close_result;
    },
  };
}

inline journal::record stored_record(const std::string& id, const std::string& text, int64_t at_ms,
                              int64_t expires_at_ms) {
  journal::record r;
  r.type = kind::stored;
  r.call_id = id;
  r.at_ms = at_ms;
  r.expires_at_ms = expires_at_ms;
  r.compressed = false;
  r.text_size = static_cast<uint32_t>(text.size());
  r.body = text;
  return r;
}

inline journal::record status_record(const std::string& id, const std::string& status,
                              int64_t at_ms, int64_t expires_at_ms) {
  journal::record r;
  r.type = kind::status;
  r.call_id = id;
  r.at_ms = at_ms;
  r.expires_at_ms = expires_at_ms;
  r.status = status;
  return r;
}

inline replay_chunk chunk(std::vector<journal::record> results, bool last,
                   std::vector<journal::record> statuses = {}) {
  replay_chunk c;
  c.results = std::move(results);
  c.statuses = std::move(statuses);
  c.last = last;
  c.records_read = last ? 1 : 0;
  return c;
}

// Text that LZ4 cannot shrink (random base64), so a body's stored size is about its length.
inline std::string incompressible(size_t n, uint64_t seed) {
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::mt19937_64 rng(seed);
  std::string s(n, 'A');
  for (auto& ch : s)
    ch = alphabet[rng() % 64];
  return s;
}

class CacheJournalTest : public ::testing::Test {
 protected:
  CacheJournalTest()
    : sys_(testing_config(cfg_)),
      sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())),
      log_(std::make_shared<fake_journal_log>()) {}

  ~CacheJournalTest() override {
    if (cache_)
      caf::anon_send_exit(cache_, caf::exit_reason::user_shutdown);
    if (journal_)
      caf::anon_send_exit(journal_, caf::exit_reason::user_shutdown);
    sched_.run();
  }

  // A journaled cache with the fake journal attached; unless `replay`, its replay is over at
  // once (one empty last chunk).
  void start(cache_options o = {}, bool replay = false) {
    o.ttl = ttl;
    o.journaled = true;
    cache_ = spawn_cache(sys_, o);
    log_->cache = cache_;
    journal_ = sys_.spawn(fake_journal, log_);
    sched_.run();
    caf::anon_send(cache_, attach_atom_v, journal_);
    sched_.run();
    if (!replay)
      provide(chunk({}, true));
  }

  void start_memory_only(cache_options o) {
    o.ttl = ttl;
    o.journaled = false;
    cache_ = spawn_cache(sys_, o);
    sched_.run();
  }

  // Sends xs... plus a reply_fn and runs; the slot is filled when (if ever) the cache answers.
  template <class... Ts>
  std::shared_ptr<std::optional<answer>> send(Ts&&... xs) {
    auto slot = std::make_shared<std::optional<answer>>();
    caf::anon_send(cache_, std::forward<Ts>(xs)..., reply_fn([slot](answer a) {
                     EXPECT_FALSE(slot->has_value()) << "answered twice";
                     *slot = std::move(a);
                   }));
    sched_.run();
    return slot;
  }
  auto put(const std::string& id, const std::string& text) {
    return send(caf::put_atom_v, id, stored_body::make(text));
  }
  auto get(const std::string& id) { return send(caf::get_atom_v, id); }
  auto del(const std::string& id) { return send(caf::delete_atom_v, id); }
  auto note(const std::string& id, const std::string& status, const std::string& reason = "") {
    return send(status_atom_v, id, call_progress{status, reason});
  }

  // The journal answers `batch`.
  void journaled(uint64_t batch, bool durable = true, journal_health health = {}) {
    log_->answers.emplace_back(batch, durable, std::move(health));
    caf::anon_send(journal_, caf::tick_atom_v);
    sched_.run();
  }
  // The journal answers the latest batch it was sent, which must be `expected`.
  void journal_latest(uint64_t expected, bool durable = true) {
    ASSERT_FALSE(log_->appends.empty());
    ASSERT_EQ(log_->appends.back().batch, expected);
    journaled(expected, durable);
  }

  // The journal has a chunk for the cache: sent now if a replay request is pending, else at
  // the next one.
  void provide(replay_chunk c) {
    log_->chunks.push_back(std::move(c));
    caf::anon_send(journal_, caf::tick_atom_v);
    sched_.run();
  }

  // A stored result acknowledged: put, then the journal answers its batch (the only one).
  answer put_durable(const std::string& id, const std::string& text) {
    auto batches = log_->appends.size();
    auto reply = put(id, text);
    if (!reply->has_value()) {
      EXPECT_EQ(log_->appends.size(), batches + 1);
      journaled(log_->appends.back().batch);
    }
    EXPECT_TRUE(reply->has_value());
    return reply->value_or(answer{outcome::unavailable, nullptr});
  }

  // A CAF request to the cache, from a short-lived actor; the slot is filled on its answer.
  template <class T, class... Ts>
  std::shared_ptr<std::optional<T>> request(Ts... xs) {
    auto slot = std::make_shared<std::optional<T>>();
    auto cache = cache_;
    sys_.spawn([=](caf::event_based_actor* self) {
      self->request(cache, caf::infinite, xs...).then([=](T v) { *slot = std::move(v); });
    });
    sched_.run();
    return slot;
  }
  cache_metrics metrics() {
    auto m = request<cache_metrics>(metrics_atom_v, int64_t(0));
    EXPECT_TRUE(m->has_value());
    return m->value_or(cache_metrics{});
  }

  std::string found_text(const std::string& id) {
    auto a = get(id);
    if (!a->has_value() || (*a)->what != outcome::found)
      return "<not found>";
    return (*a)->body->text();
  }

  void advance(caf::timespan t) {
    sched_.advance_time(t);
    sched_.run();
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  std::shared_ptr<fake_journal_log> log_;
  cache_actor cache_;
  journal_actor journal_;
};

}  // namespace cache_testing
