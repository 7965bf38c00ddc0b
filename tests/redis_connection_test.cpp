// Tests redis/connection.cpp against a real redis-server (tests/support/redis_server.hpp):
// pipelining, AUTH and SELECT, every reply kind, and what a dead or silent Redis does.
#include "redis/connection.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <csignal>

#include "tests/support/redis_server.hpp"

namespace {

using namespace std::chrono_literals;
using redis::command;
using redis::connection;
using redis::connection_error;
using redis::reply;
using test_support::redis_server;

// As main() does: a write to a Redis that died is an error code, not the end of the process.
const bool sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);

redis::endpoint at(const std::string& url) {
  auto e = redis::parse_url(url);
  if (!e.ok)
    throw std::runtime_error(e.error);
  return *e.ok;
}

TEST(RedisConnection, PipelinesCommandsAndDecodesEveryReplyKind) {
  redis_server server;
  auto c = connection::open(at(server.url()), 2000ms);
  auto r = c.pipeline({{"SET", "k", std::string("v\0w", 3), "PX", "60000"},
                       {"GET", "k"},
                       {"GET", "missing"},
                       {"PTTL", "k"},
                       {"RPUSH", "list", "a", "b"},
                       {"LRANGE", "list", "0", "-1"},
                       {"INCR", "k"}});
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(r[0].type, reply::kind::status);
  EXPECT_EQ(r[0].text, "OK");
  EXPECT_EQ(r[1].type, reply::kind::string);
  EXPECT_EQ(r[1].text, std::string("v\0w", 3));  // binary-safe
  EXPECT_EQ(r[2].type, reply::kind::nil);
  EXPECT_EQ(r[3].type, reply::kind::integer);
  EXPECT_GT(r[3].integer, 59000);
  EXPECT_LE(r[3].integer, 60000);
  EXPECT_EQ(r[4].integer, 2);
  ASSERT_EQ(r[5].type, reply::kind::array);
  ASSERT_EQ(r[5].items.size(), 2u);
  EXPECT_EQ(r[5].items[1].text, "b");
  EXPECT_TRUE(r[6].is_error());  // a Redis error is a reply, and the connection goes on
  EXPECT_FALSE(c.broken());
  EXPECT_EQ(c.run({"PING"}).text, "PONG");
}

TEST(RedisConnection, AManyCommandPipelineIsOneBatch) {
  redis_server server;
  auto c = connection::open(at(server.url()), 2000ms);
  std::vector<command> sets;
  for (int i = 0; i < 5000; ++i)
    sets.push_back({"SET", "key:" + std::to_string(i), std::string(100, 'x')});
  auto r = c.pipeline(sets);
  ASSERT_EQ(r.size(), 5000u);
  for (const auto& one : r)
    ASSERT_EQ(one.text, "OK");
  EXPECT_EQ(c.run({"DBSIZE"}).integer, 5000);
}

TEST(RedisConnection, AuthenticatesAndSelectsTheDatabase) {
  redis_server server({"--requirepass", "s3cret:with@chars"});
  // Without the password the connection opens, and Redis refuses each command (NOAUTH).
  auto anonymous = connection::open(at(server.url()), 2000ms);
  auto refused = anonymous.run({"SET", "x", "1"});
  EXPECT_TRUE(refused.is_error());
  EXPECT_NE(refused.text.find("NOAUTH"), std::string::npos) << refused.text;
  auto c = connection::open(at("redis://:s3cret%3Awith%40chars@127.0.0.1:" +
                               std::to_string(server.port()) + "/3"),
                            2000ms);
  EXPECT_EQ(c.run({"SET", "in3", "1"}).text, "OK");
  auto db0 = connection::open(at("redis://:s3cret%3Awith%40chars@127.0.0.1:" +
                                 std::to_string(server.port()) + "/0"),
                              2000ms);
  EXPECT_EQ(db0.run({"EXISTS", "in3"}).integer, 0);
  EXPECT_EQ(c.run({"EXISTS", "in3"}).integer, 1);
}

TEST(RedisConnection, AWrongPasswordFailsWithoutNamingIt) {
  redis_server server({"--requirepass", "right"});
  try {
    connection::open(at("redis://:wrong-hunter2@127.0.0.1:" + std::to_string(server.port())),
                     2000ms);
    FAIL() << "AUTH with a wrong password was accepted";
  } catch (const connection_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("authentication failed"), std::string::npos) << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
  }
}

TEST(RedisConnection, NobodyListeningIsAConnectionError) {
  uint16_t port = test_support::free_loopback_port();
  EXPECT_THROW(connection::open(at("redis://127.0.0.1:" + std::to_string(port)), 500ms),
               connection_error);
}

TEST(RedisConnection, ARedisThatDiesBreaksTheConnectionAndANewOneWorksWhenItIsBack) {
  redis_server server;
  auto c = connection::open(at(server.url()), 1000ms);
  EXPECT_EQ(c.run({"PING"}).text, "PONG");
  server.kill(SIGKILL);
  EXPECT_THROW(c.run({"PING"}), connection_error);
  EXPECT_TRUE(c.broken());
  EXPECT_THROW(c.run({"PING"}), connection_error);  // stays broken; never reused
  server.start();
  auto again = connection::open(at(server.url()), 1000ms);
  EXPECT_EQ(again.run({"PING"}).text, "PONG");
}

TEST(RedisConnection, ARedisThatStopsAnsweringTimesOutInsteadOfHanging) {
  redis_server server;
  auto c = connection::open(at(server.url()), 300ms);
  server.signal(SIGSTOP);  // alive, connected, silent
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(c.run({"PING"}), connection_error);
  auto took = std::chrono::steady_clock::now() - t0;
  server.signal(SIGCONT);
  EXPECT_LT(took, 3s);
  EXPECT_GE(took, 250ms);
}

TEST(RedisConnection, AUnixSocketWithItsDatabase) {
  redis_server server({}, /*unix_socket=*/true);
  auto c = connection::open(at("unix://" + server.socket_path() + "?db=2"), 2000ms);
  EXPECT_EQ(c.run({"SET", "via-socket", "1"}).text, "OK");
  auto tcp2 = connection::open(at(server.url() + "/2"), 2000ms);
  EXPECT_EQ(tcp2.run({"GET", "via-socket"}).text, "1");
}

}  // namespace
