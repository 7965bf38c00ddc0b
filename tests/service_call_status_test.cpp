// Tests the real binary on VAPI's other traffic: status-updates recorded per call and shown on a
// miss, and the message types VAPI waits on for an answer body.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/http_client.hpp"
#include "tests/support/payloads.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_process.hpp"

namespace {

using nlohmann::json;
using test_support::http_client;
using test_support::service_process;
using namespace test_support;  // paths and requests from service_api.hpp

std::string status_update(const std::string& id, const std::string& status,
                          const std::string& reason = "") {
  json message = {{"type", "status-update"},
                  {"status", status},
                  {"timestamp", 1737000000000},
                  {"call", {{"id", id}, {"status", "queued"}}}};
  if (!reason.empty())
    message["endedReason"] = reason;
  return json{{"message", message}}.dump();
}

std::string seed_not_found(const std::string& id) {
  return R"({"success":false,"error":"Call result not found","message":"No cached result found )"
         R"(for call ID: )" +
         id + R"(. It may have expired or not been received yet.")";
}

TEST(CallStatus, MissTellsStillTalkingFromEndedFromUnknown) {
  service_process svc;
  http_client c(svc.port());
  EXPECT_EQ(c.get(calls + "c1").body, seed_not_found("c1") + "}");  // never heard of it

  auto noted = c.post_json(webhook, status_update("c1", "ringing"));
  EXPECT_EQ(noted.status, 200);
  EXPECT_EQ(noted.body, R"({"success":true,"message":"Call status recorded","callId":"c1"})");
  c.post_json(webhook, status_update("c1", "in-progress"));
  auto talking = c.get(calls + "c1");
  EXPECT_EQ(talking.status, 404);
  EXPECT_EQ(talking.body, seed_not_found("c1") + R"(,"callStatus":"in-progress"})");

  c.post_json(webhook, status_update("c1", "ended", "customer-ended-call"));
  auto pending = c.get(calls + "c1");
  EXPECT_EQ(pending.status, 404);
  EXPECT_EQ(pending.body, seed_not_found("c1") +
                            R"(,"callStatus":"ended","endedReason":"customer-ended-call"})");

  ASSERT_EQ(c.post_json(webhook, report("c1")).status, 200);
  c.post_json(webhook, status_update("c1", "in-progress"));  // late: a result is final
  auto done = c.get(calls + "c1");
  EXPECT_EQ(done.status, 200);
  EXPECT_EQ(json::parse(done.body)["data"]["endedReason"], "customer-ended-call");
  EXPECT_EQ(json::parse(c.get("/api/v1/vapi/cache/stats").body)["stats"]["size"], 1);
}

TEST(CallStatus, StatusesExpireWithTheTtl) {
  service_process svc({}, {{"CACHE_TTL_SECONDS", "1"}});
  http_client c(svc.port());
  c.post_json(webhook, status_update("brief", "queued"));
  EXPECT_NE(c.get(calls + "brief").body.find("callStatus"), std::string::npos);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string body;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    body = c.get(calls + "brief").body;
  } while (body.find("callStatus") != std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(body, seed_not_found("brief") + "}");
}

TEST(CallStatus, StatusUpdateNeedsAValidCall) {
  service_process svc;
  http_client c(svc.port());
  auto no_call = c.post_json(webhook, R"({"message":{"type":"status-update","status":"ringing"}})");
  EXPECT_EQ(no_call.status, 400);
  EXPECT_EQ(json::parse(no_call.body)["details"][0]["path"], "message.call");
  auto bad_id = c.post_json(webhook, status_update("has space", "ringing"));
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(json::parse(bad_id.body)["details"][0]["path"], "message.call.id");
}

TEST(CallStatus, TypesAwaitingAnAnswerGetAnEmptyObject) {
  service_process svc;
  http_client c(svc.port());
  for (const char* type : {"assistant-request", "tool-calls", "transfer-destination-request",
                           "knowledge-base-request"}) {
    auto rsp = c.post_json(webhook, json{{"message", {{"type", type}, {"call", {{"id", "t"}}}}}}
                                      .dump());
    EXPECT_EQ(rsp.status, 200) << type;
    EXPECT_EQ(rsp.body, "{}") << type;
  }
  for (const char* type : {"transcript", "hang", "speech-update", "conversation-update",
                           "model-output", "user-interrupted", "some-future-type"}) {
    auto rsp = c.post_json(webhook, json{{"message", {{"type", type}}}}.dump());
    EXPECT_EQ(rsp.status, 200) << type;
    EXPECT_EQ(json::parse(rsp.body)["success"], true) << type;
  }
  EXPECT_EQ(c.get(calls + "t").status, 404);
}

TEST(CallStatus, EveryExamplePayloadIsAcknowledgedAndEveryReportServed) {
  service_process svc;
  http_client c(svc.port());
  int reports = 0;
  for (const auto& path : test_support::payload_files()) {
    auto text = test_support::read_file(path);
    auto body = json::parse(text);
    auto rsp = c.post_json(webhook, text);
    EXPECT_EQ(rsp.status, 200) << path << rsp.body;
    if (body["message"]["type"] == "end-of-call-report") {
      ++reports;
      auto id = body["message"]["call"]["id"].get<std::string>();
      auto got = c.get(calls + id);
      EXPECT_EQ(got.status, 200) << path;
      EXPECT_EQ(json::parse(got.body)["data"]["callId"], id) << path;
    }
  }
  EXPECT_GE(reports, 8);  // seed, seed curl, real, no-answer, long, Unicode, timestamps, ...
}

}  // namespace
