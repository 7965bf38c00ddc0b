// Tests actors/redis_store*.cpp and actors/redis_outbox.cpp on a real actor system against a
// real redis-server: the cache's messages answered from Redis, two stores (two instances) on
// one Redis waking each other's long-polls, the outbox while Redis is away (acknowledged,
// written in order once it is back, a later delete kept), and stats paged with SCAN.
#include "actors/redis_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <future>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "redis/connection.hpp"
#include "tests/support/redis_server.hpp"

namespace {

using namespace std::chrono_literals;
using namespace vapi_cache;

std::string get_body(const std::string& id, const std::string& extra = "") {
  return R"({"success":true,"data":{"callId":")" + id + R"(","status":"completed")" + extra +
         "}}";
}

struct StoreTest : ::testing::Test {
  test_support::redis_server server;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  redis::connection direct = open();

  redis::connection open() {
    std::signal(SIGPIPE, SIG_IGN);
    return redis::connection::open(*redis::parse_url(server.url()).ok, 2000ms);
  }

  cache_actor store(std::chrono::milliseconds ttl = 60s) {
    redis_store_options o;
    o.ttl = ttl;
    o.link.where = *redis::parse_url(server.url()).ok;
    o.link.timeout = 500ms;
    o.link.min_backoff = 50ms;
    o.link.max_backoff = 200ms;
    o.subscriber.where = o.link.where;
    o.subscriber.timeout = 500ms;
    o.subscriber.min_backoff = 50ms;
    o.subscriber.max_backoff = 200ms;
    o.tick = 50ms;
    cache_actor a = spawn_redis_store(sys, o);
    started.push_back(a);
    return a;
  }
  std::vector<cache_actor> started;
  ~StoreTest() override {
    for (auto& a : started)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  template <class... Ts>
  answer ask(const cache_actor& a, Ts&&... xs) {
    auto p = std::make_shared<std::promise<answer>>();
    auto f = p->get_future();
    caf::anon_send(a, std::forward<Ts>(xs)..., reply_fn([p](answer x) { p->set_value(x); }));
    if (f.wait_for(5s) != std::future_status::ready)
      throw std::runtime_error("the store did not answer within 5 s");
    return f.get();
  }
  answer put(const cache_actor& a, const std::string& id, const std::string& body) {
    return ask(a, caf::put_atom_v, id, stored_body::make(body));
  }
  answer get(const cache_actor& a, const std::string& id) {
    return ask(a, caf::get_atom_v, id);
  }
  std::future<wait_answer> wait(const cache_actor& a, std::vector<std::string> ids, bool any,
                                std::chrono::milliseconds timeout) {
    auto p = std::make_shared<std::promise<wait_answer>>();
    auto f = p->get_future();
    wait_request req{std::move(ids), timeout, any, 0};
    caf::anon_send(a, wait_atom_v, req, wait_reply_fn([p](wait_answer x) { p->set_value(x); }));
    return f;
  }
  cache_health health(const cache_actor& a) {
    caf::scoped_actor self{sys};
    cache_health h;
    self->request(a, 5s, caf::ping_atom_v).receive([&](cache_health& x) { h = x; },
                                                    [](caf::error&) { FAIL(); });
    return h;
  }
  // Polls `ok` every 20 ms for up to `limit`.
  template <class F>
  bool eventually(F ok, std::chrono::milliseconds limit = 10s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (ok())
        return true;
      std::this_thread::sleep_for(20ms);
    }
    return ok();
  }
};

TEST_F(StoreTest, AResultIsStoredAsTheCallResultReadAndDeleted) {
  auto s = store();
  EXPECT_EQ(put(s, "c1", get_body("c1")).what, outcome::stored);
  EXPECT_EQ(direct.run({"GET", "vapi:call:c1"}).text, R"({"callId":"c1","status":"completed"})");
  EXPECT_GT(direct.run({"PTTL", "vapi:call:c1"}).integer, 59000);
  auto found = get(s, "c1");
  ASSERT_EQ(found.what, outcome::found);
  EXPECT_EQ(found.body->text(), get_body("c1"));
  EXPECT_EQ(ask(s, caf::delete_atom_v, std::string("c1")).what, outcome::deleted);
  EXPECT_EQ(get(s, "c1").what, outcome::not_found);
  EXPECT_EQ(ask(s, caf::delete_atom_v, std::string("c1")).what, outcome::not_found);
}

TEST_F(StoreTest, AStatusShowsUntilTheResultArrivesAndNeverAfter) {
  auto s = store();
  EXPECT_EQ(ask(s, status_atom_v, std::string("c2"), call_progress{"ringing", ""}).what,
            outcome::noted);
  auto miss = get(s, "c2");
  EXPECT_EQ(miss.what, outcome::not_found);
  ASSERT_TRUE(miss.progress);
  EXPECT_EQ(miss.progress->status, "ringing");
  put(s, "c2", get_body("c2"));
  ask(s, status_atom_v, std::string("c2"), call_progress{"ended", "customer-busy"});
  EXPECT_EQ(get(s, "c2").what, outcome::found);
  EXPECT_EQ(direct.run({"EXISTS", "vapi:status:c2"}).integer, 0);
}

TEST_F(StoreTest, ASeedWrittenValueIsServedAndOneThatIsNoObjectIsNot) {
  auto s = store();
  direct.run({"SETEX", "vapi:call:seed", "1800", R"({"callId":"seed"})"});
  auto found = get(s, "seed");
  ASSERT_EQ(found.what, outcome::found);
  EXPECT_EQ(found.body->text(), R"({"success":true,"data":{"callId":"seed"}})");
  direct.run({"SET", "vapi:call:junk", "not json"});
  EXPECT_EQ(get(s, "junk").what, outcome::not_found);
  direct.run({"RPUSH", "vapi:call:list", "x"});  // a key of another type: no crash
  EXPECT_EQ(get(s, "list").what, outcome::not_found);
}

TEST_F(StoreTest, AWaitHeldByOneInstanceIsAnsweredByAStoreOnAnother) {
  auto a = store(), b = store();
  ASSERT_TRUE(eventually([&] {  // both subscribed
    return direct.run({"PUBSUB", "NUMSUB", "vapi:stored"}).items.at(1).integer == 2;
  }));
  auto held = wait(b, {"w1"}, false, 10s);
  std::this_thread::sleep_for(100ms);  // let it be held before the store
  auto t0 = std::chrono::steady_clock::now();
  put(a, "w1", get_body("w1"));
  ASSERT_EQ(held.wait_for(5s), std::future_status::ready);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
  auto got = held.get();
  ASSERT_EQ(got.what, outcome::waited);
  ASSERT_TRUE(got.results.at(0).body);
  EXPECT_EQ(got.results[0].body->text(), get_body("w1"));
  RecordProperty("cross_instance_wake_ms", std::to_string(ms.count()));

  // Batches: any completes at the first arrival, all at the last, across instances.
  auto any = wait(b, {"x1", "x2"}, true, 10s);
  auto all = wait(b, {"x1", "x2"}, false, 10s);
  std::this_thread::sleep_for(100ms);
  put(a, "x2", get_body("x2"));
  ASSERT_EQ(any.wait_for(5s), std::future_status::ready);
  auto first = any.get();
  EXPECT_FALSE(first.results.at(0).body);
  EXPECT_TRUE(first.results.at(1).body);
  EXPECT_EQ(all.wait_for(200ms), std::future_status::timeout);
  put(a, "x1", get_body("x1"));
  ASSERT_EQ(all.wait_for(5s), std::future_status::ready);
  auto both = all.get();
  EXPECT_TRUE(both.results.at(0).body && both.results.at(1).body);
}

TEST_F(StoreTest, AWaitEndsWithTheLastStatusOfWhatDidNotArrive) {
  auto s = store();
  ask(s, status_atom_v, std::string("t1"), call_progress{"in-progress", ""});
  auto w = wait(s, {"t1"}, false, 300ms);
  ASSERT_EQ(w.wait_for(5s), std::future_status::ready);
  auto got = w.get();
  ASSERT_EQ(got.what, outcome::waited);
  EXPECT_FALSE(got.results.at(0).body);
  ASSERT_TRUE(got.results[0].progress);
  EXPECT_EQ(got.results[0].progress->status, "in-progress");
}

TEST_F(StoreTest, WhileRedisIsAwayWritesAreKeptAndReadsRefusedThenAllIsWrittenInOrder) {
  auto s = store();
  ASSERT_TRUE(eventually([&] { return health(s).store_up; }));
  put(s, "before", get_body("before"));
  server.kill(SIGKILL);
  EXPECT_EQ(put(s, "o1", get_body("o1")).what, outcome::stored);
  EXPECT_EQ(put(s, "o2", get_body("o2")).what, outcome::stored);
  EXPECT_EQ(put(s, "gone", get_body("gone")).what, outcome::stored);
  EXPECT_EQ(ask(s, caf::delete_atom_v, std::string("gone")).what, outcome::deleted);
  EXPECT_EQ(ask(s, caf::delete_atom_v, std::string("before")).what,
            outcome::store_unavailable);  // only Redis knows whether it is there
  EXPECT_EQ(get(s, "o1").what, outcome::store_unavailable);
  auto h = health(s);
  EXPECT_FALSE(h.store_up);
  EXPECT_FALSE(h.store_error.empty());
  EXPECT_EQ(h.outbox, 4u);
  server.start();  // empty: no persistence in this test
  direct = open();
  ASSERT_TRUE(eventually([&] { return health(s).outbox == 0; }));
  EXPECT_TRUE(health(s).store_up);
  EXPECT_EQ(direct.run({"EXISTS", "vapi:call:o1"}).integer, 1);
  EXPECT_EQ(direct.run({"EXISTS", "vapi:call:o2"}).integer, 1);
  EXPECT_EQ(direct.run({"EXISTS", "vapi:call:gone"}).integer, 0);  // its delete came after
  EXPECT_EQ(get(s, "o2").body->text(), get_body("o2"));
  EXPECT_EQ(get(s, "gone").what, outcome::not_found);
}

TEST_F(StoreTest, StatsPageThroughEveryResultWithScan) {
  auto s = store(60s);
  std::set<std::string> want;
  for (int i = 0; i < 30; ++i) {
    auto id = "s" + std::to_string(i);
    put(s, id, get_body(id));
    want.insert(id);
  }
  ask(s, status_atom_v, std::string("status-only"), call_progress{"queued", ""});
  std::set<std::string> seen;
  std::optional<stats_cursor> after;
  for (int page = 0; page < 40; ++page) {
    auto a = ask(s, stats_atom_v, stats_request{10, after});
    ASSERT_EQ(a.what, outcome::listed);
    auto body = nlohmann::json::parse(a.body->text());
    EXPECT_EQ(body["stats"]["size"], 30);
    for (auto& e : body["stats"]["entries"]) {
      seen.insert(e["callId"].get<std::string>());
      auto ttl = e["expiresAt"].get<int64_t>() - e["timestamp"].get<int64_t>();
      EXPECT_EQ(ttl, 60000);
    }
    if (body["stats"]["nextCursor"].is_null())
      break;
    after = parse_cursor(body["stats"]["nextCursor"].get<std::string>());
    ASSERT_TRUE(after);
  }
  EXPECT_EQ(seen, want);
  auto counts = nlohmann::json::parse(ask(s, stats_atom_v, stats_request{0, {}}).body->text());
  EXPECT_EQ(counts["stats"]["size"], 30);
  EXPECT_TRUE(counts["stats"]["entries"].empty());
}

}  // namespace
