// Tests actors/cache_actor.cpp on CAF's test coordinator: delayed messages fire when the test
// advances the clock, so expiry is checked to the millisecond without sleeping.
#include "actors/cache_actor.hpp"

#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>

namespace {

using namespace std::chrono_literals;
using vapi_cache::answer;
using vapi_cache::body_ptr;
using vapi_cache::outcome;
using vapi_cache::reply_fn;

constexpr auto ttl = std::chrono::minutes(30);

body_ptr body(const std::string& text) { return vapi_cache::stored_body::make(text); }

caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

class CacheActorTest : public ::testing::Test {
 protected:
  CacheActorTest()
    : sys_(testing_config(cfg_)),
      sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())),
      cache_(vapi_cache::spawn_cache(sys_, ttl)) {
    sched_.run();
  }

  // Without an exit and one more run, the actor system would wait for the cache forever.
  ~CacheActorTest() override {
    caf::anon_send_exit(cache_, caf::exit_reason::user_shutdown);
    sched_.run();
  }

  // Sends xs... plus a reply_fn, runs the actor and returns its answer.
  template <class... Ts>
  answer ask(Ts&&... xs) {
    std::optional<answer> got;
    caf::anon_send(cache_, std::forward<Ts>(xs)..., reply_fn([&](answer a) { got = a; }));
    sched_.run();
    EXPECT_TRUE(got.has_value()) << "the cache did not answer";
    return got.value_or(answer{outcome::not_found, nullptr});
  }

  answer put(const std::string& id, const std::string& text) {
    return ask(caf::put_atom_v, id, body(text));
  }
  answer get(const std::string& id) { return ask(caf::get_atom_v, id); }
  answer del(const std::string& id) { return ask(caf::delete_atom_v, id); }
  nlohmann::json stats(vapi_cache::stats_request req = {}) {
    return nlohmann::json::parse(ask(vapi_cache::stats_atom_v, req).body->text());
  }

  void advance(caf::timespan t) {
    sched_.advance_time(t);
    sched_.run();
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  vapi_cache::cache_actor cache_;
};

TEST_F(CacheActorTest, StoredResultIsFoundUntilItsTtl) {
  EXPECT_EQ(put("call-1", R"({"v":1})").what, outcome::stored);
  auto found = get("call-1");
  ASSERT_EQ(found.what, outcome::found);
  EXPECT_EQ(found.body->text(), R"({"v":1})");
  EXPECT_EQ(get("call-2").what, outcome::not_found);
}

TEST_F(CacheActorTest, ExpiresAtExactlyTheTtl) {
  put("call-1", "a");
  advance(ttl - 1ms);
  EXPECT_EQ(get("call-1").what, outcome::found);
  advance(1ms);
  EXPECT_EQ(get("call-1").what, outcome::not_found);
  EXPECT_EQ(stats()["stats"]["size"], 0);
}

TEST_F(CacheActorTest, RedeliveryRestartsTtlAndOldTimerIsIgnored) {
  put("call-1", R"({"v":1})");
  advance(20min);
  put("call-1", R"({"v":2})");
  advance(10min);  // the first expiry fires here and must be ignored
  auto found = get("call-1");
  ASSERT_EQ(found.what, outcome::found);
  EXPECT_EQ(found.body->text(), R"({"v":2})");
  advance(20min - 1ms);
  EXPECT_EQ(get("call-1").what, outcome::found);
  advance(1ms);  // 30 minutes after the second store
  EXPECT_EQ(get("call-1").what, outcome::not_found);
}

TEST_F(CacheActorTest, DeleteThenRepostSurvivesTheOldTimer) {
  put("call-1", "first");
  advance(10min);
  EXPECT_EQ(del("call-1").what, outcome::deleted);
  EXPECT_EQ(get("call-1").what, outcome::not_found);
  put("call-1", "second");
  advance(20min);  // the first store's expiry fires at 30 min: stale, ignored
  auto found = get("call-1");
  ASSERT_EQ(found.what, outcome::found);
  EXPECT_EQ(found.body->text(), "second");
  advance(10min);  // 30 minutes after the re-post
  EXPECT_EQ(get("call-1").what, outcome::not_found);
}

TEST_F(CacheActorTest, DeleteOfUnknownCallIsNotFound) {
  EXPECT_EQ(del("nobody").what, outcome::not_found);
  put("call-1", "a");
  EXPECT_EQ(del("call-1").what, outcome::deleted);
  EXPECT_EQ(del("call-1").what, outcome::not_found);
}

TEST_F(CacheActorTest, ExpiryTimerAfterDeleteDoesNothing) {
  put("call-1", "a");
  del("call-1");
  advance(ttl);
  EXPECT_EQ(get("call-1").what, outcome::not_found);
  EXPECT_EQ(stats()["stats"]["size"], 0);
}

TEST_F(CacheActorTest, EntriesExpireOneByOneInTheirOwnTime) {
  for (int i = 0; i < 100; ++i) {
    put("call-" + std::to_string(i), std::to_string(i));
    advance(1s);
  }
  // call-i was stored at i seconds; now is 100 s. Move to just before call-0 expires.
  advance(ttl - 100s - 1ms);
  EXPECT_EQ(stats()["stats"]["size"], 100);
  for (int i = 0; i < 100; ++i) {
    advance(1ms);
    EXPECT_EQ(get("call-" + std::to_string(i)).what, outcome::not_found) << i;
    if (i + 1 < 100) {
      EXPECT_EQ(get("call-" + std::to_string(i + 1)).what, outcome::found) << i + 1;
    }
    advance(1s - 1ms);
  }
}

TEST_F(CacheActorTest, StatsListEveryEntryWithItsTimes) {
  put("call-b", "b");
  advance(5s);
  put("call-a", "a");
  auto s = stats();
  EXPECT_EQ(s["success"], true);
  ASSERT_EQ(s["stats"]["size"], 2);
  const auto& entries = s["stats"]["entries"];
  ASSERT_EQ(entries.size(), 2u);
  for (const auto& e : entries) {
    EXPECT_EQ(e.size(), 3u);
    EXPECT_EQ(e["expiresAt"].get<int64_t>() - e["timestamp"].get<int64_t>(),
              std::chrono::milliseconds(ttl).count());
    EXPECT_GT(e["timestamp"].get<int64_t>(), 1700000000000);  // epoch milliseconds
  }
  // Oldest store first; both were stored within the same wall-clock moment or in order.
  EXPECT_LE(entries[0]["timestamp"].get<int64_t>(), entries[1]["timestamp"].get<int64_t>());
}

TEST_F(CacheActorTest, StatsOfAnEmptyCacheStartWithTheSeedShape) {
  auto body = ask(vapi_cache::stats_atom_v, vapi_cache::stats_request{}).body->text();
  EXPECT_EQ(body.rfind(R"({"success":true,"stats":{"size":0,"entries":[],"nextCursor":null,)", 0),
            0u)
    << body;
}

TEST_F(CacheActorTest, StatsEscapeOddCallIds) {
  put("quote\"back\\slash\nnewline", "x");
  auto s = stats();
  EXPECT_EQ(s["stats"]["entries"][0]["callId"], "quote\"back\\slash\nnewline");
}

TEST_F(CacheActorTest, PollsShareTheStoredBytesInsteadOfCopyingThem) {
  put("call-1", std::string(100000, 'x'));
  auto first = get("call-1");
  auto second = get("call-1");
  EXPECT_EQ(first.body.get(), second.body.get());
}

}  // namespace

// Call statuses (status-update messages): known until the result arrives, expiring like results.
class CacheStatusTest : public CacheActorTest {
 protected:
  answer note(const std::string& id, const std::string& status, const std::string& reason = "") {
    return ask(vapi_cache::status_atom_v, id, vapi_cache::call_progress{status, reason});
  }
};

TEST_F(CacheStatusTest, MissReportsTheLastStatus) {
  EXPECT_EQ(get("call-1").progress, std::nullopt);  // never heard of it
  EXPECT_EQ(note("call-1", "ringing").what, outcome::noted);
  EXPECT_EQ(note("call-1", "in-progress").what, outcome::noted);
  auto miss = get("call-1");
  EXPECT_EQ(miss.what, outcome::not_found);
  ASSERT_TRUE(miss.progress.has_value());
  EXPECT_EQ(miss.progress->status, "in-progress");
  EXPECT_EQ(miss.progress->ended_reason, "");
  note("call-1", "ended", "customer-ended-call");
  miss = get("call-1");
  ASSERT_TRUE(miss.progress.has_value());
  EXPECT_EQ(miss.progress->status, "ended");
  EXPECT_EQ(miss.progress->ended_reason, "customer-ended-call");
  EXPECT_EQ(stats()["stats"]["size"], 0);  // statuses are not results
}

TEST_F(CacheStatusTest, ResultWinsOverEveryStatus) {
  note("call-1", "in-progress");
  put("call-1", "result");
  note("call-1", "ended", "customer-ended-call");  // arrives after the report: ignored
  auto hit = get("call-1");
  ASSERT_EQ(hit.what, outcome::found);
  EXPECT_EQ(hit.body->text(), "result");
  del("call-1");
  EXPECT_EQ(get("call-1").progress, std::nullopt);  // the late status was not kept either
}

TEST_F(CacheStatusTest, StatusExpiresAtTheTtlOfItsLatestUpdate) {
  note("call-1", "queued");
  advance(ttl / 2);
  note("call-1", "in-progress");  // restarts the status's TTL
  advance(ttl / 2);               // the first update's timer fires: stale, ignored
  ASSERT_TRUE(get("call-1").progress.has_value());
  advance(ttl / 2 - 1ms);
  EXPECT_TRUE(get("call-1").progress.has_value());
  advance(1ms);
  EXPECT_EQ(get("call-1").progress, std::nullopt);
}

TEST_F(CacheStatusTest, StaleStatusTimerNeverRemovesAResult) {
  note("call-1", "ringing");
  advance(ttl / 2);
  put("call-1", "result");  // its own TTL starts now
  advance(ttl / 2);         // the status's timer fires
  EXPECT_EQ(get("call-1").what, outcome::found);
  advance(ttl / 2);
  EXPECT_EQ(get("call-1").what, outcome::not_found);
}

TEST_F(CacheStatusTest, DeleteForgetsTheStatus) {
  note("call-1", "in-progress");
  EXPECT_EQ(del("call-1").what, outcome::not_found);  // there was no result to delete
  EXPECT_EQ(get("call-1").progress, std::nullopt);
}

// Long-polls: held by the actor, answered by a store or by their own timer.
class CacheWaitTest : public CacheActorTest {
 protected:
  using wait_answer = vapi_cache::wait_answer;

  // Sends a wait and runs the actor; the answer, if any yet, lands in the returned slot.
  std::shared_ptr<std::optional<wait_answer>> wait(std::vector<std::string> ids,
                                                   caf::timespan timeout, bool any = false) {
    auto slot = std::make_shared<std::optional<wait_answer>>();
    caf::anon_send(cache_, vapi_cache::wait_atom_v,
                   vapi_cache::wait_request{std::move(ids), timeout, any},
                   vapi_cache::wait_reply_fn([slot](wait_answer a) { *slot = std::move(a); }));
    sched_.run();
    return slot;
  }
};

TEST_F(CacheWaitTest, CachedResultAnswersAtOnce) {
  put("c1", "r1");
  auto got = wait({"c1"}, 10s);
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->what, outcome::waited);
  EXPECT_EQ((*got)->results.at(0).body->text(), "r1");
}

TEST_F(CacheWaitTest, StoreAnswersTheWaiterAndTimeoutAnswersAt404Time) {
  auto answered = wait({"c1"}, 10s);
  auto timed_out = wait({"c2"}, 10s);
  EXPECT_FALSE(*answered);
  put("c1", "r1");
  ASSERT_TRUE(*answered);
  EXPECT_EQ((*answered)->results.at(0).body->text(), "r1");
  advance(10s - 1ms);
  EXPECT_FALSE(*timed_out);
  advance(1ms);
  ASSERT_TRUE(*timed_out);
  EXPECT_EQ((*timed_out)->results.at(0).body, nullptr);
}

TEST_F(CacheWaitTest, TimedOutWaiterCarriesTheCallStatus) {
  ask(vapi_cache::status_atom_v, std::string("c1"), vapi_cache::call_progress{"in-progress", ""});
  auto got = wait({"c1"}, 1s);
  advance(1s);
  ASSERT_TRUE(*got);
  ASSERT_TRUE((*got)->results.at(0).progress);
  EXPECT_EQ((*got)->results.at(0).progress->status, "in-progress");
}

TEST_F(CacheWaitTest, DeleteAndExpiryWakeNobody) {
  put("c1", "old");
  advance(ttl);  // expired
  auto got = wait({"c1"}, 10s);
  del("c1");
  EXPECT_FALSE(*got);
  put("c1", "new");
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->results.at(0).body->text(), "new");
}

TEST_F(CacheWaitTest, ZeroTimeoutAnswersAtOnceWithWhatIsThere) {
  put("a", "A");
  auto got = wait({"a", "b"}, caf::timespan::zero());
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->results.at(0).body->text(), "A");
  EXPECT_EQ((*got)->results.at(1).body, nullptr);
}

TEST_F(CacheWaitTest, PastTheBoundAWaitIsBusy) {
  // This fixture's cache holds at most 10,000 waiters.
  std::vector<std::shared_ptr<std::optional<wait_answer>>> held;
  for (int i = 0; i < 10000; ++i)
    held.push_back(wait({"c" + std::to_string(i)}, 30s));
  auto refused = wait({"one-more"}, 30s);
  ASSERT_TRUE(*refused);
  EXPECT_EQ((*refused)->what, outcome::busy);
  advance(30s);  // every held one times out, freeing room
  for (const auto& h : held)
    ASSERT_TRUE(*h);
  auto again = wait({"one-more"}, 30s);
  EXPECT_FALSE(*again);
  put("one-more", "r");
  EXPECT_TRUE(*again);
}

TEST_F(CacheWaitTest, ShutdownReleaseAnswersEveryWaiter) {
  auto a = wait({"a"}, 30s);
  auto b = wait({"b", "c"}, 30s, true);
  caf::anon_send(cache_, vapi_cache::wait_over_atom_v);
  sched_.run();
  EXPECT_TRUE(*a);
  EXPECT_TRUE(*b);
}

// What the cache counts about itself (actors/cache_metrics.hpp), asked as the probe asks.
class CacheCountersTest : public CacheWaitTest {
 protected:
  vapi_cache::cache_metrics metrics() {
    std::optional<vapi_cache::cache_metrics> got;
    auto sent = sys_.clock().now().time_since_epoch();
    sys_.spawn([&](caf::event_based_actor* self) {
      self->request(cache_, caf::infinite, vapi_cache::metrics_atom_v,
                    static_cast<int64_t>(
                      std::chrono::duration_cast<std::chrono::nanoseconds>(sent).count()))
        .then([&](const vapi_cache::cache_metrics& m) { got = m; });
    });
    sched_.run();
    EXPECT_TRUE(got.has_value()) << "the cache did not answer";
    return got.value_or(vapi_cache::cache_metrics{});
  }
};

TEST_F(CacheCountersTest, EveryEventIsCountedOnce) {
  put("a", "12345");
  put("b", "123");
  put("a", "1234567");  // a re-delivery
  get("a");
  get("a");
  get("nope");
  del("b");
  del("b");  // already gone: not a delete
  ask(vapi_cache::status_atom_v, std::string("c"), vapi_cache::call_progress{"ringing", ""});
  auto m = metrics();
  EXPECT_EQ(m.counters.cached, 3u);
  EXPECT_EQ(m.counters.replaced, 1u);
  EXPECT_EQ(m.counters.hits, 2u);
  EXPECT_EQ(m.counters.misses, 1u);
  EXPECT_EQ(m.counters.deleted, 1u);
  EXPECT_EQ(m.counters.expired, 0u);
  EXPECT_EQ(m.counters.status_updates, 1u);
  EXPECT_EQ(m.entries, 1u);
  EXPECT_EQ(m.stored_bytes, 7u);  // "1234567": the replaced body no longer counts
  EXPECT_EQ(m.call_statuses, 1u);
  EXPECT_EQ(m.mailbox, 0u);
  // 9 messages before this one, and this one.
  EXPECT_EQ(m.counters.messages_processed, 10u);
}

TEST_F(CacheCountersTest, ExpiryIsCountedOnlyWhenItRemovesAResult) {
  put("a", "x");
  advance(ttl / 2);
  put("a", "y");  // the first timer is now stale
  advance(ttl / 2);
  EXPECT_EQ(metrics().counters.expired, 0u);
  advance(ttl / 2);
  auto m = metrics();
  EXPECT_EQ(m.counters.expired, 1u);
  EXPECT_EQ(m.entries, 0u);
  EXPECT_EQ(m.stored_bytes, 0u);
}

TEST_F(CacheCountersTest, FirstRetrievalIsTimedOnceFromTheStore) {
  put("a", "x");
  advance(3s);
  get("a");
  advance(100s);
  get("a");  // not a first retrieval
  const auto& h = metrics().counters.first_retrieval;
  EXPECT_EQ(h.count(), 1u);
  EXPECT_DOUBLE_EQ(h.sum(), 3.0);
  // 3 s falls in the bucket of le=5 (bounds 0.1, 0.5, 1, 2, 5, ...).
  EXPECT_EQ(h.counts().at(4), 1u);
}

TEST_F(CacheCountersTest, LongPollsAreCountedByHowTheyEnd) {
  put("ready", "r");
  wait({"ready"}, 10s);          // answered at once
  auto later = wait({"x"}, 10s);  // answered by a store
  auto never = wait({"y"}, 10s);  // times out
  auto m = metrics();
  EXPECT_EQ(m.waiters, 2u);
  put("x", "X");
  advance(10s);
  ASSERT_TRUE(*later && *never);
  auto at_shutdown = wait({"z"}, 10s);
  caf::anon_send(cache_, vapi_cache::wait_over_atom_v);
  sched_.run();
  m = metrics();
  EXPECT_EQ(m.counters.waits_answered, 2u);
  EXPECT_EQ(m.counters.waits_timed_out, 1u);
  EXPECT_EQ(m.counters.waits_released, 1u);
  EXPECT_EQ(m.counters.waits_refused, 0u);
  EXPECT_EQ(m.waiters, 0u);
  // Each id answered is a lookup: ready and x were hits; y and z misses.
  EXPECT_EQ(m.counters.hits, 2u);
  EXPECT_EQ(m.counters.misses, 2u);
  // x was waited for from before it was stored: its first retrieval took no time.
  EXPECT_EQ(m.counters.first_retrieval.count(), 2u);
  EXPECT_DOUBLE_EQ(m.counters.first_retrieval.sum(), 0.0);
}

TEST_F(CacheCountersTest, StatsCarryTheCountersAndTheActorSystem) {
  put("a", "12");
  get("a");
  get("b");
  advance(2s);
  auto s = stats()["stats"];
  EXPECT_EQ(s["counters"]["stored"], 1);
  EXPECT_EQ(s["counters"]["hits"], 1);
  EXPECT_EQ(s["counters"]["misses"], 1);
  EXPECT_EQ(s["storedBytes"], 2);
  EXPECT_EQ(s["actorSystem"]["runningActors"], 1);  // the cache alone in this test
  EXPECT_EQ(s["actorSystem"]["cacheMailbox"], 0);
  EXPECT_EQ(s["actorSystem"]["messagesProcessed"], 4);  // put, get, get, and this stats
  EXPECT_DOUBLE_EQ(s["actorSystem"]["uptimeSeconds"].get<double>(), 2.0);
  EXPECT_GE(s["actorSystem"]["workers"].get<int>(), 1);
}

TEST_F(CacheCountersTest, StatsPagesWalkEveryEntryOnce) {
  // Stored within the same wall-clock millisecond or in order; either way (time, id) orders
  // them as stored.
  for (int i = 0; i < 5; ++i)
    put("call-" + std::to_string(i), "x");
  std::vector<std::string> seen;
  vapi_cache::stats_request req;
  req.limit = 2;
  for (int page = 0; page < 5; ++page) {
    auto s = stats(req)["stats"];
    EXPECT_EQ(s["size"], 5);
    for (const auto& e : s["entries"])
      seen.push_back(e["callId"]);
    if (s["nextCursor"].is_null())
      break;
    req.after = vapi_cache::parse_cursor(s["nextCursor"].get<std::string>());
    ASSERT_TRUE(req.after);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"call-0", "call-1", "call-2", "call-3", "call-4"}));
}

TEST_F(CacheCountersTest, AWaitWhoseClientLeftIsDroppedUnansweredAndFreesItsSlot) {
  auto send_wait = [&](const std::string& id, uint64_t ticket) {
    auto slot = std::make_shared<std::optional<vapi_cache::wait_answer>>();
    vapi_cache::wait_request req{{id}, 30s, false, ticket};
    caf::anon_send(cache_, vapi_cache::wait_atom_v, std::move(req),
                   vapi_cache::wait_reply_fn([slot](vapi_cache::wait_answer a) { *slot = a; }));
    sched_.run();
    return slot;
  };
  auto left = send_wait("a", 7);
  auto stays = send_wait("a", 8);
  EXPECT_EQ(metrics().waiters, 2u);
  caf::anon_send(cache_, vapi_cache::wait_gone_atom_v, std::vector<uint64_t>{7, 99});
  sched_.run();
  auto m = metrics();
  EXPECT_EQ(m.waiters, 1u);
  EXPECT_EQ(m.counters.waits_abandoned, 1u);
  put("a", "A");
  EXPECT_FALSE(*left);  // never answered: its client is gone
  ASSERT_TRUE(*stays);
  // A ticket whose wait was answered is ignored.
  caf::anon_send(cache_, vapi_cache::wait_gone_atom_v, std::vector<uint64_t>{8});
  sched_.run();
  EXPECT_EQ(metrics().counters.waits_abandoned, 1u);
}
