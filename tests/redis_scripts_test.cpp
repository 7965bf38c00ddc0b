// Tests redis/scripts.hpp against a real redis-server: what each script writes, its TTLs, the
// message a store publishes, and that a status never lands beside a result.
#include "redis/scripts.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>

#include "redis/connection.hpp"
#include "redis/keys.hpp"
#include "redis/operations.hpp"
#include "tests/support/redis_server.hpp"

namespace {

using namespace std::chrono_literals;
using redis::connection;
using redis::reply;

struct fixture {
  test_support::redis_server server;
  connection c = open();
  redis::key_layout keys{"vapi:"};

  connection open() {
    std::signal(SIGPIPE, SIG_IGN);
    return connection::open(*redis::parse_url(server.url()).ok, 2000ms);
  }
  // The scripts as redis/operations.cpp sends them (the store script is what a change sent
  // late runs; each call here is later than the one before).
  int64_t at = 0;
  reply store(const std::string& id, const std::string& value, const std::string& ttl_ms) {
    return c.run(redis::ops::store(keys, id, value, std::chrono::milliseconds(std::stoll(ttl_ms)),
                                   {++at, true})
                   .at(0));
  }
  reply note(const std::string& id, const std::string& status, const std::string& ttl_ms) {
    auto st = redis::parse_status_value(status);
    return c.run(redis::ops::note_status(keys, id, st->status, st->ended_reason,
                                         std::chrono::milliseconds(std::stoll(ttl_ms)))
                   .at(0));
  }
};

TEST(RedisScripts, StoreWritesTheValueWithItsTtlAndRemovesTheStatus) {
  fixture f;
  ASSERT_EQ(f.note("c1", R"({"status":"in-progress"})", "60000").integer, 1);
  EXPECT_EQ(f.c.run({"EXISTS", "vapi:status:c1"}).integer, 1);
  auto r = f.store("c1", R"({"status":"completed"})", "1800000");
  ASSERT_FALSE(r.is_error()) << r.text;
  EXPECT_EQ(r.integer, 0);  // nobody subscribed
  EXPECT_EQ(f.c.run({"GET", "vapi:call:c1"}).text, R"({"status":"completed"})");
  auto ttl = f.c.run({"PTTL", "vapi:call:c1"}).integer;
  EXPECT_GT(ttl, 1790000);
  EXPECT_LE(ttl, 1800000);
  EXPECT_EQ(f.c.run({"EXISTS", "vapi:status:c1"}).integer, 0);
}

TEST(RedisScripts, StorePublishesTheCallIdToEverySubscriber) {
  fixture f;
  auto a = f.open(), b = f.open();
  for (auto* s : {&a, &b}) {
    auto ok = s->run({"SUBSCRIBE", f.keys.channel()});
    ASSERT_EQ(ok.items.at(0).text, "subscribe");
  }
  EXPECT_EQ(f.store("c2", "{}", "1000").integer, 2);
  for (auto* s : {&a, &b}) {
    auto m = s->receive();
    ASSERT_EQ(m.items.size(), 3u);
    EXPECT_EQ(m.items[0].text, "message");
    EXPECT_EQ(m.items[1].text, "vapi:stored");
    EXPECT_EQ(m.items[2].text, "c2");
  }
}

TEST(RedisScripts, AStatusNeverLandsBesideAResult) {
  fixture f;
  f.store("c3", "{}", "60000");
  EXPECT_EQ(f.note("c3", R"({"status":"ended"})", "60000").integer, 0);
  EXPECT_EQ(f.c.run({"EXISTS", "vapi:status:c3"}).integer, 0);
  EXPECT_EQ(f.note("c4", R"({"status":"ringing"})", "60000").integer, 1);
  EXPECT_EQ(f.c.run({"GET", "vapi:status:c4"}).text, R"({"status":"ringing"})");
  auto ttl = f.c.run({"PTTL", "vapi:status:c4"}).integer;
  EXPECT_GT(ttl, 59000);
}

TEST(RedisScripts, AStoredValueExpiresWithItsTtl) {
  fixture f;
  f.store("c5", "{}", "150");
  EXPECT_EQ(f.c.run({"EXISTS", "vapi:call:c5"}).integer, 1);
  std::this_thread::sleep_for(400ms);  // Redis's own clock: nothing here to fake
  EXPECT_EQ(f.c.run({"EXISTS", "vapi:call:c5"}).integer, 0);
}

}  // namespace
