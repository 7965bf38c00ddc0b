// Tests two instances of the real binary on one redis-server (STORE=redis): what one stores the
// other serves byte for byte, deletes, statuses, stats and long-polls (single and batch) across
// instances, the key layout and TTL in Redis, a value written in the seed's shape, the key
// prefix, and a password that never reaches the log.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <set>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/shared_redis.hpp"

namespace {

using namespace std::chrono_literals;
using namespace test_support;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;

struct TwoInstances : ::testing::Test {
  redis_server redis;
  service_process a{{}, redis_env(redis, {{"CACHE_TTL_SECONDS", "600"}})};
  service_process b{{}, redis_env(redis, {{"CACHE_TTL_SECONDS", "600"}})};
  redis::connection direct = redis_connection(redis);

  void SetUp() override {
    ASSERT_TRUE(eventually([&] {  // both subscribed to the store channel
      auto n = direct.run({"PUBSUB", "NUMSUB", "vapi:stored"});
      return n.items.size() == 2 && n.items[1].integer == 2;
    }));
  }
};

TEST_F(TwoInstances, WhatOneStoresTheOtherServesAndDeletes) {
  http_client ca(a.port()), cb(b.port());
  ASSERT_EQ(ca.post_json(webhook, report("x1")).status, 200);
  auto from_a = ca.get(calls + "x1"), from_b = cb.get(calls + "x1");
  ASSERT_EQ(from_b.status, 200);
  EXPECT_EQ(from_b.body, from_a.body);
  // In Redis: the CallResult itself, with the TTL.
  EXPECT_EQ(json::parse(direct.run({"GET", "vapi:call:x1"}).text), json::parse(from_a.body)["data"]);
  auto pttl = direct.run({"PTTL", "vapi:call:x1"}).integer;
  EXPECT_GT(pttl, 595000);
  EXPECT_LE(pttl, 600000);
  auto del = cb.request("DELETE", calls + "x1");
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(json::parse(del.body)["message"], "Call result x1 deleted from cache");
  auto gone = ca.get(calls + "x1");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(json::parse(gone.body)["error"], "Call result not found");
  EXPECT_EQ(cb.request("DELETE", calls + "x1").status, 404);
}

TEST_F(TwoInstances, AStatusUpdateOnOneShowsInTheOthersNotFound) {
  http_client ca(a.port()), cb(b.port());
  json update = {{"message",
                  {{"type", "status-update"}, {"status", "in-progress"}, {"call", {{"id", "s1"}}}}}};
  ASSERT_EQ(ca.post_json(webhook, update.dump()).status, 200);
  auto miss = cb.get(calls + "s1");
  EXPECT_EQ(miss.status, 404);
  EXPECT_EQ(json::parse(miss.body)["callStatus"], "in-progress");
  ASSERT_EQ(cb.post_json(webhook, report("s1")).status, 200);
  EXPECT_EQ(ca.get(calls + "s1").status, 200);
  EXPECT_EQ(direct.run({"EXISTS", "vapi:status:s1"}).integer, 0);
}

TEST_F(TwoInstances, ALongPollOnOneIsAnsweredByAWebhookOnTheOther) {
  http_client poster(a.port());
  std::vector<double> ms;
  for (int i = 0; i < 50; ++i) {
    auto id = "lp" + std::to_string(i);
    http_client waiter(b.port());
    waiter.send_raw(get_request(calls + id + "?wait=10"));
    std::this_thread::sleep_for(20ms);  // held by now
    // From the webhook's send: B is woken by the publication in A's store, which is also
    // what A's 200 waits for, so B's answer often arrives before A's 200.
    auto sent = clock_type::now();
    ASSERT_EQ(poster.post_json(webhook, report(id)).status, 200);
    auto rsp = waiter.read_response();
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - sent).count());
    ASSERT_TRUE(rsp);
    ASSERT_EQ(rsp->status, 200);
    EXPECT_EQ(json::parse(rsp->body)["data"]["callId"], id);
  }
  std::sort(ms.begin(), ms.end());
  auto p50 = ms[ms.size() / 2], p99 = ms[ms.size() * 99 / 100];
  std::cout << "cross-instance wake-up from the webhook's send: p50 " << p50 << " ms, p99 " << p99
            << " ms, max " << ms.back() << " ms over " << ms.size() << " waits\n";
  RecordProperty("wake_p50_ms", std::to_string(p50));
  RecordProperty("wake_p99_ms", std::to_string(p99));
  EXPECT_LT(p99, 2000);  // a bound for a loaded CI machine; README gives the measured figures
}

TEST_F(TwoInstances, BatchWaitsAnyAndAllAcrossInstances) {
  http_client any(b.port()), all(b.port()), poster(a.port());
  any.send_raw(get_request("/api/v1/vapi/calls?ids=b1,b2&wait=10&mode=any"));
  all.send_raw(get_request("/api/v1/vapi/calls?ids=b1,b2&wait=10&mode=all"));
  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(poster.post_json(webhook, report("b2")).status, 200);
  auto first = any.read_response();
  ASSERT_TRUE(first);
  auto body = json::parse(first->body);
  EXPECT_TRUE(body["data"]["b1"].is_null()) << first->body;
  EXPECT_EQ(body["data"]["b2"]["callId"], "b2") << first->body;
  EXPECT_FALSE(all.closed_by_server(300));  // still held: b1 has not arrived
  ASSERT_EQ(poster.post_json(webhook, report("b1")).status, 200);
  auto both = all.read_response();
  ASSERT_TRUE(both);
  auto done = json::parse(both->body);
  EXPECT_EQ(done["data"]["b1"]["callId"], "b1") << both->body;
  EXPECT_EQ(done["data"]["b2"]["callId"], "b2") << both->body;
}

TEST_F(TwoInstances, StatsOnOneListWhatTheOtherStoredPageByPage) {
  http_client ca(a.port()), cb(b.port());
  std::set<std::string> want;
  for (int i = 0; i < 25; ++i) {
    auto id = "st" + std::to_string(i);
    ASSERT_EQ(ca.post_json(webhook, report(id)).status, 200);
    want.insert(id);
  }
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count();
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 30; ++page) {
    auto rsp = cb.get(stats + "?limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(rsp.status, 200) << rsp.body;
    auto s = json::parse(rsp.body)["stats"];
    EXPECT_EQ(s["size"], 25);
    for (auto& e : s["entries"]) {
      seen.insert(e["callId"].get<std::string>());
      EXPECT_EQ(e["expiresAt"].get<int64_t>() - e["timestamp"].get<int64_t>(), 600000);
      EXPECT_NEAR(double(e["expiresAt"].get<int64_t>()), double(now_ms + 600000), 10000);
    }
    if (s["nextCursor"].is_null())
      break;
    cursor = s["nextCursor"].get<std::string>();
  }
  EXPECT_EQ(seen, want);
}

TEST_F(TwoInstances, AValueWrittenInTheSeedsShapeIsServed) {
  direct.run({"SETEX", "vapi:call:seed-1", "1800",
              R"({"status":"completed","callId":"seed-1","transcript":"hi"})"});
  http_client cb(b.port());
  auto rsp = cb.get(calls + "seed-1");
  ASSERT_EQ(rsp.status, 200);
  EXPECT_EQ(rsp.body,
            R"({"success":true,"data":{"status":"completed","callId":"seed-1","transcript":"hi"}})");
}

TEST(SharedRedis, TheKeyPrefixIsUsedAndThePasswordNeverLogged) {
  redis_server redis({"--requirepass", "pw-S3cr3t"});
  auto url = "redis://:pw-S3cr3t@127.0.0.1:" + std::to_string(redis.port()) + "/3";
  service_process svc({}, redis_env(redis, {{"REDIS_URL", url}, {"REDIS_KEY_PREFIX", "t1:"}}));
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, report("p1")).status, 200);
  EXPECT_EQ(c.get(calls + "p1").status, 200);
  auto direct = redis::connection::open(*redis::parse_url(url).ok, 2s);
  EXPECT_EQ(direct.run({"EXISTS", "t1:call:p1"}).integer, 1);
  EXPECT_EQ(direct.run({"EXISTS", "vapi:call:p1"}).integer, 0);
  EXPECT_EQ(c.get("/health").body, R"({"success":true,"status":"ok","journal":"ok","store":"redis"})");
  EXPECT_EQ(svc.stop(SIGTERM), 0);
  auto log = svc.log_text();
  EXPECT_EQ(log.find("pw-S3cr3t"), std::string::npos);
  EXPECT_NE(log.find("redis://:***@127.0.0.1"), std::string::npos) << log;
  // A wrong password: the service runs, says why, and still never shows it.
  service_process wrong({}, redis_env(redis, {{"REDIS_URL", "redis://:not-it-pw@127.0.0.1:" +
                                                               std::to_string(redis.port())}}));
  http_client w(wrong.port());
  ASSERT_TRUE(eventually([&] { return w.get("/ready").status == 503; }));
  EXPECT_EQ(w.get(calls + "p1").status, 503);
  EXPECT_EQ(wrong.log_text().find("not-it-pw"), std::string::npos);
}

}  // namespace
