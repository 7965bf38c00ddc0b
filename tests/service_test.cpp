// Tests the whole service as users meet it: the real binary on a free loopback port, spoken to
// over HTTP. Each test starts its own process, so none depends on another's state.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/payloads.hpp"
#include "tests/support/service_process.hpp"

namespace {

using nlohmann::json;
using test_support::http_client;
using test_support::http_response;
using test_support::service_process;

const std::string webhook = "/api/v1/vapi/webhook";
const std::string calls = "/api/v1/vapi/calls/";
const std::string stats = "/api/v1/vapi/cache/stats";

std::string payload(const std::string& name) { return test_support::read_payload(name); }

std::string report(const std::string& id, const std::string& transcript = "hello") {
  return json{{"message",
               {{"type", "end-of-call-report"},
                {"call",
                 {{"id", id},
                  {"endedReason", "customer-ended-call"},
                  {"transcript", transcript},
                  {"cost", 0.1},
                  {"startedAt", "2025-01-15T10:00:00Z"},
                  {"endedAt", "2025-01-15T10:01:00Z"}}}}}}
    .dump();
}

std::string not_found_body(const std::string& id) {
  return R"({"success":false,"error":"Call result not found","message":"No cached result found )"
         R"(for call ID: )" +
         id + R"(. It may have expired or not been received yet."})";
}

TEST(Service, SeedCurlExamplesGiveTheSeedResponses) {
  service_process svc;
  http_client c(svc.port());
  auto posted = c.post_json(webhook, payload("seed_curl.json"));
  EXPECT_EQ(posted.status, 200);
  EXPECT_EQ(posted.body, R"({"success":true,"message":"Webhook processed and cached )"
                         R"(successfully","callId":"test_call_123"})");
  EXPECT_EQ(posted.header("content-type"), "application/json; charset=utf-8");

  auto got = c.get(calls + "test_call_123");
  ASSERT_EQ(got.status, 200);
  auto data = json::parse(got.body);
  EXPECT_EQ(data["success"], true);
  EXPECT_EQ(data["data"]["callId"], "test_call_123");
  EXPECT_EQ(data["data"]["status"], "completed");
  EXPECT_EQ(data["data"]["transcript"], "Test transcript");
  EXPECT_EQ(data["data"]["analysis"]["summary"], "Test summary");
  EXPECT_EQ(data["data"]["provider"]["name"], "Test Provider");
  EXPECT_EQ(data["data"]["cost"], 0.25);

  auto s = json::parse(c.get(stats).body);
  EXPECT_EQ(s["stats"]["size"], 1);
  EXPECT_EQ(s["stats"]["entries"][0]["callId"], "test_call_123");
  EXPECT_EQ(s["stats"]["entries"][0]["expiresAt"].get<int64_t>() -
              s["stats"]["entries"][0]["timestamp"].get<int64_t>(),
            1800 * 1000);

  auto deleted = c.request("DELETE", calls + "test_call_123");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body,
            R"({"success":true,"message":"Call result test_call_123 deleted from cache"})");

  auto gone = c.get(calls + "test_call_123");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, not_found_body("test_call_123"));
  auto deleted_again = c.request("DELETE", calls + "test_call_123");
  EXPECT_EQ(deleted_again.status, 404);
  EXPECT_EQ(json::parse(deleted_again.body)["success"], false);
}

TEST(Service, SeedReportExampleIsCachedAsItsCallResult) {
  service_process svc;
  http_client c(svc.port());
  auto posted = c.post_json(webhook, payload("seed_report.json"));
  EXPECT_EQ(posted.body, R"({"success":true,"message":"Webhook processed and cached )"
                         R"(successfully","callId":"call_abc123"})");
  auto got = c.get(calls + "call_abc123");
  ASSERT_EQ(got.status, 200);
  auto d = json::parse(got.body)["data"];
  EXPECT_EQ(d["duration"], 5.5);
  EXPECT_EQ(d["callMethod"], "direct_vapi");
  EXPECT_EQ(d["endedReason"], "customer-ended-call");
  EXPECT_EQ(d["analysis"]["summary"], "Customer confirmed availability");
  EXPECT_EQ(d["analysis"]["structuredData"]["estimated_rate"], "$100/hour");
  EXPECT_EQ(d["provider"]["location"], "Greenville, SC");
  EXPECT_EQ(d["request"]["criteria"], "Need same-day service");
  EXPECT_EQ(d["cost"], 0.45);
  EXPECT_EQ(d["startedAt"], "2025-01-15T10:00:00Z");
}

TEST(Service, OtherMessageTypesAreAcknowledgedAndNotStored) {
  service_process svc;
  http_client c(svc.port());
  for (const char* type : {"transcript", "hang", "speech-update", "conversation-update",
                           "some-future-type"}) {
    auto rsp = c.post_json(webhook, json{{"message", {{"type", type}, {"call", {{"id", "c1"}}}}}}
                                      .dump());
    EXPECT_EQ(rsp.status, 200) << type;
    EXPECT_EQ(rsp.body, R"json({"success":true,"message":"Webhook received (ignored type)"})json");
  }
  EXPECT_EQ(json::parse(c.get(stats).body)["stats"]["size"], 0);
  EXPECT_EQ(c.get(calls + "c1").status, 404);
}

TEST(Service, InvalidPayloadsAreRefusedWithTheirPathsAndStoreNothing) {
  service_process svc;
  http_client c(svc.port());
  struct bad {
    std::string body;
    std::vector<std::string> paths;
  };
  const bad cases[] = {
    {"{not json", {""}},
    {"[1,2]", {""}},
    {"{}", {"message"}},
    {R"({"message":"x"})", {"message"}},
    {R"({"message":{}})", {"message.type"}},
    {R"({"message":{"type":7}})", {"message.type"}},
    {R"({"message":{"type":"end-of-call-report"}})", {"message.call"}},
    {R"({"message":{"type":"end-of-call-report","call":{}}})", {"message.call.id"}},
    {R"({"message":{"type":"end-of-call-report","call":{"id":""}}})", {"message.call.id"}},
    {R"({"message":{"type":"end-of-call-report","call":{"id":5}}})", {"message.call.id"}},
    {R"({"message":{"type":"end-of-call-report","call":{"id":"a","cost":"1",)"
     R"("transcript":3,"metadata":[],"analysis":{"structuredData":"x"}}}})",
     {"message.call.transcript", "message.call.cost", "message.call.analysis.structuredData",
      "message.call.metadata"}},
  };
  for (const auto& b : cases) {
    auto rsp = c.post_json(webhook, b.body);
    EXPECT_EQ(rsp.status, 400) << b.body;
    auto j = json::parse(rsp.body);
    EXPECT_EQ(j["success"], false);
    EXPECT_EQ(j["error"], "Invalid webhook payload");
    std::vector<std::string> paths;
    for (const auto& d : j["details"]) {
      paths.push_back(d["path"]);
      EXPECT_FALSE(d["message"].get<std::string>().empty());
    }
    std::sort(paths.begin(), paths.end());
    auto expected = b.paths;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(paths, expected) << b.body;
  }
  EXPECT_EQ(json::parse(c.get(stats).body)["stats"]["size"], 0);
}

TEST(Service, UnknownRoutesAre404AndWrongMethods405WithAllow) {
  service_process svc;
  http_client c(svc.port());
  auto missing = c.get("/api/v1/vapi/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["success"], false);
  EXPECT_EQ(c.get("/").status, 404);

  struct wrong {
    std::string method, path, allow;
  };
  for (const auto& w : {wrong{"PUT", webhook, "POST"}, wrong{"GET", webhook, "POST"},
                        wrong{"POST", calls + "x", "GET, DELETE"},
                        wrong{"PATCH", calls + "x", "GET, DELETE"},
                        wrong{"DELETE", stats, "GET"}, wrong{"OPTIONS", stats, "GET"}}) {
    auto rsp = c.request(w.method, w.path);
    EXPECT_EQ(rsp.status, 405) << w.method << " " << w.path;
    EXPECT_EQ(rsp.header("allow"), w.allow) << w.method << " " << w.path;
    auto j = json::parse(rsp.body);
    EXPECT_EQ(j["success"], false);
    EXPECT_EQ(j["error"], "Method Not Allowed");
  }
}

TEST(Service, OversizedBodyIs413AndTheConnectionAndCacheStayFine) {
  service_process svc;
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, report("kept")).status, 200);
  std::string huge(8 * 1024 * 1024 + 1, 'x');  // one byte over the default MAX_BODY_BYTES
  auto rsp = c.post_json(webhook, huge);
  EXPECT_EQ(rsp.status, 413);
  auto j = json::parse(rsp.body);
  EXPECT_EQ(j["success"], false);
  EXPECT_NE(j["message"].get<std::string>().find("MAX_BODY_BYTES"), std::string::npos);
  // The same connection serves the next request, and the stored result is still there.
  EXPECT_EQ(c.get(calls + "kept").status, 200);
}

TEST(Service, BodyAtTheLimitIsAccepted) {
  service_process svc({"--max-body-bytes", "65536"});
  http_client c(svc.port());
  std::string body = report("edge", std::string(60000, 't'));
  body.insert(body.size() - 1, std::string(65536 - body.size(), ' '));  // pad to exactly 64 KiB
  ASSERT_EQ(body.size(), 65536u);
  EXPECT_EQ(c.post_json(webhook, body).status, 200);
  EXPECT_EQ(c.post_json(webhook, body + " ").status, 413);
  EXPECT_EQ(c.get(calls + "edge").status, 200);
}

TEST(Service, NonJsonContentTypeIs415) {
  service_process svc;
  http_client c(svc.port());
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/xml"}) {
    auto rsp = c.request("POST", webhook, report("t"), {{"Content-Type", type}});
    EXPECT_EQ(rsp.status, 415) << type;
    EXPECT_EQ(json::parse(rsp.body)["error"], "Unsupported Media Type");
  }
  // JSON with parameters, and +json types, are JSON.
  EXPECT_EQ(c.request("POST", webhook, report("a"),
                      {{"Content-Type", "application/json; charset=utf-8"}})
              .status,
            200);
  EXPECT_EQ(c.request("POST", webhook, report("b"),
                      {{"Content-Type", "application/vnd.vapi+json"}})
              .status,
            200);
  EXPECT_EQ(c.get(calls + "t").status, 404);
}

TEST(Service, ConnectionsStayOpenUnlessTheClientAsksToClose) {
  service_process svc;
  http_client c(svc.port());
  for (int i = 0; i < 5; ++i) {
    auto rsp = c.get(calls + "none");
    EXPECT_EQ(rsp.status, 404);
    EXPECT_EQ(rsp.header("connection"), "Keep-Alive");
  }
  auto closing = c.request("GET", calls + "none", "", {{"Connection", "close"}});
  EXPECT_EQ(closing.header("connection"), "Close");

  http_client old(svc.port());
  old.send_raw("GET /api/v1/vapi/calls/x HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.read_response()->header("connection"), "Close");
}

TEST(Service, PipelinedRequestsAreAllAnsweredInOrder) {
  service_process svc;
  http_client c(svc.port());
  std::string body = report("piped");
  std::string batch = "POST " + webhook + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (int i = 0; i < 5; ++i)
    batch += "GET " + calls + "piped HTTP/1.1\r\nHost: x\r\n\r\n";
  c.send_raw(batch);
  EXPECT_EQ(c.read_response()->status, 200);
  for (int i = 0; i < 5; ++i) {
    auto rsp = c.read_response();
    ASSERT_TRUE(rsp);
    EXPECT_EQ(rsp->status, 200);
    EXPECT_EQ(json::parse(rsp->body)["data"]["callId"], "piped");
  }
}

TEST(Service, ChunkedAndExpectContinueUploadsWork) {
  service_process svc;
  http_client c(svc.port());
  std::string body = report("chunky");
  std::string half1 = body.substr(0, body.size() / 2), half2 = body.substr(body.size() / 2);
  auto hex = [](size_t n) {
    std::ostringstream o;
    o << std::hex << n;
    return o.str();
  };
  c.send_raw("POST " + webhook + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: chunked\r\n\r\n" + hex(half1.size()) + "\r\n" + half1 + "\r\n" +
             hex(half2.size()) + "\r\n" + half2 + "\r\n0\r\n\r\n");
  EXPECT_EQ(c.read_response()->status, 200);
  EXPECT_EQ(c.get(calls + "chunky").status, 200);

  std::string body2 = report("patient");
  c.send_raw("POST " + webhook + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Expect: 100-continue\r\nContent-Length: " + std::to_string(body2.size()) +
             "\r\n\r\n");
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  c.send_raw(body2);
  EXPECT_EQ(c.read_response()->status, 200);
  EXPECT_EQ(c.get(calls + "patient").status, 200);
}

TEST(Service, MalformedHttpGetsAJsonErrorAndTheServiceLivesOn) {
  service_process svc;
  {
    http_client c(svc.port());
    c.send_raw("POST " + webhook + " HTTP/1.1\r\nContent-Length: 12a\r\n\r\n");
    auto rsp = c.read_response();
    ASSERT_TRUE(rsp);
    EXPECT_EQ(rsp->status, 400);
    EXPECT_EQ(json::parse(rsp->body)["success"], false);
    EXPECT_TRUE(c.closed_by_server());
  }
  {
    http_client c(svc.port());
    c.send_raw("GET / HTTP/1.1\r\nX: " + std::string(40000, 'h') + "\r\n\r\n");
    auto rsp = c.read_response();
    ASSERT_TRUE(rsp);
    EXPECT_EQ(rsp->status, 431);
  }
  {
    http_client c(svc.port());
    c.send_raw("BREW /pot HTTP/1.1\r\n\r\n");
    auto rsp = c.read_response();
    ASSERT_TRUE(rsp);
    EXPECT_EQ(rsp->status, 400);
    // The framing is intact, so the connection goes on.
    EXPECT_EQ(c.get(calls + "x").status, 404);
  }
  http_client c(svc.port());
  EXPECT_EQ(c.post_json(webhook, report("alive")).status, 200);
}

TEST(Service, RedeliveryReplacesTheResult) {
  service_process svc;
  http_client c(svc.port());
  c.post_json(webhook, report("twice", "first"));
  c.post_json(webhook, report("twice", "second"));
  EXPECT_EQ(json::parse(c.get(calls + "twice").body)["data"]["transcript"], "second");
  EXPECT_EQ(json::parse(c.get(stats).body)["stats"]["size"], 1);
}

TEST(Service, ResultsExpireAfterTheConfiguredTtl) {
  service_process svc({}, {{"CACHE_TTL_SECONDS", "1"}});
  http_client c(svc.port());
  c.post_json(webhook, report("brief"));
  EXPECT_EQ(c.get(calls + "brief").status, 200);
  // The real clock: the actor's delayed message fires after one second.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 200;
  while (status == 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = c.get(calls + "brief").status;
  }
  EXPECT_EQ(status, 404);
  EXPECT_EQ(json::parse(c.get(stats).body)["stats"]["size"], 0);
}

TEST(Service, ConcurrentRequestsAreNeitherLostNorMixedUp) {
  service_process svc;
  constexpr int threads = 100, per_thread = 20;  // 2,000 POSTs and 2,000 GETs
  std::atomic<int> ok{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      http_client c(svc.port());
      for (int i = 0; i < per_thread; ++i) {
        std::string id = "call-" + std::to_string(t) + "-" + std::to_string(i);
        std::string transcript = "transcript of " + id;
        auto posted = c.post_json(webhook, report(id, transcript));
        auto got = c.get(calls + id);
        auto data = json::parse(got.body, nullptr, false);
        if (posted.status == 200 && json::parse(posted.body)["callId"] == id &&
            got.status == 200 && data["data"]["callId"] == id &&
            data["data"]["transcript"] == transcript)
          ++ok;
      }
    });
  }
  for (auto& th : pool)
    th.join();
  EXPECT_EQ(ok.load(), threads * per_thread);
  http_client c(svc.port());
  EXPECT_EQ(json::parse(c.get(stats).body)["stats"]["size"], threads * per_thread);
}

TEST(Service, LargeTranscriptAndUnicodeRoundTripByteForByte) {
  service_process svc;
  http_client c(svc.port());
  // 512 KB of every kind of text: accented, CJK, RTL, emoji sequences, U+2028, escapes.
  const std::string unit =
    "Señor Müller: “¿Está disponible?” 水道屋さん. مرحبا שלום 👩‍🔧🇺🇸 line\u2028sep \"q\" \\ \t\n";
  std::string transcript;
  while (transcript.size() < 512 * 1024)
    transcript += unit;
  ASSERT_EQ(c.post_json(webhook, report("big", transcript)).status, 200);
  auto got = c.get(calls + "big");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json::parse(got.body)["data"]["transcript"].get<std::string>(), transcript);

  // \u escapes in the request (surrogate pairs included) arrive as the same UTF-8.
  std::string escaped = R"({"message":{"type":"end-of-call-report","call":{"id":"esc",)"
                        R"("transcript":"\u00e9\ud83d\ude00\u2028"}}})";
  ASSERT_EQ(c.post_json(webhook, escaped).status, 200);
  EXPECT_EQ(json::parse(c.get(calls + "esc").body)["data"]["transcript"], "é😀\u2028");
}

TEST(Service, LogsAreJsonLinesAndNeverCarryTranscripts) {
  service_process svc({}, {{"LOG_LEVEL", "trace"}});
  http_client c(svc.port());
  const std::string secret = "SECRET-TRANSCRIPT-TEXT";
  c.post_json(webhook, report("logged", secret));
  c.get(calls + "logged");
  c.post_json(webhook, R"({"message":{"type":"end-of-call-report","call":{"id":"x","cost":")" +
                         secret + R"("}}})");
  c.get(calls + "missing");
  svc.stop(SIGTERM);
  std::vector<std::string> events;
  for (const auto& line : svc.log_lines()) {
    auto j = json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("event")) << line;
    events.push_back(j["event"]);
    EXPECT_EQ(line.find(secret), std::string::npos) << line;
  }
  for (const char* e : {"listening", "webhook_received", "cached", "retrieved", "webhook_invalid",
                        "not_found", "stopping", "stopped"})
    EXPECT_NE(std::find(events.begin(), events.end(), e), events.end()) << e;
}

TEST(Service, SigtermAndSigintExitZeroAndThePortRebindsAtOnce) {
  uint16_t port;
  {
    service_process svc;
    port = svc.port();
    http_client c(svc.port());
    c.post_json(webhook, report("x"));  // leave an open keep-alive connection behind
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(svc.stop(SIGTERM), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  }
  service_process again({"--port", std::to_string(port)});
  EXPECT_EQ(again.port(), port);
  EXPECT_EQ(again.stop(SIGINT), 0);
}

TEST(Service, ShutdownUnderLoadAnswersEveryRequestItTook) {
  service_process svc;
  {
    http_client c(svc.port());
    c.post_json(webhook, report("hot"));
  }
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, garbled{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t) {
    pool.emplace_back([&] {
      try {
        http_client c(svc.port());
        while (!stop) {
          c.send_raw("GET /api/v1/vapi/calls/hot HTTP/1.1\r\nHost: x\r\n\r\n");
          auto rsp = c.read_response();
          if (!rsp)
            return;  // closed between requests: fine, nothing was half-answered
          if ((rsp->status == 200 && json::parse(rsp->body)["data"]["callId"] == "hot") ||
              rsp->status == 503)
            ++answered;
          else
            ++garbled;
        }
      } catch (const std::exception&) {
        // connect refused or reset after the process ended
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(svc.stop(SIGTERM), 0);
  stop = true;
  for (auto& th : pool)
    th.join();
  EXPECT_GT(answered.load(), 0);
  EXPECT_EQ(garbled.load(), 0);
}

TEST(Service, BadSettingsExitTwoNamingTheSetting) {
  struct bad {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string named;
  };
  for (const auto& b : {bad{{"--port", "not-a-port"}, {}, "PORT"},
                        bad{{}, {{"CACHE_TTL_SECONDS", "-5"}}, "CACHE_TTL_SECONDS"},
                        bad{{}, {{"LOG_LEVEL", "loud"}}, "LOG_LEVEL"},
                        bad{{"--no-such-flag", "1"}, {}, "--no-such-flag"}}) {
    try {
      service_process svc(b.args, b.env);
      ADD_FAILURE() << "started despite a bad " << b.named;
    } catch (const std::runtime_error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("exited with code 2"), std::string::npos) << what;
      EXPECT_NE(what.find(b.named), std::string::npos) << what;
    }
  }
}

}  // namespace
