// Tests actors/redis_subscriber.cpp against a real redis-server: publications reach the owner
// as messages, a Redis killed and restarted is subscribed to again (and says so), and the
// subscriber stops at once even while it is waiting to retry.
#include "actors/redis_subscriber.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <memory>

#include "redis/connection.hpp"
#include "tests/support/redis_server.hpp"

namespace {

using namespace std::chrono_literals;
using vapi_cache::redis_message_atom;
using vapi_cache::redis_subscribed_atom;

const bool sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);

struct SubscriberTest : ::testing::Test {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  std::unique_ptr<vapi_cache::redis_subscriber> subscribe(uint16_t port) {
    vapi_cache::redis_subscriber_options o;
    o.where = *redis::parse_url("redis://127.0.0.1:" + std::to_string(port)).ok;
    o.channel = "vapi:stored";
    o.timeout = 500ms;
    o.min_backoff = 50ms;
    o.max_backoff = 5000ms;
    return std::make_unique<vapi_cache::redis_subscriber>(o, caf::actor_cast<caf::actor>(self));
  }

  // The next message: "subscribed", the payload of a publication, or "" if none in `within`.
  std::string next(std::chrono::milliseconds within = 3000ms) {
    std::string got;
    self->receive([&](redis_subscribed_atom) { got = "subscribed"; },
                  [&](redis_message_atom, std::string& payload) { got = "message " + payload; },
                  caf::after(within) >> [&] { got = ""; });
    return got;
  }

  static void publish(uint16_t port, const std::string& payload) {
    auto c = redis::connection::open(*redis::parse_url("redis://127.0.0.1:" +
                                                       std::to_string(port)).ok, 2000ms);
    c.run({"PUBLISH", "vapi:stored", payload});
  }
};

TEST_F(SubscriberTest, PublicationsReachTheOwnerInOrder) {
  test_support::redis_server server;
  auto sub = subscribe(server.port());
  ASSERT_EQ(next(), "subscribed");
  publish(server.port(), "call-1");
  publish(server.port(), "call-2");
  EXPECT_EQ(next(), "message call-1");
  EXPECT_EQ(next(), "message call-2");
  auto other = redis::connection::open(*redis::parse_url(server.url()).ok, 2000ms);
  other.run({"PUBLISH", "other-channel", "x"});
  EXPECT_EQ(next(300ms), "");  // another channel is not heard
}

TEST_F(SubscriberTest, ARestartedRedisIsSubscribedToAgainAndTheOwnerIsTold) {
  test_support::redis_server server;
  auto sub = subscribe(server.port());
  ASSERT_EQ(next(), "subscribed");
  server.kill(SIGKILL);
  server.start();
  EXPECT_EQ(next(5000ms), "subscribed");  // the owner re-reads what it may have missed
  publish(server.port(), "after-restart");
  EXPECT_EQ(next(), "message after-restart");
}

TEST_F(SubscriberTest, StopsAtOnceEvenWhileWaitingToRetry) {
  uint16_t port = test_support::free_loopback_port();  // nobody there
  auto sub = subscribe(port);
  std::this_thread::sleep_for(1200ms);  // a few failed attempts: the back-off has grown
  auto t0 = std::chrono::steady_clock::now();
  sub.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_EQ(next(100ms), "");  // never subscribed
}

}  // namespace
