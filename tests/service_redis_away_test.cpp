// Tests the real binary (STORE=redis) while Redis goes away: webhooks are still acknowledged
// and kept in the outbox, reads answer 503 with Retry-After, /ready is 503 and /health says
// why; once Redis is back every acknowledged result is readable through either instance. Also:
// starting without Redis, and an outbox that outlives a restart of the service.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/shared_redis.hpp"

namespace {

using namespace std::chrono_literals;
using namespace test_support;
using nlohmann::json;

// Redis with its append-only file synced on every write: what it acknowledged survives SIGKILL.
std::vector<std::string> durable_redis() {
  return {"--appendonly", "yes", "--appendfsync", "always"};
}

TEST(RedisAway, EveryWebhookAcknowledgedDuringAnOutageIsReadableAfterIt) {
  redis_server redis(durable_redis());
  service_process a({}, redis_env(redis)), b({}, redis_env(redis));
  std::atomic<bool> stop{false};
  std::atomic<int> next{0};
  std::vector<std::vector<std::string>> acked(3);
  std::atomic<int> during{0}, refused{0};
  std::atomic<bool> outage{false};
  std::vector<std::thread> posters;
  struct joiner {  // an early ASSERT return still stops and joins the posters
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~joiner() {
      stop = true;
      for (auto& t : threads)
        if (t.joinable())
          t.join();
    }
  } join_at_exit{stop, posters};
  for (int t = 0; t < 3; ++t)
    posters.emplace_back([&, t] {
      http_client c(t == 2 ? b.port() : a.port());
      while (!stop) {
        auto id = "out-" + std::to_string(next++);
        http_response rsp;
        try {
          rsp = c.post_json(webhook, report(id));
        } catch (const std::exception& e) {
          auto log = (t == 2 ? b : a).log_text();
          ADD_FAILURE() << "webhook " << id << ": " << e.what() << "; the service said: "
                        << log.substr(log.size() > 3000 ? log.size() - 3000 : 0);
          return;
        }
        if (rsp.status == 200 && json::parse(rsp.body)["success"] == true) {
          acked[t].push_back(id);
          during += outage.load();
        } else {
          ++refused;
        }
        std::this_thread::sleep_for(2ms);
      }
    });
  std::this_thread::sleep_for(300ms);
  redis.kill(SIGKILL);
  outage = true;
  http_client reader(b.port());
  ASSERT_TRUE(eventually([&] { return reader.get(calls + "out-0").status == 503; }, 5s));
  auto rsp = reader.get(calls + "out-0");
  EXPECT_EQ(rsp.header("retry-after"), "1");
  EXPECT_EQ(json::parse(rsp.body)["error"], "Store unavailable");
  EXPECT_EQ(reader.get("/api/v1/vapi/calls?ids=out-0,out-1").status, 503);
  EXPECT_EQ(reader.get(stats).status, 503);
  EXPECT_EQ(reader.get("/ready").status, 503);
  auto health = reader.get("/health");
  EXPECT_EQ(health.status, 200);
  auto h = json::parse(health.body);
  EXPECT_EQ(h["status"], "degraded");
  EXPECT_EQ(h["error"], "Store unavailable");
  std::this_thread::sleep_for(700ms);  // more webhooks while Redis is away
  redis.start();
  outage = false;
  std::this_thread::sleep_for(300ms);
  stop = true;
  for (auto& t : posters)
    t.join();
  EXPECT_EQ(refused, 0);
  EXPECT_GT(during, 0);
  http_client ra(a.port()), rb(b.port());
  ASSERT_TRUE(eventually([&] { return ra.get("/ready").status == 200; }, 15s));
  // One deadline for all of them: the outboxes drain in the background meanwhile.
  std::vector<std::string> missing;
  for (auto& ids : acked)
    missing.insert(missing.end(), ids.begin(), ids.end());
  size_t total = missing.size();
  eventually([&] {
    std::vector<std::string> still;
    for (auto& id : missing)
      if (ra.get(calls + id).status != 200 || rb.get(calls + id).status != 200)
        still.push_back(id);
    missing.swap(still);
    return missing.empty();
  }, 20s, 200ms);
  size_t found = total - missing.size();
  if (!missing.empty()) {
    auto direct = redis_connection(redis);
    std::string first;
    for (size_t i = 0; i < missing.size() && i < 10; ++i)
      first += missing[i] + (direct.run({"EXISTS", "vapi:call:" + missing[i]}).integer ? "(in redis) " : " ");
    auto tail = [](const std::string& log) { return log.substr(log.size() > 4000 ? log.size() - 4000 : 0); };
    ADD_FAILURE() << missing.size() << " of " << total << " acknowledged webhooks not readable: "
                  << first << "\nA /health: " << ra.get("/health").body
                  << "\nB /health: " << rb.get("/health").body << "\nA log: " << tail(a.log_text())
                  << "\nB log: " << tail(b.log_text());
  }
  std::cout << "webhooks acknowledged: " << total << " (" << during
            << " while Redis was away); found afterwards through both instances: " << found
            << "\n";
  RecordProperty("acknowledged_during_outage", std::to_string(during.load()));
  RecordProperty("found_afterwards", std::to_string(found));
  EXPECT_EQ(a.stop(SIGTERM), 0);
  EXPECT_EQ(b.stop(SIGTERM), 0);
}

// Redis up but refusing writes for a while (here NOREPLICAS: min-replicas-to-write with no
// replica; LOADING after a restart and READONLY after a failover are the same kind): the
// webhooks are acknowledged, queued, readable from the outbox, and in Redis once it takes them.
TEST(RedisAway, WritesRedisRefusesForNowStayQueuedUntilItTakesThem) {
  redis_server redis;
  service_process svc({}, redis_env(redis));
  auto direct = redis_connection(redis);
  http_client c(svc.port());
  ASSERT_TRUE(eventually([&] { return c.get("/ready").status == 200; }));
  direct.run({"CONFIG", "SET", "min-replicas-to-write", "1"});
  for (int i = 0; i < 30; ++i)
    ASSERT_EQ(c.post_json(webhook, report("refused-" + std::to_string(i))).status, 200);
  EXPECT_EQ(direct.run({"EXISTS", "vapi:call:refused-0"}).integer, 0);
  EXPECT_EQ(json::parse(c.get("/health").body)["outbox"], 30);
  EXPECT_EQ(c.get(calls + "refused-29").status, 200);  // answered from the outbox
  direct.run({"CONFIG", "SET", "min-replicas-to-write", "0"});
  for (int i = 0; i < 30; ++i)
    EXPECT_TRUE(eventually([&] {
      return direct.run({"EXISTS", "vapi:call:refused-" + std::to_string(i)}).integer == 1;
    })) << i;
  EXPECT_TRUE(eventually([&] { return json::parse(c.get("/health").body)["outbox"].is_null(); }));
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

TEST(RedisAway, TheServiceStartsWithoutRedisAndIsReadyOnceItAppears) {
  redis_server redis;
  redis.kill(SIGKILL);
  service_process svc({}, redis_env(redis));
  http_client c(svc.port());
  EXPECT_EQ(c.get("/ready").status, 503);
  EXPECT_EQ(c.get(calls + "x").status, 503);
  EXPECT_EQ(c.post_json(webhook, report("early")).status, 200);  // into the outbox
  redis.start();
  EXPECT_TRUE(eventually([&] { return c.get("/ready").status == 200; }, 15s));
  EXPECT_TRUE(eventually([&] { return c.get(calls + "early").status == 200; }, 15s));
  // One line per change of state, not per attempt.
  auto log = svc.log_text();
  size_t downs = 0;
  for (size_t at = 0; (at = log.find("\"redis_down\"", at)) != std::string::npos; ++at)
    ++downs;
  EXPECT_EQ(downs, 1u) << log;
}

TEST(RedisAway, TheOutboxOutlivesARestartOfTheService) {
  redis_server redis;
  auto dir = make_temp_dir("vapi-outbox");
  auto env = redis_env(redis, {{"DATA_DIR", dir}});
  redis.kill(SIGKILL);
  {
    service_process svc({}, env);
    http_client c(svc.port());
    for (int i = 0; i < 20; ++i)
      ASSERT_EQ(c.post_json(webhook, report("kept-" + std::to_string(i))).status, 200);
    EXPECT_EQ(json::parse(c.get("/health").body)["outbox"], 20);
    EXPECT_EQ(svc.stop(SIGTERM), 0);
  }
  service_process again({}, env);
  redis.start();
  auto direct = redis_connection(redis);
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(eventually([&] {
      return direct.run({"EXISTS", "vapi:call:kept-" + std::to_string(i)}).integer == 1;
    }, 15s)) << i;
  http_client c(again.port());
  EXPECT_TRUE(eventually([&] { return json::parse(c.get("/health").body)["outbox"].is_null(); }));
  EXPECT_EQ(c.get(calls + "kept-7").status, 200);
  EXPECT_EQ(again.stop(SIGTERM), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
