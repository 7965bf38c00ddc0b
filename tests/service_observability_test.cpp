// Tests the operator's view on the real binary: /metrics after a scripted sequence (exact
// values, and the whole page through a strict parser), /health, /ready during shutdown,
// X-Request-Id on every kind of response and in the logs, and stats paging.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
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

// Runs tests/check_exposition.py on `page` with the given --expect arguments; its exit code.
int check_exposition(const std::string& page, const std::vector<std::string>& expects) {
  char path[] = "/tmp/vapi-cache-metrics-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << page;
  std::string cmd = std::string("/usr/bin/python3 ") + VAPI_CACHE_CHECK_EXPOSITION + " " + path;
  for (const auto& e : expects)
    cmd += " --expect '" + e + "'";
  int rc = std::system(cmd.c_str());
  std::remove(path);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(Metrics, ScriptedSequenceGivesExactCountsAndAStrictlyValidPage) {
  service_process svc({}, {{"CACHE_TTL_SECONDS", "1"}});
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, report("first")).status, 200);
  ASSERT_EQ(c.post_json(webhook, R"({"message":{"type":"end-of-call-report"}})").status, 400);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(c.get(calls + "first").status, 200);
  ASSERT_EQ(c.get(calls + "missing").status, 404);
  // "first" expires after 1 s; then the second report is stored and lives for another second.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (sample(c.get("/metrics").body, "vapi_cache_results_expired_total") != 1) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the result never expired";
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(c.post_json(webhook, report("second")).status, 200);

  auto rsp = c.get("/metrics");
  ASSERT_EQ(rsp.status, 200);
  EXPECT_EQ(rsp.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto& page = rsp.body;
  EXPECT_EQ(sample(page, R"(vapi_cache_webhooks_received_total{type="end-of-call-report",outcome="stored"})"), 2);
  EXPECT_EQ(sample(page, R"(vapi_cache_webhooks_received_total{type="unknown",outcome="invalid"})"), 1);
  EXPECT_EQ(sample(page, "vapi_cache_results_cached_total"), 2);
  EXPECT_EQ(sample(page, "vapi_cache_results_retrieved_total"), 3);
  EXPECT_EQ(sample(page, "vapi_cache_results_missed_total"), 1);
  EXPECT_EQ(sample(page, "vapi_cache_results_expired_total"), 1);
  EXPECT_EQ(sample(page, "vapi_cache_results_deleted_total"), 0);
  EXPECT_EQ(sample(page, "vapi_cache_results_replaced_total"), 0);
  EXPECT_EQ(sample(page, "vapi_cache_entries"), 1);
  EXPECT_EQ(sample(page, "vapi_cache_result_first_retrieval_seconds_count"), 1);
  EXPECT_EQ(sample(page, R"(vapi_cache_http_request_duration_seconds_count{route="GET /api/v1/vapi/calls/:callId",status_class="2xx"})"), 3);
  EXPECT_EQ(sample(page, R"(vapi_cache_http_request_duration_seconds_count{route="GET /api/v1/vapi/calls/:callId",status_class="4xx"})"), 1);
  EXPECT_EQ(sample(page, R"(vapi_cache_http_request_duration_seconds_count{route="POST /api/v1/vapi/webhook",status_class="2xx"})"), 2);
  EXPECT_EQ(sample(page, R"(vapi_cache_http_request_duration_seconds_count{route="POST /api/v1/vapi/webhook",status_class="4xx"})"), 1);
  EXPECT_EQ(sample(page, R"(vapi_cache_actor_up{actor="cache"})"), 1);
  // the cache, the probe and the journal
  EXPECT_EQ(sample(page, "vapi_cache_actor_system_running_actors"), 3);
  EXPECT_GE(sample(page, "vapi_cache_actor_system_workers"), 1);
  EXPECT_GE(sample(page, R"(vapi_cache_actor_mailbox_messages{actor="cache"})"), 0);
  EXPECT_GE(sample(page, R"(vapi_cache_actor_messages_processed_total{actor="cache"})"), 7);
  EXPECT_GT(sample(page, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(sample(page, "process_open_fds"), 3);
  EXPECT_GT(sample(page, "process_start_time_seconds"), 1.7e9);

  // The whole page through prometheus_client's parser and the stricter checks of
  // tests/check_exposition.py, with the scripted values asserted once more by the referee.
  EXPECT_EQ(check_exposition(page,
                             {R"(vapi_cache_webhooks_received_total{type="end-of-call-report",outcome="stored"}=2)",
                              R"(vapi_cache_webhooks_received_total{type="unknown",outcome="invalid"}=1)",
                              "vapi_cache_results_retrieved_total=3",
                              "vapi_cache_results_missed_total=1",
                              "vapi_cache_results_expired_total=1"}),
            0);
}

TEST(Metrics, WebhooksAreCountedByTypeAndOutcome) {
  service_process svc({}, {{"WEBHOOK_SECRET", "s3cret"}, {"MAX_BODY_BYTES", "1024"}});
  http_client c(svc.port());
  auto post = [&](const std::string& body, bool signed_in) {
    std::map<std::string, std::string> h = {{"Content-Type", "application/json"}};
    if (signed_in)
      h["X-Vapi-Secret"] = "s3cret";
    return c.request("POST", webhook, body, h).status;
  };
  EXPECT_EQ(post(report("a"), false), 401);
  EXPECT_EQ(post(R"({"message":{"type":"status-update","status":"ringing","call":{"id":"a"}}})",
                 true),
            200);
  EXPECT_EQ(post(R"({"message":{"type":"transcript"}})", true), 200);
  EXPECT_EQ(post(R"({"message":{"type":"no-such-type"}})", true), 200);
  EXPECT_EQ(post(std::string(2000, ' '), true), 413);
  auto page = c.get("/metrics").body;
  auto webhooks = [&](const std::string& type, const std::string& outcome) {
    return sample(page, "vapi_cache_webhooks_received_total{type=\"" + type + "\",outcome=\"" +
                          outcome + "\"}");
  };
  EXPECT_EQ(webhooks("unknown", "unauthorized"), 1);
  EXPECT_EQ(webhooks("status-update", "noted"), 1);
  EXPECT_EQ(webhooks("transcript", "ignored"), 1);
  EXPECT_EQ(webhooks("other", "ignored"), 1);  // a type from the sender never becomes a label
  EXPECT_EQ(webhooks("unknown", "too_large"), 1);
  EXPECT_EQ(sample(page, "vapi_cache_call_status_updates_total"), 1);
  EXPECT_EQ(page.find("no-such-type"), std::string::npos);
}

TEST(Metrics, LongPollsHaveTheirOwnRouteAndOutcomes) {
  service_process svc({}, {{"MAX_WAITERS", "1"}});
  http_client waiter(svc.port()), other(svc.port()), c(svc.port());
  waiter.send_raw(get_request(calls + "w?wait=5"));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(other.get(calls + "x?wait=5").status, 503);  // the one slot is taken
  ASSERT_EQ(c.post_json(webhook, report("w")).status, 200);
  ASSERT_TRUE(waiter.read_response());
  EXPECT_EQ(c.get(calls + "never?wait=1").status, 404);
  auto page = c.get("/metrics").body;
  EXPECT_EQ(sample(page, R"(vapi_cache_waits_total{outcome="answered"})"), 1);
  EXPECT_EQ(sample(page, R"(vapi_cache_waits_total{outcome="refused"})"), 1);
  EXPECT_EQ(sample(page, R"(vapi_cache_waits_total{outcome="timed_out"})"), 1);
  EXPECT_EQ(sample(page, "vapi_cache_waiters"), 0);
  EXPECT_EQ(sample(page, R"(vapi_cache_http_request_duration_seconds_count{route="GET /api/v1/vapi/calls/:callId?wait",status_class="2xx"})"), 1);
  EXPECT_EQ(sample(page, R"(vapi_cache_http_request_duration_seconds_count{route="GET /api/v1/vapi/calls/:callId?wait",status_class="4xx"})"), 1);
  EXPECT_EQ(sample(page, R"(vapi_cache_http_request_duration_seconds_count{route="GET /api/v1/vapi/calls/:callId?wait",status_class="5xx"})"), 1);
  // The timed-out wait took its second: it is in le="2.5" and not in le="0.5".
  EXPECT_EQ(sample(page, R"(vapi_cache_http_request_duration_seconds_bucket{route="GET /api/v1/vapi/calls/:callId?wait",status_class="4xx",le="0.5"})"), 0);
  EXPECT_EQ(sample(page, R"(vapi_cache_http_request_duration_seconds_bucket{route="GET /api/v1/vapi/calls/:callId?wait",status_class="4xx",le="2.5"})"), 1);
}

TEST(Metrics, TheApiTokenGuardsMetricsButNotHealthOrReady) {
  service_process svc({}, {{"API_TOKEN", "t0ken"}});
  http_client c(svc.port());
  auto denied = c.get("/metrics");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.header("www-authenticate"), "Bearer");
  EXPECT_EQ(c.request("GET", "/metrics", "", {{"Authorization", "Bearer t0ken"}}).status, 200);
  EXPECT_EQ(c.get("/health").status, 200);
  EXPECT_EQ(c.get("/ready").status, 200);
}

TEST(Health, HealthAndReadyAnswerWhileServing) {
  service_process svc;
  http_client c(svc.port());
  auto health = c.get("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body),
            json::parse(R"({"success":true,"status":"ok","journal":"ok","store":"memory"})"));
  auto ready = c.get("/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(json::parse(ready.body), json::parse(R"({"success":true,"status":"ready"})"));
  auto wrong = c.request("POST", "/health");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow"), "GET");
}

TEST(Health, ReadyTurns503AtSigtermWhileRequestsAreStillServed) {
  service_process svc({}, {{"SHUTDOWN_DELAY_SECONDS", "30"}});
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, report("kept")).status, 200);
  ASSERT_EQ(kill(svc.pid(), SIGTERM), 0);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  http_response ready;
  do {
    ready = c.get("/ready");
  } while (ready.status == 200 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(json::parse(ready.body)["message"], "The service is shutting down");
  // Within the delay everything else is still served.
  EXPECT_EQ(c.get(calls + "kept").status, 200);
  EXPECT_EQ(c.get("/health").status, 200);
  // A second signal ends the delay: the service drains and exits at once.
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(svc.stop(SIGTERM, 10s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST(RequestId, EveryResponseCarriesOneAndTheClientsIsEchoed) {
  service_process svc({}, {{"MAX_BODY_BYTES", "1024"}});
  http_client c(svc.port());
  std::regex generated("[0-9a-f]{32}");
  auto echoed = c.request("GET", calls + "x", "", {{"X-Request-Id", "flow-42:step.1"}});
  EXPECT_EQ(echoed.header("x-request-id"), "flow-42:step.1");
  auto replaced = c.request("GET", calls + "x", "", {{"X-Request-Id", "has spaces"}});
  EXPECT_TRUE(std::regex_match(replaced.header("x-request-id"), generated));

  std::vector<http_response> kinds = {
    c.post_json(webhook, report("r")),                    // 200 from the cache actor
    c.post_json(webhook, "{"),                            // 400 from validation
    c.get("/no/such/route"),                              // 404 from the router
    c.request("PUT", webhook),                            // 405
    c.get("/health"),                                     // from the probe actor
    c.get("/metrics"),
    c.get(stats),
    c.post_json(webhook, std::string(2000, ' ')),         // 413 from the framer
  };
  for (const auto& rsp : kinds)
    EXPECT_TRUE(std::regex_match(rsp.header("x-request-id"), generated))
      << rsp.status << " without an X-Request-Id";
  c.send_raw("GARBAGE\r\n\r\n");  // 400 before any request exists
  auto garbage = c.read_response();
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_TRUE(std::regex_match(garbage->header("x-request-id"), generated));

  // Distinct per request.
  EXPECT_NE(kinds[0].header("x-request-id"), kinds[1].header("x-request-id"));
}

TEST(RequestId, LogLinesCarryTheRequestsId) {
  service_process svc;
  http_client c(svc.port());
  c.request("POST", webhook, report("logged"),
            {{"Content-Type", "application/json"}, {"X-Request-Id", "trace-abc"}});
  c.request("GET", calls + "logged", "", {{"X-Request-Id", "trace-def"}});
  auto has_line = [&](const std::string& event, const std::string& id) {
    for (const auto& line : svc.log_lines()) {
      auto j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("event", "") == event && j.value("requestId", "") == id)
        return true;
    }
    return false;
  };
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!has_line("retrieved", "trace-def") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(has_line("webhook_received", "trace-abc"));
  EXPECT_TRUE(has_line("cached", "trace-abc"));
  EXPECT_TRUE(has_line("retrieved", "trace-def"));
}

TEST(StatsPaging, PagesWalkTheCacheAndTheDefaultKeepsTheSeedKeys) {
  service_process svc;
  http_client c(svc.port());
  for (const char* id : {"p1", "p2", "p3"})
    ASSERT_EQ(c.post_json(webhook, report(id)).status, 200);
  auto whole = json::parse(c.get(stats).body);
  EXPECT_EQ(whole["success"], true);
  EXPECT_EQ(whole["stats"]["size"], 3);
  EXPECT_EQ(whole["stats"]["entries"].size(), 3u);
  EXPECT_TRUE(whole["stats"]["nextCursor"].is_null());
  EXPECT_EQ(whole["stats"]["counters"]["stored"], 3);
  EXPECT_EQ(whole["stats"]["actorSystem"]["runningActors"], 3);  // cache, probe, journal

  auto first = json::parse(c.get(stats + "?limit=2").body)["stats"];
  ASSERT_EQ(first["entries"].size(), 2u);
  ASSERT_TRUE(first["nextCursor"].is_string());
  EXPECT_EQ(first["size"], 3);
  auto second =
    json::parse(c.get(stats + "?limit=2&cursor=" + first["nextCursor"].get<std::string>()).body)
      ["stats"];
  ASSERT_EQ(second["entries"].size(), 1u);
  EXPECT_TRUE(second["nextCursor"].is_null());
  std::set<std::string> ids;
  for (const auto& page : {first, second})
    for (const auto& e : page["entries"])
      ids.insert(e["callId"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{"p1", "p2", "p3"}));

  auto bad_limit = c.get(stats + "?limit=-1");
  EXPECT_EQ(bad_limit.status, 400);
  EXPECT_NE(json::parse(bad_limit.body)["message"].get<std::string>().find("limit"),
            std::string::npos);
  EXPECT_EQ(c.get(stats + "?cursor=nonsense").status, 400);
}

}  // namespace

namespace {

TEST(LongPollSlots, ClientsThatLeaveGiveTheirSlotsBack) {
  service_process svc({}, {{"MAX_WAITERS", "2"}});
  {
    http_client a(svc.port()), b(svc.port());
    a.send_raw(get_request(calls + "x?wait=50"));
    b.send_raw(get_request(calls + "y?wait=50"));
    std::this_thread::sleep_for(300ms);
    http_client c(svc.port());
    EXPECT_EQ(c.get(calls + "z?wait=1").status, 503);  // both slots held
  }  // a and b disconnect
  http_client c(svc.port());
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (sample(c.get("/metrics").body, "vapi_cache_waiters") != 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the slots were never given back";
    std::this_thread::sleep_for(20ms);
  }
  // A client that closes (FIN) may only have half-closed: its waits are answered at once
  // rather than dropped (README, "Wait for a result").
  EXPECT_EQ(sample(c.get("/metrics").body, R"(vapi_cache_waits_total{outcome="released"})"), 2);
  EXPECT_EQ(c.get(calls + "z?wait=1").status, 404);  // held for its second, then the seed 404
}

// A reset connection is gone for certain: its wait is dropped unanswered.
TEST(LongPollSlots, ResetClientsWaitsAreDropped) {
  service_process svc({}, {{"MAX_WAITERS", "1"}});
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(svc.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string held = get_request(calls + "x?wait=50");
  ASSERT_EQ(send(fd, held.data(), held.size(), 0), static_cast<ssize_t>(held.size()));
  http_client c(svc.port());
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (sample(c.get("/metrics").body, "vapi_cache_waiters") != 1) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the wait was never held";
    std::this_thread::sleep_for(20ms);
  }
  linger reset{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close(fd);  // RST
  while (sample(c.get("/metrics").body, "vapi_cache_waiters") != 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the slot was never given back";
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(sample(c.get("/metrics").body, R"(vapi_cache_waits_total{outcome="abandoned"})"), 1);
}

}  // namespace
