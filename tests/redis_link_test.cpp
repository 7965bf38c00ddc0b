// Tests actors/redis_link.cpp on a real actor system against a real redis-server: batches as
// one pipeline, a Redis that is down at start, killed and brought back, the back-off between
// attempts, and one log line per change of state.
#include "actors/redis_link.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "logging/log.hpp"
#include "tests/support/redis_server.hpp"

namespace {

using namespace std::chrono_literals;
using vapi_cache::redis_result;
using vapi_cache::redis_run_atom_v;

std::string log_path() {
  static std::string path = [] {
    char name[] = "/tmp/vapi-redis-link-log-XXXXXX";
    int fd = ::mkstemp(name);
    std::signal(SIGPIPE, SIG_IGN);
    logging::init("info", logging::options{fd, size_t(4) << 20, std::chrono::milliseconds(10)});
    return std::string(name);
  }();
  return path;
}

// The events logged so far with this text in them.
int count_lines(const std::string& event, const std::string& containing) {
  std::this_thread::sleep_for(100ms);  // the writer flushes every 10 ms here
  std::ifstream in(log_path());
  std::string line;
  int n = 0;
  while (std::getline(in, line))
    n += line.find("\"event\":\"" + event + "\"") != std::string::npos &&
         line.find(containing) != std::string::npos;
  return n;
}

struct LinkTest : ::testing::Test {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};

  vapi_cache::redis_link_actor link(uint16_t port, std::chrono::milliseconds min_backoff = 100ms) {
    log_path();
    vapi_cache::redis_link_options o;
    o.where = *redis::parse_url("redis://:pw-hunter2@127.0.0.1:" + std::to_string(port)).ok;
    o.timeout = 500ms;
    o.min_backoff = min_backoff;
    o.max_backoff = 4 * min_backoff;
    return vapi_cache::spawn_redis_link(sys, o);
  }

  redis_result run(const vapi_cache::redis_link_actor& l, std::vector<redis::command> cmds) {
    caf::scoped_actor self{sys};
    redis_result out;
    self->request(l, 10s, redis_run_atom_v, std::move(cmds))
      .receive([&](redis_result& r) { out = std::move(r); },
               [&](caf::error& e) { out.error = "request failed: " + caf::to_string(e); });
    return out;
  }
};

TEST_F(LinkTest, ABatchIsOnePipelineAndItsRepliesComeBackInOrder) {
  test_support::redis_server server({"--requirepass", "pw-hunter2"});
  auto l = link(server.port());
  std::vector<redis::command> batch;
  for (int i = 0; i < 100; ++i)
    batch.push_back({"SET", "k" + std::to_string(i), std::to_string(i), "PX", "60000"});
  batch.push_back({"GET", "k42"});
  auto r = run(l, batch);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.replies.size(), 101u);
  EXPECT_EQ(r.replies[0].text, "OK");
  EXPECT_EQ(r.replies[100].text, "42");
  EXPECT_EQ(count_lines("redis_up", std::to_string(server.port())), 1);
  EXPECT_EQ(count_lines("redis_up", "hunter2"), 0);
}

TEST_F(LinkTest, DownAtStartIsAnsweredAtOnceAndRetriedOnlyAfterTheBackOff) {
  uint16_t port = test_support::free_loopback_port();
  auto l = link(port, 400ms);
  auto first = run(l, {{"PING"}});
  EXPECT_FALSE(first.ok);
  EXPECT_FALSE(first.error.empty());
  EXPECT_EQ(first.error.find("hunter2"), std::string::npos) << first.error;
  // Within the back-off no connection is tried: the answer says when the next one is.
  auto second = run(l, {{"PING"}});
  EXPECT_FALSE(second.ok);
  EXPECT_NE(second.error.find("next connection attempt"), std::string::npos) << second.error;
  test_support::redis_server server({"--requirepass", "pw-hunter2"}, false, port);
  std::this_thread::sleep_for(600ms);  // past the back-off (400 ms +- 25 %)
  auto third = run(l, {{"PING"}});
  ASSERT_TRUE(third.ok) << third.error;
  EXPECT_EQ(third.replies.at(0).text, "PONG");
  EXPECT_EQ(count_lines("redis_down", std::to_string(port)), 1);  // one line, two failures
}

TEST_F(LinkTest, ARedisKilledMidwayIsReportedAndTheLinkComesBackWithIt) {
  test_support::redis_server server({"--requirepass", "pw-hunter2"});
  auto l = link(server.port());
  ASSERT_TRUE(run(l, {{"SET", "a", "1"}}).ok);
  server.kill(SIGKILL);
  auto broken = run(l, {{"GET", "a"}});
  EXPECT_FALSE(broken.ok);
  server.start();  // same port, empty: no persistence in the test server
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    std::this_thread::sleep_for(50ms);
    back = run(l, {{"PING"}}).ok;
  }
  EXPECT_TRUE(back);
  EXPECT_EQ(count_lines("redis_down", std::to_string(server.port())), 1);
  EXPECT_EQ(count_lines("redis_up", std::to_string(server.port())), 2);
}

}  // namespace
