// Tests long-poll on the real binary: GET ...?wait=N held until the webhook or the deadline, the
// batch endpoint, the bound on held requests, disconnects and shutdown while waiting.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <future>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_probe.hpp"
#include "tests/support/service_process.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::http_client;
using test_support::http_response;
using test_support::service_process;
using namespace test_support;  // paths and requests from service_api.hpp
using clock_type = std::chrono::steady_clock;

TEST(LongPoll, WaitIsAnsweredWithinMillisecondsOfTheWebhook) {
  service_process svc;
  http_client waiter(svc.port()), poster(svc.port());
  waiter.send_raw(get_request(calls + "c1?wait=10"));
  std::this_thread::sleep_for(300ms);  // the wait is held by now
  auto posted_at = clock_type::now();
  ASSERT_EQ(poster.post_json(webhook, report("c1")).status, 200);
  auto rsp = waiter.read_response();
  auto latency = clock_type::now() - posted_at;
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->status, 200);
  EXPECT_EQ(json::parse(rsp->body)["data"]["callId"], "c1");
  EXPECT_LT(latency, 50ms);
}

TEST(LongPoll, WaitEndsWithTheSeed404AfterNSeconds) {
  service_process svc;
  http_client c(svc.port());
  auto started = clock_type::now();
  auto rsp = c.get(calls + "never?wait=1");
  auto took = clock_type::now() - started;
  EXPECT_EQ(rsp.status, 404);
  EXPECT_EQ(json::parse(rsp.body)["error"], "Call result not found");
  EXPECT_GE(took, 1000ms);
  EXPECT_LT(took, 1500ms);
  c.post_json(webhook, R"({"message":{"type":"status-update","status":"ringing",)"
                       R"("call":{"id":"known"}}})");
  EXPECT_EQ(json::parse(c.get(calls + "known?wait=1").body)["callStatus"], "ringing");
}

// A request being answered is timed by none of the connection's timeouts (30 s for a head,
// 75 s idle): Pistache's counted from the end of the last request even while it was held.
TEST(LongPoll, LongWaitsOutlastPistachesOwnTimeouts) {
  service_process svc({}, {{"MAX_WAIT_SECONDS", "34"}});
  http_client c(svc.port(), 60);
  auto started = clock_type::now();
  auto rsp = c.get(calls + "slow?wait=34");
  EXPECT_EQ(rsp.status, 404);
  EXPECT_GE(clock_type::now() - started, 34s);
  EXPECT_EQ(c.get(calls + "slow").status, 404);  // the connection is still open and usable
}

TEST(LongPoll, CachedResultsAndNoWaitAnswerAtOnce) {
  service_process svc;
  http_client c(svc.port());
  c.post_json(webhook, report("here"));
  auto started = clock_type::now();
  EXPECT_EQ(c.get(calls + "here?wait=30").status, 200);
  EXPECT_EQ(c.get(calls + "absent").status, 404);
  EXPECT_EQ(c.get(calls + "absent?wait=0").status, 404);
  EXPECT_LT(clock_type::now() - started, 500ms);
}

TEST(LongPoll, WaitIsCappedAndBadValuesAre400) {
  service_process svc({}, {{"MAX_WAIT_SECONDS", "1"}});
  http_client c(svc.port());
  auto started = clock_type::now();
  EXPECT_EQ(c.get(calls + "x?wait=3600").status, 404);
  EXPECT_LT(clock_type::now() - started, 1500ms);
  for (const char* bad : {"-1", "abc", "1.5", "", "1e3", "99999999999"}) {
    auto rsp = c.get(calls + "x?wait=" + bad);
    EXPECT_EQ(rsp.status, 400) << bad;
    EXPECT_EQ(json::parse(rsp.body)["success"], false) << bad;
  }
}

TEST(LongPoll, ThousandConcurrentWaitersEachGetTheirOwnResult) {
  raise_fd_limit();
  service_process svc;
  constexpr int n = 1000;
  std::vector<std::unique_ptr<http_client>> waiters;
  for (int i = 0; i < n; ++i) {
    waiters.push_back(std::make_unique<http_client>(svc.port()));
    waiters.back()->send_raw(get_request(calls + "call-" + std::to_string(i) + "?wait=30"));
  }
  std::this_thread::sleep_for(300ms);
  http_client poster(svc.port());
  for (int i = n - 1; i >= 0; --i)  // in the opposite order, so no answer is by luck of order
    ASSERT_EQ(poster.post_json(webhook, report("call-" + std::to_string(i))).status, 200);
  int right = 0;
  for (int i = 0; i < n; ++i) {
    auto rsp = waiters[i]->read_response();
    if (rsp && rsp->status == 200 &&
        json::parse(rsp->body)["data"]["callId"] == "call-" + std::to_string(i))
      ++right;
  }
  EXPECT_EQ(right, n);
}

TEST(LongPoll, PastMaxWaitersItIs503WithRetryAfter) {
  service_process svc({}, {{"MAX_WAITERS", "2"}});
  http_client a(svc.port()), b(svc.port()), c(svc.port());
  a.send_raw(get_request(calls + "a?wait=10"));
  b.send_raw(get_request(calls + "b?wait=10"));
  std::this_thread::sleep_for(200ms);
  auto refused = c.get(calls + "c?wait=10");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_EQ(json::parse(refused.body)["success"], false);
  EXPECT_EQ(c.get(calls + "c").status, 404);  // a plain GET never waits, so is never refused
  c.post_json(webhook, report("a"));
  EXPECT_EQ(a.read_response()->status, 200);  // room again
  std::this_thread::sleep_for(100ms);
  c.send_raw(get_request(calls + "c?wait=10"));
  http_client poster(svc.port());
  poster.post_json(webhook, report("c"));
  EXPECT_EQ(c.read_response()->status, 200);
}

TEST(LongPoll, ClientsLeavingMidWaitHurtNothing) {
  service_process svc({}, {{"MAX_WAITERS", "50"}});
  for (int i = 0; i < 50; ++i) {
    http_client gone(svc.port());
    gone.send_raw(get_request(calls + "left-" + std::to_string(i % 5) + "?wait=1"));
  }  // each closes its socket while its wait is held
  std::this_thread::sleep_for(100ms);
  http_client c(svc.port());
  for (int i = 0; i < 5; ++i)  // answering writers of closed connections
    EXPECT_EQ(c.post_json(webhook, report("left-" + std::to_string(i))).status, 200);
  std::this_thread::sleep_for(1200ms);  // the rest time out against closed connections
  // Every waiter is gone by its timeout: the whole bound is free again.
  std::vector<std::unique_ptr<http_client>> held;
  for (int i = 0; i < 50; ++i) {
    held.push_back(std::make_unique<http_client>(svc.port()));
    held.back()->send_raw(get_request(calls + "new-" + std::to_string(i) + "?wait=5"));
  }
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(c.get(calls + "over?wait=5").status, 503);
  for (int i = 0; i < 50; ++i)
    c.post_json(webhook, report("new-" + std::to_string(i)));
  for (auto& h : held)
    EXPECT_EQ(h->read_response()->status, 200);
  EXPECT_EQ(c.get(calls + "left-0").status, 200);
}

TEST(LongPoll, BatchAnswersAllOrAnyInTheOrderAsked) {
  service_process svc;
  http_client c(svc.port()), poster(svc.port());
  poster.post_json(webhook, report("b"));
  auto now = c.get("/api/v1/vapi/calls?ids=a,b,c");
  ASSERT_EQ(now.status, 200);
  EXPECT_EQ(now.body.substr(0, 39), R"({"success":true,"data":{"a":null,"b":{")");
  auto j = json::parse(now.body);
  EXPECT_EQ(j["data"]["b"]["callId"], "b");
  EXPECT_EQ(j["pending"], json::array({"a", "c"}));

  c.send_raw(get_request("/api/v1/vapi/calls?ids=a,b,c&wait=10&mode=any"));
  auto any = c.read_response();  // b is in already
  EXPECT_EQ(json::parse(any->body)["pending"], json::array({"a", "c"}));

  c.send_raw(get_request("/api/v1/vapi/calls?ids=a,b,c&wait=10"));
  std::this_thread::sleep_for(100ms);
  poster.post_json(webhook, report("a"));
  std::this_thread::sleep_for(100ms);
  poster.post_json(webhook, report("c"));
  auto all = c.read_response();
  EXPECT_EQ(json::parse(all->body)["pending"], json::array());

  auto started = clock_type::now();
  auto partial = c.get("/api/v1/vapi/calls?ids=a,x,y&wait=1");
  EXPECT_GE(clock_type::now() - started, 1000ms);
  EXPECT_EQ(json::parse(partial.body)["pending"], json::array({"x", "y"}));
}

TEST(LongPoll, BatchRequestsAreChecked) {
  service_process svc;
  http_client c(svc.port());
  std::string ids;
  for (int i = 0; i < 101; ++i)
    ids += (i ? "," : "") + std::to_string(i);
  EXPECT_EQ(c.get("/api/v1/vapi/calls?ids=" + ids).status, 400);
  EXPECT_EQ(c.get("/api/v1/vapi/calls?ids=" + ids.substr(0, ids.rfind(','))).status, 200);
  EXPECT_EQ(c.get("/api/v1/vapi/calls").status, 400);
  EXPECT_EQ(c.get("/api/v1/vapi/calls?ids=").status, 400);
  EXPECT_EQ(c.get("/api/v1/vapi/calls?ids=a,,b").status, 400);
  EXPECT_EQ(c.get("/api/v1/vapi/calls?ids=a%20b").status, 400);
  EXPECT_EQ(c.get("/api/v1/vapi/calls?ids=a&mode=some").status, 400);
  EXPECT_EQ(c.get("/api/v1/vapi/calls?ids=a&wait=x").status, 400);
  auto dup = json::parse(c.get("/api/v1/vapi/calls?ids=a,a,a%2Db").body);
  EXPECT_EQ(dup["pending"], json::array({"a", "a-b"}));
}

TEST(LongPoll, ShutdownAnswersHeldWaitsAndExitsZero) {
  service_process svc;
  http_client waiter(svc.port());
  waiter.send_raw(get_request(calls + "pending?wait=50"));
  std::this_thread::sleep_for(200ms);
  auto started = clock_type::now();
  kill(svc.pid(), SIGTERM);
  auto rsp = waiter.read_response();
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->status, 404);
  EXPECT_EQ(svc.stop(SIGTERM), 0);
  EXPECT_LT(clock_type::now() - started, 2s);
}

}  // namespace
