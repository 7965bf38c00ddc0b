// Tests failovers against two redis-servers and three sentinels (tests/support/
// redis_sentinel.hpp): after SENTINEL FAILOVER the watch (actors/sentinel_watch.cpp) tells the
// link and others, and the link and the subscriber go on on the new master; a killed master is
// followed through connection errors alone; a READONLY reply makes the link ask again. Every
// wait is bounded polling: how fast Redis fails over is not what is tested.
#include "actors/sentinel_watch.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <memory>

#include "actors/redis_link.hpp"
#include "actors/redis_subscriber.hpp"
#include "tests/support/redis_sentinel.hpp"

namespace {

using namespace std::chrono_literals;
using test_support::eventually;
using test_support::sentinel_cluster;
using vapi_cache::redis_master_atom;
using vapi_cache::redis_result;

const bool sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);

struct FailoverTest : ::testing::Test {
  sentinel_cluster cluster;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  vapi_cache::redis_link_actor link() {
    vapi_cache::redis_link_options o;
    o.where = sentinel_cluster::base();
    o.sentinels = cluster.sentinels();
    o.master_name = sentinel_cluster::name;
    o.timeout = 1000ms;
    o.min_backoff = 50ms;
    o.max_backoff = 400ms;
    return vapi_cache::spawn_redis_link(sys, o);
  }
  std::unique_ptr<vapi_cache::sentinel_watch> watch(vapi_cache::redis_link_actor l,
                                                    std::vector<caf::actor> others = {}) {
    vapi_cache::sentinel_watch_options o;
    o.sentinels = {{"127.0.0.1", test_support::free_loopback_port()}};  // dead: skipped
    for (auto& s : cluster.sentinels())
      o.sentinels.push_back(s);
    o.master_name = sentinel_cluster::name;
    o.timeout = 1000ms;
    auto w = std::make_unique<vapi_cache::sentinel_watch>(o, std::move(l), std::move(others));
    // Subscribed before the test fails over, or it would hear nothing.
    EXPECT_TRUE(eventually([&] { return cluster.sentinel_subscribers() == 1; }, 10000ms));
    return w;
  }
  std::shared_ptr<vapi_cache::redis_subscriber> subscriber() {
    vapi_cache::redis_subscriber_options o;
    o.where = sentinel_cluster::base();
    o.sentinels = cluster.sentinels();
    o.master_name = sentinel_cluster::name;
    o.channel = "vapi:stored";
    o.timeout = 1000ms;
    o.min_backoff = 50ms;
    o.max_backoff = 400ms;
    return std::make_shared<vapi_cache::redis_subscriber>(o, caf::actor_cast<caf::actor>(self));
  }

  redis_result run(const vapi_cache::redis_link_actor& l, redis::command c) {
    redis_result out;
    self->request(l, 10s, vapi_cache::redis_run_atom_v, std::vector<redis::command>{c})
      .receive([&](redis_result& r) { out = std::move(r); },
               [&](caf::error& e) { out.error = caf::to_string(e); });
    return out;
  }
  // Writes through the link, retrying what fails, until one lands on the (new) master at
  // `port`: true if one does within `within`.
  bool write_lands_on(const vapi_cache::redis_link_actor& l, uint16_t port,
                      std::chrono::milliseconds within) {
    int i = 0;
    return eventually([&] {
      auto value = "v" + std::to_string(++i);
      auto r = run(l, {"SET", "failover-key", value});
      if (!r.ok || r.replies.at(0).text != "OK")
        return false;
      auto there = sentinel_cluster::server(port).run({"GET", "failover-key"});
      return there.text == value && sentinel_cluster::role(port) == "master";
    }, within, 100ms);
  }
  // The subscriber's next message: "subscribed", "message <payload>", or "" if none in time.
  std::string next(std::chrono::milliseconds within = 5000ms) {
    std::string got;
    self->receive([&](vapi_cache::redis_subscribed_atom) { got = "subscribed"; },
                  [&](vapi_cache::redis_message_atom, std::string& p) { got = "message " + p; },
                  caf::after(within) >> [&] { got = ""; });
    return got;
  }
  // Subscribed on the server at `port` itself, it hears a PUBLISH made there.
  void expect_subscribed_on(uint16_t port) {
    EXPECT_TRUE(eventually([&] {
      return sentinel_cluster::subscribers(port, "vapi:stored") == 1;
    }, 5000ms));
    sentinel_cluster::server(port).run({"PUBLISH", "vapi:stored", "on-" + std::to_string(port)});
    EXPECT_EQ(next(), "message on-" + std::to_string(port));
  }
};

TEST_F(FailoverTest, TheWatchTellsTheLinkAndOthersWhenTheMasterSwitches) {
  auto w = watch(link(), {caf::actor_cast<caf::actor>(self)});
  cluster.failover();
  bool told = false;
  self->receive([&](redis_master_atom) { told = true; }, caf::after(15s) >> [] {});
  EXPECT_TRUE(told);
  auto list = cluster.sentinels();
  auto now = redis::resolve_master(list, sentinel_cluster::name, sentinel_cluster::base(), 2s);
  ASSERT_TRUE(now.ok) << now.error;
  EXPECT_EQ(now.ok->port, cluster.replica().port());  // it was a switch indeed
}

TEST_F(FailoverTest, TheLinkKeepsServingAcrossAFailoverAndWritesLandOnTheNewMaster) {
  auto l = link();
  auto w = watch(l);
  ASSERT_TRUE(write_lands_on(l, cluster.master().port(), 5s));
  cluster.failover();
  EXPECT_TRUE(write_lands_on(l, cluster.replica().port(), 15s));
}

TEST_F(FailoverTest, TheSubscriberSubscribesOnTheNewMasterWhenTheWatchHearsTheSwitch) {
  auto sub = subscriber();
  ASSERT_EQ(next(), "subscribed");
  // What an owner does with the watch's message: passes it on to its subscriber.
  auto relay = sys.spawn([weak = std::weak_ptr<vapi_cache::redis_subscriber>(sub)] {
    return caf::behavior{[weak](redis_master_atom) {
      if (auto s = weak.lock())
        s->master_changed();
    }};
  });
  auto w = watch(link(), {relay});
  cluster.failover();
  EXPECT_EQ(next(15s), "subscribed");
  expect_subscribed_on(cluster.replica().port());
}

TEST_F(FailoverTest, AKilledMasterIsFollowedThroughConnectionErrorsAloneWithoutAWatch) {
  auto l = link();
  auto sub = subscriber();
  ASSERT_EQ(next(), "subscribed");
  ASSERT_TRUE(write_lands_on(l, cluster.master().port(), 5s));
  cluster.master().kill(SIGKILL);  // the sentinels agree it is down, and promote the replica
  EXPECT_TRUE(write_lands_on(l, cluster.replica().port(), 20s));
  EXPECT_EQ(next(20s), "subscribed");
  expect_subscribed_on(cluster.replica().port());
}

// A master demoted under a live connection (here by hand: REPLICAOF, with the sentinels told
// after) answers writes with READONLY: the link asks the sentinels again and sends the batch
// once more, so its caller sees the write done.
TEST_F(FailoverTest, AReadonlyReplyMakesTheLinkAskAgainAndSendTheBatchOnceMore) {
  auto l = link();
  ASSERT_TRUE(write_lands_on(l, cluster.master().port(), 5s));
  auto old_port = cluster.master().port(), new_port = cluster.replica().port();
  for (auto& s : cluster.sentinels())
    ASSERT_FALSE(sentinel_cluster::to_sentinel(s.port)
                   .run({"SENTINEL", "REMOVE", sentinel_cluster::name}).is_error());
  sentinel_cluster::server(new_port).run({"REPLICAOF", "NO", "ONE"});
  sentinel_cluster::server(old_port).run({"REPLICAOF", "127.0.0.1", std::to_string(new_port)});
  ASSERT_TRUE(eventually([&] {  // synced: writes are refused with READONLY, not LOADING
    auto info = sentinel_cluster::server(old_port).run({"INFO", "replication"}).text;
    return info.find("master_link_status:up") != std::string::npos;
  }, 10s));
  for (auto& s : cluster.sentinels()) {
    auto c = sentinel_cluster::to_sentinel(s.port);
    ASSERT_FALSE(c.run({"SENTINEL", "MONITOR", sentinel_cluster::name, "127.0.0.1",
                        std::to_string(new_port), "2"}).is_error());
    ASSERT_FALSE(c.run({"SENTINEL", "SET", sentinel_cluster::name, "auth-pass",
                        sentinel_cluster::password()}).is_error());
  }
  auto r = run(l, {"SET", "demoted-key", "x"});  // the link's connection is to old_port still
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.replies.at(0).text, "OK");  // sent again, on new_port
  EXPECT_EQ(sentinel_cluster::server(new_port).run({"GET", "demoted-key"}).text, "x");
}

}  // namespace
