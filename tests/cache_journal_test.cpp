// Tests the cache actor's side of the journal (actors/cache_actor.cpp, cache_store.cpp,
// cache_replay.cpp, commit_queue.hpp) and its memory bounds, on CAF's test coordinator, against
// a fake journal actor the test drives: it records every batch it is sent and answers only when
// the test says, with what the test says; it hands out the replay chunks the test provides. So
// group commit, held replies, replay ordering and eviction are checked message by message, and
// expiry by advancing the test clock, without sleeping.
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

namespace {

using namespace std::chrono_literals;
using namespace vapi_cache;
using journal::kind;

constexpr auto ttl = std::chrono::minutes(30);

int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
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
void flush(journal_actor::pointer self, fake_journal_log& log) {
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

journal::record stored_record(const std::string& id, const std::string& text, int64_t at_ms,
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

journal::record status_record(const std::string& id, const std::string& status,
                              int64_t at_ms, int64_t expires_at_ms) {
  journal::record r;
  r.type = kind::status;
  r.call_id = id;
  r.at_ms = at_ms;
  r.expires_at_ms = expires_at_ms;
  r.status = status;
  return r;
}

replay_chunk chunk(std::vector<journal::record> results, bool last,
                   std::vector<journal::record> statuses = {}) {
  replay_chunk c;
  c.results = std::move(results);
  c.statuses = std::move(statuses);
  c.last = last;
  c.records_read = last ? 1 : 0;
  return c;
}

// Text that LZ4 cannot shrink (random base64), so a body's stored size is about its length.
std::string incompressible(size_t n, uint64_t seed) {
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

// ---- Writes wait for the journal

TEST_F(CacheJournalTest, PutIsAnsweredOnlyOnceItsBatchIsDurable) {
  start();
  EXPECT_EQ(log_->replay_requests, 1u);
  auto reply = put("call-1", R"({"v":1})");
  EXPECT_FALSE(reply->has_value()) << "answered before the journal wrote it";
  ASSERT_EQ(log_->appends.size(), 1u);
  const auto& sent = log_->appends[0];
  EXPECT_EQ(sent.batch, 1u);
  ASSERT_EQ(sent.changes.size(), 1u);
  const auto& change = sent.changes[0];
  EXPECT_EQ(change.record.type, kind::stored);
  EXPECT_EQ(change.record.call_id, "call-1");
  EXPECT_EQ(change.record.expires_at_ms - change.record.at_ms,
            std::chrono::milliseconds(ttl).count());
  ASSERT_TRUE(change.body);
  EXPECT_EQ(change.body->text(), R"({"v":1})");
  EXPECT_TRUE(change.record.body.empty()) << "the journal, not the cache, copies the bytes";
  // Served from memory while the write is under way; the ack still waits.
  EXPECT_EQ(found_text("call-1"), R"({"v":1})");
  EXPECT_FALSE(reply->has_value());

  journaled(7);  // not the batch in flight: ignored
  EXPECT_FALSE(reply->has_value());
  journaled(1);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::stored);
  EXPECT_EQ(metrics().journal_waiting, 0u);
}

TEST_F(CacheJournalTest, PutsDuringABatchInFlightGoTogetherInTheNextBatchAndAnswerInOrder) {
  start();
  std::vector<std::string> order;
  auto put_noting = [&](const std::string& id) {
    caf::anon_send(cache_, caf::put_atom_v, id, stored_body::make("body of " + id),
                   reply_fn([&order, id](answer a) {
                     EXPECT_EQ(a.what, outcome::stored);
                     order.push_back(id);
                   }));
    sched_.run();
  };
  put_noting("a");
  ASSERT_EQ(log_->appends.size(), 1u);
  put_noting("b");
  put_noting("c");
  EXPECT_EQ(log_->appends.size(), 1u) << "a second batch went out while one was in flight";
  EXPECT_EQ(metrics().journal_waiting, 2u);
  EXPECT_TRUE(order.empty());

  journaled(1);
  EXPECT_EQ(order, std::vector<std::string>{"a"});
  ASSERT_EQ(log_->appends.size(), 2u) << "the waiting changes were not sent on";
  const auto& second = log_->appends[1];
  EXPECT_EQ(second.batch, 2u);
  ASSERT_EQ(second.changes.size(), 2u);
  EXPECT_EQ(second.changes[0].record.call_id, "b");
  EXPECT_EQ(second.changes[1].record.call_id, "c");
  EXPECT_EQ(metrics().journal_waiting, 0u);

  journaled(2);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(log_->appends.size(), 2u);  // nothing left to send
}

TEST_F(CacheJournalTest, ChangesBeforeAttachWaitForTheJournal) {
  cache_options o;
  o.ttl = ttl;
  o.journaled = true;
  cache_ = spawn_cache(sys_, o);
  log_->cache = cache_;
  journal_ = sys_.spawn(fake_journal, log_);
  sched_.run();
  auto reply = put("early", "x");
  EXPECT_FALSE(reply->has_value());
  caf::anon_send(cache_, attach_atom_v, journal_);
  sched_.run();
  EXPECT_EQ(log_->replay_requests, 1u);
  ASSERT_EQ(log_->appends.size(), 1u);
  EXPECT_EQ(log_->appends[0].changes.at(0).record.call_id, "early");
  journaled(1);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::stored);
}

TEST_F(CacheJournalTest, AFailedWriteIsAnsweredUnsavedAndTheResultIsStillServed) {
  start();
  auto reply = put("call-1", "kept in memory");
  journal_health failing;
  failing.failing = true;
  failing.error = "No space left on device";
  failing.write_failures = 1;
  journaled(1, false, failing);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::unsaved);
  EXPECT_EQ(found_text("call-1"), "kept in memory");
  auto health = request<cache_health>(caf::ping_atom_v);
  ASSERT_TRUE(health->has_value());
  EXPECT_TRUE((*health)->journaled);
  EXPECT_FALSE((*health)->replaying);
  EXPECT_TRUE((*health)->journal.failing);
  EXPECT_EQ((*health)->journal.error, "No space left on device");
  // The next write succeeds: answered stored again.
  EXPECT_EQ(put_durable("call-2", "y").what, outcome::stored);
}

TEST_F(CacheJournalTest, DeleteIsJournaledAsDeletedAndItsReplyWaits) {
  start();
  put_durable("call-1", "x");
  auto reply = del("call-1");
  EXPECT_FALSE(reply->has_value());
  EXPECT_EQ(get("call-1")->value().what, outcome::not_found);  // gone from memory at once
  ASSERT_EQ(log_->appends.size(), 2u);
  ASSERT_EQ(log_->appends[1].changes.size(), 1u);
  const auto& r = log_->appends[1].changes[0].record;
  EXPECT_EQ(r.type, kind::deleted);
  EXPECT_EQ(r.call_id, "call-1");
  EXPECT_GT(r.at_ms, 1700000000000);
  EXPECT_FALSE(log_->appends[1].changes[0].body);
  journaled(2);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::deleted);

  // A delete that finds nothing writes nothing and is answered at once.
  auto again = del("call-1");
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->what, outcome::not_found);
  EXPECT_EQ(log_->appends.size(), 2u);
}

TEST_F(CacheJournalTest, StatusUpdateIsJournaledAndItsReplyWaits) {
  start();
  auto reply = note("call-1", "ended", "customer-ended-call");
  EXPECT_FALSE(reply->has_value());
  ASSERT_EQ(log_->appends.size(), 1u);
  ASSERT_EQ(log_->appends[0].changes.size(), 1u);
  const auto& r = log_->appends[0].changes[0].record;
  EXPECT_EQ(r.type, kind::status);
  EXPECT_EQ(r.call_id, "call-1");
  EXPECT_EQ(r.status, "ended");
  EXPECT_EQ(r.ended_reason, "customer-ended-call");
  EXPECT_EQ(r.expires_at_ms - r.at_ms, std::chrono::milliseconds(ttl).count());
  journaled(1);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::noted);
  auto miss = get("call-1")->value();
  EXPECT_EQ(miss.what, outcome::not_found);
  ASSERT_TRUE(miss.progress);
  EXPECT_EQ(miss.progress->status, "ended");

  // Once a result is cached a status-update is moot: answered at once, nothing written.
  put_durable("call-1", "result");
  auto moot = note("call-1", "in-progress");
  ASSERT_TRUE(moot->has_value());
  EXPECT_EQ((*moot)->what, outcome::noted);
  EXPECT_EQ(log_->appends.size(), 2u);
}

TEST_F(CacheJournalTest, CloseIsAnsweredOnlyAfterThePendingBatchesAreJournaled) {
  start();
  auto first = put("a", "x");   // batch 1, in flight
  auto second = put("b", "y");  // waits for batch 2
  auto closed = request<bool>(caf::close_atom_v);
  EXPECT_FALSE(closed->has_value());
  EXPECT_EQ(log_->close_requests, 0u) << "the journal was asked to sync before it had all";

  journaled(1);
  EXPECT_TRUE(first->has_value());
  EXPECT_FALSE(closed->has_value());
  EXPECT_EQ(log_->close_requests, 0u);
  ASSERT_EQ(log_->appends.size(), 2u);

  journaled(2);
  EXPECT_TRUE(second->has_value());
  EXPECT_EQ(log_->close_requests, 1u);
  ASSERT_TRUE(closed->has_value());
  EXPECT_TRUE(**closed);
}

TEST_F(CacheJournalTest, CloseReportsAJournalThatCouldNotSync) {
  start();
  log_->close_result = false;
  auto closed = request<bool>(caf::close_atom_v);  // nothing pending: straight to the journal
  EXPECT_EQ(log_->close_requests, 1u);
  ASSERT_TRUE(closed->has_value());
  EXPECT_FALSE(**closed);
}

// ---- Replay

TEST_F(CacheJournalTest, MissesDuringReplayWaitForTheLastChunk) {
  cache_options o;
  start(o, true);
  EXPECT_EQ(log_->replay_requests, 1u);
  auto now = epoch_ms();
  provide(chunk({stored_record("a", "A", now - 1000, now + 600000)}, false));
  EXPECT_EQ(log_->replay_requests, 2u) << "the cache did not ask for the next chunk";
  EXPECT_TRUE(request<cache_health>(caf::ping_atom_v)->value().replaying);

  // Already back: answered at once.
  EXPECT_EQ(found_text("a"), "A");
  // Not back yet: held, neither found nor "not found".
  auto early = get("b");
  auto never = get("nobody");
  auto never_deleted = del("nobody");
  EXPECT_FALSE(early->has_value());
  EXPECT_FALSE(never->has_value());
  EXPECT_FALSE(never_deleted->has_value());

  provide(chunk({stored_record("b", "B", now - 500, now + 600000)}, false));
  EXPECT_EQ(log_->replay_requests, 3u);
  EXPECT_EQ(found_text("b"), "B");  // a new lookup finds it at once
  EXPECT_FALSE(never->has_value()) << "answered not found before the replay was over";
  EXPECT_FALSE(never_deleted->has_value());

  provide(chunk({}, true));
  EXPECT_EQ(log_->replay_requests, 3u) << "asked for more after the last chunk";
  EXPECT_FALSE(request<cache_health>(caf::ping_atom_v)->value().replaying);
  ASSERT_TRUE(early->has_value());
  EXPECT_EQ((*early)->what, outcome::found);
  EXPECT_EQ((*early)->body->text(), "B");
  ASSERT_TRUE(never->has_value());
  EXPECT_EQ((*never)->what, outcome::not_found);
  ASSERT_TRUE(never_deleted->has_value());
  EXPECT_EQ((*never_deleted)->what, outcome::not_found);
  auto m = metrics();
  EXPECT_EQ(m.counters.restored, 2u);
  EXPECT_EQ(m.entries, 2u);
  EXPECT_TRUE(log_->appends.empty()) << "replayed records were journaled again";
}

TEST_F(CacheJournalTest, AWaitHeldDuringReplayWhoseClientLeftIsDroppedNotHeldAfterwards) {
  start({}, true);
  auto wait = [&](uint64_t ticket) {
    auto slot = std::make_shared<std::optional<wait_answer>>();
    wait_request req{{"late"}, std::chrono::seconds(30), false, ticket};
    caf::anon_send(cache_, wait_atom_v, std::move(req),
                   wait_reply_fn([slot](wait_answer a) { *slot = std::move(a); }));
    sched_.run();
    return slot;
  };
  auto left = wait(5);
  auto stayed = wait(6);
  caf::anon_send(cache_, wait_gone_atom_v, std::vector<uint64_t>{5});  // its client is gone
  sched_.run();
  provide(chunk({}, true));
  auto m = metrics();
  EXPECT_EQ(m.waiters, 1u) << "the abandoned wait took a MAX_WAITERS slot after replay";
  EXPECT_EQ(m.counters.waits_abandoned, 1u);
  EXPECT_FALSE(left->has_value());
  EXPECT_FALSE(stayed->has_value());  // held as any wait, now that replay is over
  put_durable("late", "L");
  ASSERT_TRUE(stayed->has_value());
  EXPECT_EQ((*stayed)->results.at(0).body->text(), "L");
  EXPECT_FALSE(left->has_value());
}

TEST_F(CacheJournalTest, PastMaxWaitersHeldDuringReplayTheNextIsUnavailable) {
  cache_options o;
  o.max_waiters = 2;
  start(o, true);
  auto one = get("x");
  auto two = note("y", "ringing");
  auto three = get("z");
  EXPECT_FALSE(one->has_value());
  EXPECT_FALSE(two->has_value());
  ASSERT_TRUE(three->has_value());
  EXPECT_EQ((*three)->what, outcome::unavailable);
  EXPECT_TRUE(log_->appends.empty()) << "a held status-update was journaled";

  auto now = epoch_ms();
  provide(chunk({stored_record("x", "X", now, now + 600000)}, true));
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->what, outcome::found);
  // The held status-update is handled now, and written like any other.
  EXPECT_FALSE(two->has_value());
  ASSERT_EQ(log_->appends.size(), 1u);
  EXPECT_EQ(log_->appends[0].changes.at(0).record.type, kind::status);
  EXPECT_EQ(log_->appends[0].changes.at(0).record.call_id, "y");
  journaled(1);
  ASSERT_TRUE(two->has_value());
  EXPECT_EQ((*two)->what, outcome::noted);
}

TEST_F(CacheJournalTest, AStatusHeldDuringReplayIsMootOnceItsResultComesBack) {
  cache_options o;
  start(o, true);
  auto held = note("call-1", "in-progress");
  EXPECT_FALSE(held->has_value());
  auto now = epoch_ms();
  provide(chunk({stored_record("call-1", "result", now, now + 600000)}, true));
  ASSERT_TRUE(held->has_value());
  EXPECT_EQ((*held)->what, outcome::noted);
  EXPECT_TRUE(log_->appends.empty());
  EXPECT_EQ(found_text("call-1"), "result");
}

TEST_F(CacheJournalTest, APutDuringReplayBeatsTheOlderReplayedRecord) {
  cache_options o;
  start(o, true);
  auto now = epoch_ms();
  provide(chunk({}, false));
  auto reply = put("call-1", "new");
  ASSERT_EQ(log_->appends.size(), 1u);  // journaled as usual, replay or not
  journaled(1);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::stored);

  // The journal's older state of call-1 (a result, and a status) comes back after the put.
  provide(chunk({stored_record("call-1", "old", now - 60000, now + 600000),
                 stored_record("call-2", "other", now - 60000, now + 600000)},
                true, {status_record("call-1", "ringing", now - 70000, now + 600000)}));
  EXPECT_EQ(found_text("call-1"), "new");
  EXPECT_EQ(found_text("call-2"), "other");
  auto m = metrics();
  EXPECT_EQ(m.counters.restored, 1u);
  EXPECT_EQ(m.call_statuses, 0u);
  EXPECT_EQ(m.entries, 2u);
}

TEST_F(CacheJournalTest, ADeleteDuringReplayBeatsTheOlderReplayedRecord) {
  cache_options o;
  start(o, true);
  auto now = epoch_ms();
  provide(chunk({stored_record("call-1", "v1", now - 1000, now + 600000)}, false));
  auto reply = del("call-1");
  ASSERT_EQ(log_->appends.size(), 1u);
  EXPECT_EQ(log_->appends[0].changes.at(0).record.type, kind::deleted);
  journaled(1);
  EXPECT_EQ(reply->value().what, outcome::deleted);
  // A later chunk carries the call again (as a journal read back in pieces may): it stays gone.
  provide(chunk({stored_record("call-1", "v1", now - 1000, now + 600000)}, true));
  EXPECT_EQ(get("call-1")->value().what, outcome::not_found);
}

TEST_F(CacheJournalTest, AReplayedResultExpiresAtItsRecordedTime) {
  cache_options o;
  start(o, true);
  // Its life left is counted from the wall clock, so the record is timed from it too.
  auto now = epoch_ms();
  provide(chunk({stored_record("short", "s", now - 60000, now + 5000),
                 stored_record("long", "l", now - 60000, now + 600000),
                 stored_record("gone", "g", now - 60000, now - 1)},
                true, {status_record("ringing", "ringing", now - 1000, now + 5000)}));
  EXPECT_EQ(found_text("short"), "s");
  EXPECT_EQ(get("gone")->value().what, outcome::not_found);  // expired before it came back
  ASSERT_TRUE(get("ringing")->value().progress);
  advance(4800ms);  // (a little under 5 s: some wall-clock time passed since `now`)
  EXPECT_EQ(found_text("short"), "s");
  advance(300ms);
  EXPECT_EQ(get("short")->value().what, outcome::not_found);
  auto ringing = get("ringing")->value();
  EXPECT_EQ(ringing.what, outcome::not_found);
  EXPECT_FALSE(ringing.progress) << "the replayed status outlived its recorded expiry";
  EXPECT_EQ(found_text("long"), "l");
  auto m = metrics();
  EXPECT_EQ(m.counters.restored, 2u);
  EXPECT_EQ(m.counters.expired, 2u);  // "gone" at replay, "short" by its timer
}

// ---- Bounds

TEST_F(CacheJournalTest, PastMaxEntriesTheSoonestToExpireIsEvictedAndJournaled) {
  cache_options o;
  o.max_entries = 3;
  start(o);
  put_durable("a", "1");
  put_durable("b", "2");
  put_durable("c", "3");
  EXPECT_EQ(metrics().counters.evictions, 0u);
  auto reply = put("d", "4");
  EXPECT_FALSE(reply->has_value());
  ASSERT_EQ(log_->appends.size(), 4u);
  const auto& batch = log_->appends[3].changes;
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].record.type, kind::stored);
  EXPECT_EQ(batch[0].record.call_id, "d");
  EXPECT_EQ(batch[1].record.type, kind::evicted);
  EXPECT_EQ(batch[1].record.call_id, "a");
  EXPECT_GT(batch[1].record.at_ms, 1700000000000);
  journaled(4);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::stored);

  EXPECT_EQ(get("a")->value().what, outcome::not_found);
  for (auto id : {"b", "c", "d"})
    EXPECT_EQ(get(id)->value().what, outcome::found) << id;
  auto m = metrics();
  EXPECT_EQ(m.counters.evictions, 1u);
  EXPECT_EQ(m.entries, 3u);
  EXPECT_EQ(m.max_entries, 3u);
}

TEST_F(CacheJournalTest, EvictionFollowsExpiryNotArrival) {
  cache_options o;
  o.max_entries = 3;
  start(o, true);
  auto now = epoch_ms();
  // Replayed with lives of their own: "soon" expires first though it did not arrive first.
  provide(chunk({stored_record("later", "l", now - 3000, now + 600000),
                 stored_record("soon", "s", now - 2000, now + 60000),
                 stored_record("latest", "t", now - 1000, now + 900000)},
                true));
  EXPECT_EQ(metrics().counters.evictions, 0u);
  put_durable("new", "n");
  EXPECT_EQ(get("soon")->value().what, outcome::not_found);
  for (auto id : {"later", "latest", "new"})
    EXPECT_EQ(get(id)->value().what, outcome::found) << id;
  ASSERT_EQ(log_->appends.size(), 1u);
  ASSERT_EQ(log_->appends[0].changes.size(), 2u);
  EXPECT_EQ(log_->appends[0].changes[1].record.type, kind::evicted);
  EXPECT_EQ(log_->appends[0].changes[1].record.call_id, "soon");
}

TEST_F(CacheJournalTest, CallStatusesCountAgainstMaxEntriesToo) {
  cache_options o;
  o.max_entries = 2;
  start(o);
  auto noted = note("s1", "queued");
  journaled(1);
  EXPECT_EQ(noted->value().what, outcome::noted);
  put_durable("r1", "x");
  put_durable("r2", "y");  // three entries: the status, soonest to expire, goes
  auto miss = get("s1")->value();
  EXPECT_EQ(miss.what, outcome::not_found);
  EXPECT_FALSE(miss.progress);
  const auto& batch = log_->appends.back().changes;
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[1].record.type, kind::evicted);
  EXPECT_EQ(batch[1].record.call_id, "s1");
  auto m = metrics();
  EXPECT_EQ(m.counters.evictions, 1u);
  EXPECT_EQ(m.call_statuses, 0u);
  EXPECT_EQ(m.entries, 2u);
}

TEST_F(CacheJournalTest, PastMaxBytesTheSoonestToExpireIsEvicted) {
  // Each body's stored size is about its 2000 bytes; accounted as actors/entry_cost.hpp says.
  auto text = [](int i) { return incompressible(2000, uint64_t(i)); };
  size_t cost = result_cost("r1", stored_body::make(text(1))->stored_size());
  cache_options o;
  o.max_bytes = cost * 2 + cost / 2;  // two fit, not three
  start(o);
  put_durable("r1", text(1));
  put_durable("r2", text(2));
  auto m = metrics();
  EXPECT_EQ(m.counters.evictions, 0u);
  EXPECT_NEAR(double(m.accounted_bytes), double(2 * cost), 16.0);
  EXPECT_EQ(m.max_bytes, o.max_bytes);

  put_durable("r3", text(3));
  EXPECT_EQ(get("r1")->value().what, outcome::not_found);
  EXPECT_EQ(found_text("r2"), text(2));
  EXPECT_EQ(found_text("r3"), text(3));
  m = metrics();
  EXPECT_EQ(m.counters.evictions, 1u);
  EXPECT_LE(m.accounted_bytes, o.max_bytes);
  EXPECT_EQ(m.entries, 2u);
  const auto& batch = log_->appends.back().changes;
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[1].record.type, kind::evicted);
  EXPECT_EQ(batch[1].record.call_id, "r1");
}

TEST_F(CacheJournalTest, TheNewestEntryIsKeptEvenAloneOverMaxBytes) {
  cache_options o;
  o.max_bytes = 100;  // less than any one result
  start(o);
  put_durable("big-1", incompressible(1000, 1));
  EXPECT_EQ(found_text("big-1"), incompressible(1000, 1));
  EXPECT_EQ(metrics().counters.evictions, 0u);
  put_durable("big-2", incompressible(1000, 2));
  EXPECT_EQ(get("big-1")->value().what, outcome::not_found);
  EXPECT_EQ(found_text("big-2"), incompressible(1000, 2));
  auto m = metrics();
  EXPECT_EQ(m.counters.evictions, 1u);
  EXPECT_EQ(m.entries, 1u);
}

// After a restart with a shorter CACHE_TTL_SECONDS the replayed results outlive a new one: the
// new result is then the soonest to expire, yet it is the one just stored and acknowledged.
TEST_F(CacheJournalTest, TheNewestIsKeptEvenWhenReplayedResultsOutliveIt) {
  cache_options o;
  o.max_entries = 2;
  start(o, true);
  auto now = epoch_ms();
  provide(chunk({stored_record("old-1", "1", now - 2000, now + 2 * 3600 * 1000),
                 stored_record("old-2", "2", now - 1000, now + 2 * 3600 * 1000)},
                true));
  EXPECT_EQ(put_durable("new", "n").what, outcome::stored);
  EXPECT_EQ(found_text("new"), "n") << "the result just stored (and answered stored) was evicted";
  EXPECT_EQ(metrics().counters.evictions, 1u);
  EXPECT_EQ(metrics().entries, 2u);
}

// The same when the webhook lands during replay (the service's first seconds after a restart
// with a shorter TTL): the replayed results that come after it are evicted, not it.
TEST_F(CacheJournalTest, APutDuringReplayIsKeptWhenReplayedResultsOutliveIt) {
  cache_options o;
  o.max_entries = 3;
  start(o, true);
  auto now = epoch_ms();
  provide(chunk({}, false));
  auto reply = put("new", "n");
  journaled(1);
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->what, outcome::stored);
  auto hours = [now](int h) { return now + int64_t(h) * 3600 * 1000; };
  provide(chunk({stored_record("old-1", "1", now - 3000, hours(2)),
                 stored_record("old-2", "2", now - 2000, hours(3)),
                 stored_record("old-3", "3", now - 1000, hours(4))},
                true));
  EXPECT_EQ(found_text("new"), "n") << "the result stored during replay was evicted";
  EXPECT_EQ(get("old-1")->value().what, outcome::not_found);  // the soonest of the replayed
  EXPECT_EQ(found_text("old-2"), "2");
  EXPECT_EQ(found_text("old-3"), "3");
  EXPECT_EQ(metrics().counters.evictions, 1u);
}

TEST_F(CacheJournalTest, ReplayBeyondTheBoundsIsEvictedDownToThem) {
  cache_options o;
  o.max_entries = 2;
  start(o, true);
  auto now = epoch_ms();
  provide(chunk({stored_record("a", "1", now - 3000, now + 60000),
                 stored_record("b", "2", now - 2000, now + 70000),
                 stored_record("c", "3", now - 1000, now + 80000)},
                true));
  EXPECT_EQ(get("a")->value().what, outcome::not_found);
  EXPECT_EQ(found_text("b"), "2");
  EXPECT_EQ(found_text("c"), "3");
  EXPECT_EQ(metrics().counters.evictions, 1u);
  ASSERT_EQ(log_->appends.size(), 1u);  // the eviction itself is journaled
  ASSERT_EQ(log_->appends[0].changes.size(), 1u);
  EXPECT_EQ(log_->appends[0].changes[0].record.type, kind::evicted);
  EXPECT_EQ(log_->appends[0].changes[0].record.call_id, "a");
}

TEST_F(CacheJournalTest, MemoryOnlyAnswersAtOnceAndStillEvicts) {
  cache_options o;
  o.max_entries = 2;
  start_memory_only(o);
  EXPECT_FALSE(request<cache_health>(caf::ping_atom_v)->value().replaying);
  EXPECT_EQ(get("none")->value().what, outcome::not_found);  // no replay to wait for
  for (auto id : {"a", "b", "c"}) {
    auto reply = put(id, id);
    ASSERT_TRUE(reply->has_value()) << id;
    EXPECT_EQ((*reply)->what, outcome::stored);
  }
  EXPECT_EQ(note("s", "queued")->value().what, outcome::noted);  // evicts "b"
  EXPECT_EQ(del("c")->value().what, outcome::deleted);
  EXPECT_EQ(get("a")->value().what, outcome::not_found);
  EXPECT_EQ(get("b")->value().what, outcome::not_found);
  auto m = metrics();
  EXPECT_EQ(m.counters.evictions, 2u);
  EXPECT_FALSE(m.journaled);
  EXPECT_EQ(m.journal_waiting, 0u);
  auto closed = request<bool>(caf::close_atom_v);
  ASSERT_TRUE(closed->has_value());
  EXPECT_TRUE(**closed);
}

}  // namespace
