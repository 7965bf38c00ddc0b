// Tests redis/sentinel.cpp: REDIS_SENTINELS and +switch-master parsed, the master found through
// real sentinels (a dead one skipped, the one that answered asked first next time), and what
// the link and the subscriber do when told the master may have changed. Failovers are in
// redis_sentinel_failover_test.cpp.
#include "redis/sentinel.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <memory>

#include "actors/redis_link.hpp"
#include "actors/redis_subscriber.hpp"
#include "logging/log.hpp"
#include "tests/support/redis_sentinel.hpp"

namespace {

using namespace std::chrono_literals;
using redis::parse_sentinels;
using redis::sentinel_address;
using test_support::eventually;
using test_support::sentinel_cluster;

const bool sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);

TEST(ParseSentinels, ListsHostsAndPortsWithTheDefaultPortAndSpacesIgnored) {
  auto p = parse_sentinels("127.0.0.1:26380, sentinel-b.internal ,[::1]:26381,[fe80::1%eth0]");
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.ok.size(), 4u);
  EXPECT_EQ(p.ok[0], (sentinel_address{"127.0.0.1", 26380}));
  EXPECT_EQ(p.ok[1], (sentinel_address{"sentinel-b.internal", 26379}));
  EXPECT_EQ(p.ok[2], (sentinel_address{"::1", 26381}));
  EXPECT_EQ(p.ok[3], (sentinel_address{"fe80::1%eth0", 26379}));
  EXPECT_EQ(redis::to_string(p.ok[2]), "[::1]:26381");
  EXPECT_EQ(redis::to_string(p.ok[0]), "127.0.0.1:26380");
}

TEST(ParseSentinels, NamesWhatIsWrong) {
  struct bad { const char* text; const char* says; };
  for (auto [text, says] : {bad{"", "is empty"}, bad{"  ", "is empty"},
                            bad{"a:1,,b:2", "entry 2 is empty"}, bad{"a:1,", "entry 2 is empty"},
                            bad{"a:0", "\"a:0\": the port must be 1-65535"},
                            bad{"a:65536", "port must be 1-65535"}, bad{"a:", "port must"},
                            bad{"a:x1", "port must"}, bad{"a:-1", "port must"},
                            bad{"::1:26379", "IPv6 address in brackets"},
                            bad{"[::1", "closing ']'"}, bad{"[::1]x", "':port' after"},
                            bad{":26379", "no host"}, bad{"[]:1", "no host"},
                            bad{"a b:1", "character"}, bad{"ok:1,a/b", "\"a/b\""},
                            bad{"redis://a:26379", "not a URL"}}) {
    auto p = parse_sentinels(text);
    EXPECT_TRUE(p.ok.empty()) << text;
    EXPECT_NE(p.error.find(says), std::string::npos) << text << " -> " << p.error;
    EXPECT_EQ(p.error.rfind("REDIS_SENTINELS", 0), 0u) << p.error;
  }
}

TEST(ParseSwitchMaster, ReadsTheMasterTheOldAndTheNewAddress) {
  auto s = redis::parse_switch_master("vapi-master 127.0.0.1 6379 ::1 6380");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->master_name, "vapi-master");
  EXPECT_EQ(s->from, "127.0.0.1:6379");
  EXPECT_EQ(s->to, "[::1]:6380");
  EXPECT_FALSE(redis::parse_switch_master("vapi-master 127.0.0.1 6379 127.0.0.1"));
  EXPECT_FALSE(redis::parse_switch_master("vapi-master 127.0.0.1 x 127.0.0.1 6380"));
  EXPECT_FALSE(redis::parse_switch_master(""));
}

TEST(ResolveMaster, NoSentinelAnsweringIsAnErrorNamingEachAndNotThePassword) {
  auto a = test_support::free_loopback_port(), b = test_support::free_loopback_port();
  std::vector<sentinel_address> list{{"127.0.0.1", a}, {"127.0.0.1", b}};
  auto r = redis::resolve_master(list, "vapi-master", sentinel_cluster::base(), 500ms);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.conn);
  EXPECT_NE(r.error.find("127.0.0.1:" + std::to_string(a)), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("127.0.0.1:" + std::to_string(b)), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find(sentinel_cluster::password()), std::string::npos) << r.error;
  EXPECT_EQ(list[0].port, a);  // nobody answered: the order stays
}

// The events logged so far with this text in them; the writer flushes every 10 ms here, so
// this polls (up to 2 s) until there are at least `expected`.
std::string log_path() {
  static std::string path = [] {
    char name[] = "/tmp/vapi-sentinel-log-XXXXXX";
    int fd = ::mkstemp(name);
    logging::init("info", logging::options{fd, size_t(4) << 20, std::chrono::milliseconds(10)});
    return std::string(name);
  }();
  return path;
}
int count_lines(const std::string& event, const std::string& containing, int expected = 1) {
  int n = 0;
  eventually([&] {
    std::ifstream in(log_path());
    std::string line;
    n = 0;
    while (std::getline(in, line))
      n += line.find("\"event\":\"" + event + "\"") != std::string::npos &&
           line.find(containing) != std::string::npos;
    return n >= expected;
  }, 2000ms);
  return n;
}

struct SentinelTest : ::testing::Test {
  sentinel_cluster cluster;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  vapi_cache::redis_result run(const vapi_cache::redis_link_actor& l, redis::command c) {
    vapi_cache::redis_result out;
    self->request(l, 10s, vapi_cache::redis_run_atom_v, std::vector<redis::command>{c})
      .receive([&](vapi_cache::redis_result& r) { out = std::move(r); },
               [&](caf::error& e) { out.error = caf::to_string(e); });
    return out;
  }
};

TEST_F(SentinelTest, FindsTheMasterAndKeepsTheUserPasswordAndDb) {
  auto list = cluster.sentinels();
  auto r = redis::resolve_master(list, sentinel_cluster::name, sentinel_cluster::base(3), 2000ms);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.ok->host, "127.0.0.1");
  EXPECT_EQ(r.ok->port, cluster.master().port());
  EXPECT_EQ(r.ok->password, sentinel_cluster::password());
  EXPECT_EQ(r.ok->db, 3u);
  ASSERT_TRUE(r.conn);  // the connection ROLE was asked on, authenticated and on db 3
  EXPECT_EQ(r.conn->run({"ROLE"}).items.at(0).text, "master");
  EXPECT_NE(r.conn->run({"CLIENT", "INFO"}).text.find(" db=3 "), std::string::npos);
}

TEST_F(SentinelTest, SkipsADeadSentinelAndAsksTheOneThatAnsweredFirstNextTime) {
  auto live = cluster.sentinels();
  std::vector<sentinel_address> list{{"127.0.0.1", test_support::free_loopback_port()}};
  list.insert(list.end(), live.begin(), live.end());
  auto r = redis::resolve_master(list, sentinel_cluster::name, sentinel_cluster::base(), 2000ms);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.ok->port, cluster.master().port());
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0], live[0]);  // the one that answered
  cluster.sentinel(0).kill();
  r = redis::resolve_master(list, sentinel_cluster::name, sentinel_cluster::base(), 2000ms);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.ok->port, cluster.master().port());
  EXPECT_EQ(list[0], live[1]);
  auto unknown = redis::resolve_master(list, "no-such-master", sentinel_cluster::base(), 2000ms);
  EXPECT_FALSE(unknown.ok);
  EXPECT_NE(unknown.error.find("does not know a master named \"no-such-master\""),
            std::string::npos) << unknown.error;
}

TEST_F(SentinelTest, TheLinkConnectsToTheMasterAndReconnectsWhenToldItMayHaveChanged) {
  log_path();
  vapi_cache::redis_link_options o;
  o.where = sentinel_cluster::base();
  o.sentinels = cluster.sentinels();
  o.master_name = sentinel_cluster::name;
  o.timeout = 1000ms;
  auto link = vapi_cache::spawn_redis_link(sys, o);
  auto first = run(link, {"CLIENT", "ID"});
  ASSERT_TRUE(first.ok) << first.error;
  auto again = run(link, {"CLIENT", "ID"});
  EXPECT_EQ(again.replies.at(0).integer, first.replies.at(0).integer);  // kept
  self->send(link, vapi_cache::redis_master_atom_v);
  auto after = run(link, {"CLIENT", "ID"});
  ASSERT_TRUE(after.ok) << after.error;
  EXPECT_NE(after.replies.at(0).integer, first.replies.at(0).integer);  // asked again
  auto port = ":" + std::to_string(cluster.master().port());
  EXPECT_EQ(count_lines("redis_master", port), 1);  // the same master: logged once
  EXPECT_EQ(count_lines("redis_up", port), 1);
  EXPECT_EQ(count_lines("redis_master", sentinel_cluster::password(), 0), 0);
}

TEST_F(SentinelTest, TheSubscriberSubscribesOnTheMasterAndAgainWhenToldItMayHaveChanged) {
  vapi_cache::redis_subscriber_options o;
  o.where = sentinel_cluster::base();
  o.sentinels = cluster.sentinels();
  o.master_name = sentinel_cluster::name;
  o.channel = "vapi:stored";
  o.timeout = 1000ms;
  vapi_cache::redis_subscriber sub(o, caf::actor_cast<caf::actor>(self));
  auto next = [&] {
    std::string got;
    self->receive([&](vapi_cache::redis_subscribed_atom) { got = "subscribed"; },
                  [&](vapi_cache::redis_message_atom, std::string& p) { got = "message " + p; },
                  caf::after(std::chrono::seconds(5)) >> [&] { got = ""; });
    return got;
  };
  ASSERT_EQ(next(), "subscribed");
  sub.master_changed();
  EXPECT_EQ(next(), "subscribed");
  EXPECT_TRUE(eventually([&] {
    return sentinel_cluster::subscribers(cluster.master().port(), "vapi:stored") == 1;
  }, 5000ms));
  sentinel_cluster::server(cluster.master().port()).run({"PUBLISH", "vapi:stored", "call-1"});
  EXPECT_EQ(next(), "message call-1");
}

}  // namespace
