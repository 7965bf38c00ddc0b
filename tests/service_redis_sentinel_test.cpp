// Tests the real binary with REDIS_SENTINELS: it finds the master through a master, a replica
// and three redis-server --sentinel on loopback (tests/support/redis_sentinel.hpp), and after
// SENTINEL FAILOVER it keeps taking webhooks and serving results, old and new, from the new
// master.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

#include "tests/support/http_client.hpp"
#include "tests/support/redis_sentinel.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/shared_redis.hpp"

namespace {

using namespace std::chrono_literals;
using namespace test_support;
using nlohmann::json;

std::map<std::string, std::string> sentinel_env(const sentinel_cluster& cluster) {
  std::string list;
  for (auto& s : cluster.sentinels())
    list += (list.empty() ? "" : ",") + s.host + ":" + std::to_string(s.port);
  return {{"STORE", "redis"},
          {"REDIS_URL", "redis://:" + sentinel_cluster::password() + "@unused.invalid/0"},
          {"REDIS_SENTINELS", list},
          {"REDIS_MASTER_NAME", sentinel_cluster::name},
          {"REDIS_TIMEOUT_MS", "500"}};
}

TEST(SentinelService, AFailoverIsFollowedAndNothingAcknowledgedIsLost) {
  sentinel_cluster cluster;
  service_process svc({}, sentinel_env(cluster));
  http_client c(svc.port());
  ASSERT_TRUE(eventually([&] { return c.get("/ready").status == 200; }, 10s));
  ASSERT_EQ(c.post_json(webhook, report("before")).status, 200);
  ASSERT_EQ(c.get(calls + "before").status, 200);
  {
    auto master = sentinel_cluster::server(cluster.master().port());
    EXPECT_EQ(master.run({"EXISTS", "vapi:call:before"}).integer, 1);
  }
  // Let the replica have it before the switch (replication is asynchronous).
  ASSERT_TRUE(eventually([&] {
    auto replica = sentinel_cluster::server(cluster.replica().port());
    return replica.run({"EXISTS", "vapi:call:before"}).integer == 1;
  }));
  cluster.failover();
  // Webhooks during and after the switch are all acknowledged (the outbox takes what the old
  // master refuses), and every one is then readable from the new master.
  std::vector<std::string> acked;
  auto until = std::chrono::steady_clock::now() + 3s;
  for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
    auto id = "during-" + std::to_string(i);
    if (c.post_json(webhook, report(id)).status == 200)
      acked.push_back(id);
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(eventually([&] {
    return sentinel_cluster::role(cluster.replica().port()) == "master";
  }, 20s));
  ASSERT_TRUE(eventually([&] {
    auto rsp = c.post_json(webhook, report("after"));
    auto now_master = sentinel_cluster::server(cluster.replica().port());
    return rsp.status == 200 && now_master.run({"EXISTS", "vapi:call:after"}).integer == 1;
  }, 20s));
  EXPECT_EQ(c.get(calls + "before").status, 200);
  EXPECT_EQ(c.get(calls + "after").status, 200);
  size_t lost = 0;
  for (auto& id : acked)
    lost += !eventually([&] { return c.get(calls + id).status == 200; }, 3s);
  auto log = svc.log_text();
  EXPECT_EQ(lost, 0u) << "of " << acked.size() << "; the service said:\n" << log;
  EXPECT_EQ(log.find(sentinel_cluster::password()), std::string::npos);
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

}  // namespace
