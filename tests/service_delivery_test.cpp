// Tests the real binary pushing results (KESTRA_URL, FORWARD_URL) to a stand-in on loopback:
// the resume request exactly as Kestra's ExecutionController reads it, retries with Retry-After,
// a 4xx that ends a delivery, giving up, an execution id that is no Kestra id, a pending
// delivery that outlives kill -9, and a forwarded result signed the Standard Webhooks way.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <thread>

#include "tests/support/eventually.hpp"
#include "tests/support/fake_target.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_process.hpp"

namespace {

using namespace std::chrono_literals;
using namespace test_support;
using nlohmann::json;

const std::string execution = "7NLCAyd6sKR7kDHxgAWFPG";  // a real Kestra id's shape

std::string flow_report(const std::string& id, const std::string& exec = execution) {
  return json{{"message",
               {{"type", "end-of-call-report"},
                {"endedReason", "customer-ended-call"},
                {"analysis", {{"summary", "booked"}}},
                {"call",
                 {{"id", id},
                  {"metadata", {{"providerName", "Ada"}}},
                  {"assistantOverrides", {{"metadata", {{"kestraExecutionId", exec}}}}}}}}}}
    .dump();
}

std::map<std::string, std::string> kestra_env(const fake_target& k,
                                              std::map<std::string, std::string> more = {}) {
  std::map<std::string, std::string> env = {{"KESTRA_URL", k.url()},
                                            {"KESTRA_USERNAME", "flows@example.com"},
                                            {"KESTRA_PASSWORD", "s3cret-pw"}};
  for (auto& [key, v] : more)
    env[key] = v;
  return env;
}

json data_of(http_client& c, const std::string& id) {
  return json::parse(c.get(calls + id).body)["data"];
}

double metric(http_client& c, const std::string& series) {
  auto text = c.get("/metrics").body;
  auto at = text.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
}

std::string base64(const unsigned char* p, size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  out.resize(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, int(n)));
  return out;
}

TEST(Delivery, AStoredResultResumesItsPausedExecutionAsKestraReadsIt) {
  fake_target kestra;
  service_process svc({}, kestra_env(kestra));
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, flow_report("call-1")).status, 200);
  ASSERT_TRUE(kestra.wait_for(1));
  auto r = kestra.requests().at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/api/v1/main/executions/" + execution + "/resume");
  EXPECT_EQ(r.header("authorization"), "Basic Zmxvd3NAZXhhbXBsZS5jb206czNjcmV0LXB3");
  EXPECT_EQ(r.header("content-type").rfind("multipart/form-data; boundary=", 0), 0u);
  // The input is a plain form field (no filename: not a file part) holding the CallResult.
  auto field = form_field(r.body, r.header("content-type"), "result");
  ASSERT_FALSE(field.empty()) << r.body;
  EXPECT_EQ(r.body.find("filename"), std::string::npos);
  EXPECT_EQ(json::parse(field), data_of(c, "call-1"));
  EXPECT_TRUE(eventually([&] {
    return metric(c, R"(vapi_deliveries_total{target="kestra",outcome="delivered"})") == 1;
  }));
  EXPECT_EQ(metric(c, R"(vapi_deliveries_pending{target="kestra"})"), 0);
  auto s = json::parse(c.get(stats).body);
  EXPECT_EQ(s["stats"]["deliveries"]["kestra"]["delivered"], 1);
  EXPECT_EQ(s["stats"]["deliveries"]["kestra"]["pending"], 0);
  EXPECT_EQ(svc.stop(SIGTERM), 0);
  auto log = svc.log_text();
  EXPECT_EQ(log.find("s3cret-pw"), std::string::npos);
  EXPECT_EQ(log.find("Zmxvd3NAZXhhbXBsZS5jb206czNjcmV0LXB3"), std::string::npos);
}

TEST(Delivery, OtherKestraVersionsTakeTheirPathAndABearerToken) {
  fake_target kestra;
  service_process svc({}, {{"KESTRA_URL", kestra.url() + "/"},
                           {"KESTRA_API_TOKEN", "tok-123"},
                           {"KESTRA_TENANT", "acme"},
                           {"KESTRA_RESUME_INPUT", "callResult"},
                           {"KESTRA_RESUME_PATH",
                            "/api/v1/{tenant}/executions/{executionId}/actions/resume"}});
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, flow_report("call-2")).status, 200);
  ASSERT_TRUE(kestra.wait_for(1));
  auto r = kestra.requests().at(0);
  EXPECT_EQ(r.path, "/api/v1/acme/executions/" + execution + "/actions/resume");
  EXPECT_EQ(r.header("authorization"), "Bearer tok-123");
  EXPECT_FALSE(form_field(r.body, r.header("content-type"), "callResult").empty());
  EXPECT_EQ(svc.stop(SIGTERM), 0);
  EXPECT_EQ(svc.log_text().find("tok-123"), std::string::npos);
}

TEST(Delivery, NoAnswer5xxAnd429AreRetriedHonouringRetryAfter) {
  fake_target kestra;
  kestra.reply_next({503, {"Retry-After: 2"}, "busy"});
  kestra.reply_next({429, {}, ""});
  service_process svc({}, kestra_env(kestra));
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, flow_report("call-3")).status, 200);
  ASSERT_TRUE(kestra.wait_for(3, 20s));
  auto rs = kestra.requests();
  EXPECT_GE(rs[1].at - rs[0].at, 1900ms);  // Retry-After: 2
  EXPECT_GE(rs[2].at - rs[1].at, 500ms);   // the back-off: 1 s doubling, half of it jitter
  EXPECT_TRUE(eventually([&] {
    return metric(c, R"(vapi_deliveries_total{target="kestra",outcome="delivered"})") == 1;
  }));
  EXPECT_EQ(metric(c, R"(vapi_deliveries_total{target="kestra",outcome="retried"})"), 2);
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

TEST(Delivery, AnAnswerNoRetryCanFixEndsTheDelivery) {
  fake_target kestra;
  kestra.reply_by_default({404, {}, R"({"message":"Execution not found"})"});
  service_process svc({}, kestra_env(kestra));
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, flow_report("call-4")).status, 200);
  ASSERT_TRUE(kestra.wait_for(1));
  EXPECT_TRUE(eventually([&] {
    return metric(c, R"(vapi_deliveries_total{target="kestra",outcome="refused"})") == 1;
  }));
  std::this_thread::sleep_for(1500ms);  // a retry would come after 0.5-1 s
  EXPECT_EQ(kestra.requests().size(), 1u);
  EXPECT_NE(svc.log_text().find("\"delivery_refused\""), std::string::npos);
  EXPECT_NE(svc.log_text().find("\"status\":404"), std::string::npos);
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

// A call that fails at once can report before its flow reaches the Pause: Kestra's 409 then
// means "not yet", and the resume is tried again.
TEST(Delivery, NotPausedYetIsRetriedShortlyAfterTheResultArrives) {
  fake_target kestra;
  kestra.reply_next({409, {}, R"({"message":"Execution is not paused, can't resume it"})"});
  service_process svc({}, kestra_env(kestra));
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, flow_report("call-early")).status, 200);
  ASSERT_TRUE(kestra.wait_for(2));
  EXPECT_TRUE(eventually([&] {
    return metric(c, R"(vapi_deliveries_total{target="kestra",outcome="delivered"})") == 1;
  }));
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

TEST(Delivery, ANewerReportOfACallReplacesWhatItsPendingDeliveryCarries) {
  fake_target kestra;
  kestra.reply_next({503, {"Retry-After: 2"}, ""});
  service_process svc({}, kestra_env(kestra));
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, flow_report("call-twice")).status, 200);
  ASSERT_TRUE(kestra.wait_for(1));
  auto newer = json::parse(flow_report("call-twice"));
  newer["message"]["analysis"]["summary"] = "rebooked";
  ASSERT_EQ(c.post_json(webhook, newer.dump()).status, 200);
  ASSERT_TRUE(kestra.wait_for(2));
  auto r = kestra.requests().at(1);
  EXPECT_EQ(json::parse(form_field(r.body, r.header("content-type"), "result"))["analysis"]["summary"],
            "rebooked");
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(kestra.requests().size(), 2u);  // one delivery per call, not one per report
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

TEST(Delivery, ADeliveryStillFailingWhenItsWindowEndsIsGivenUp) {
  fake_target kestra;
  kestra.reply_by_default({500, {}, ""});
  service_process svc({}, kestra_env(kestra, {{"DELIVERY_RETRY_SECONDS", "3"}}));
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, flow_report("call-5")).status, 200);
  EXPECT_TRUE(eventually([&] {
    return metric(c, R"(vapi_deliveries_total{target="kestra",outcome="gave_up"})") == 1;
  }, 10s));
  EXPECT_EQ(metric(c, R"(vapi_deliveries_pending{target="kestra"})"), 0);
  EXPECT_NE(svc.log_text().find("\"delivery_gave_up\""), std::string::npos);
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

TEST(Delivery, OnlyAnIdOfKestrasShapeIsSentAndNeverWhereThePayloadSays) {
  fake_target kestra;
  service_process svc({}, kestra_env(kestra));
  http_client c(svc.port());
  for (auto bad : {"../../api/v1/flows", "abc/def", "http://evil.example/x", "aaaaaaaaaaaaaaaaaaaaaaa"})
    ASSERT_EQ(c.post_json(webhook, flow_report(std::string("bad-") + std::to_string(bad[0]), bad))
                .status, 200);
  EXPECT_EQ(c.post_json(webhook, report("no-execution")).status, 200);  // none: no delivery
  EXPECT_TRUE(eventually([&] {
    return metric(c, R"(vapi_deliveries_total{target="kestra",outcome="refused"})") == 4;
  }));
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(kestra.requests().empty());
  EXPECT_NE(svc.log_text().find("\"kestra_execution_id_invalid\""), std::string::npos);
  EXPECT_EQ(svc.stop(SIGTERM), 0);
}

TEST(Delivery, APendingDeliveryOutlivesKill9AndIsNotResentOnceDelivered) {
  uint16_t port;
  { fake_target gone; port = gone.port(); }  // nothing listens there now
  auto dir = make_temp_dir("vapi-delivery");
  std::map<std::string, std::string> env = {{"DATA_DIR", dir},
                                            {"KESTRA_URL", "http://127.0.0.1:" + std::to_string(port)}};
  {
    service_process svc({}, env);
    http_client c(svc.port());
    ASSERT_EQ(c.post_json(webhook, flow_report("call-6")).status, 200);
    ASSERT_TRUE(eventually([&] { return svc.log_text().find("\"delivery_retrying\"") != std::string::npos; }));
    EXPECT_EQ(svc.stop(SIGKILL), -1);
  }
  fake_target kestra(port);
  {
    service_process svc({}, env);
    ASSERT_TRUE(kestra.wait_for(1));
    EXPECT_EQ(kestra.requests().at(0).path, "/api/v1/main/executions/" + execution + "/resume");
    http_client c(svc.port());
    EXPECT_TRUE(eventually([&] {
      return metric(c, R"(vapi_deliveries_total{target="kestra",outcome="delivered"})") == 1;
    }));
    EXPECT_EQ(svc.stop(SIGKILL), -1);  // the end of the delivery is synced once it is known
  }
  {
    service_process svc({}, env);
    http_client c(svc.port());
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(kestra.requests().size(), 1u);
    EXPECT_EQ(metric(c, R"(vapi_deliveries_pending{target="kestra"})"), 0);
    EXPECT_EQ(svc.stop(SIGTERM), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(Delivery, AForwardedResultIsSignedTheStandardWebhooksWay) {
  fake_target consumer;
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  service_process svc({}, {{"FORWARD_URL", consumer.url() + "/hooks/vapi"},
                           {"FORWARD_SECRET", secret}});
  http_client c(svc.port());
  ASSERT_EQ(c.post_json(webhook, flow_report("call-7")).status, 200);
  ASSERT_TRUE(consumer.wait_for(1));
  auto r = consumer.requests().at(0);
  EXPECT_EQ(r.path, "/hooks/vapi");
  EXPECT_EQ(r.header("content-type"), "application/json");
  auto body = json::parse(r.body);
  EXPECT_EQ(body["type"], "call.result");
  EXPECT_EQ(body["callId"], "call-7");
  EXPECT_EQ(body["data"], data_of(c, "call-7"));
  auto id = r.header("webhook-id"), ts = r.header("webhook-timestamp");
  ASSERT_FALSE(id.empty());
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(std::llabs(std::stoll(ts) - now), 5);
  // Verified here with OpenSSL directly, as a consumer would: key = base64-decoded secret.
  std::string b64 = secret.substr(6);
  unsigned char key[64];
  int key_len = EVP_DecodeBlock(key, reinterpret_cast<const unsigned char*>(b64.data()),
                                int(b64.size()));
  key_len -= int(std::count(b64.end() - 2, b64.end(), '='));
  std::string signed_text = id + "." + ts + "." + r.body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  HMAC(EVP_sha256(), key, key_len, reinterpret_cast<const unsigned char*>(signed_text.data()),
       signed_text.size(), mac, &mac_len);
  EXPECT_EQ(r.header("webhook-signature"), "v1," + base64(mac, mac_len));
  EXPECT_EQ(svc.stop(SIGTERM), 0);
  EXPECT_EQ(svc.log_text().find(secret), std::string::npos);
  EXPECT_EQ(svc.log_text().find("/hooks/vapi"), std::string::npos);
}

TEST(Delivery, TheWebhookIsAnsweredWhileTheTargetHangs) {
  // A target that takes connections (the kernel's backlog) and never answers.
  int silent = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(silent, 128), 0);
  socklen_t len = sizeof a;
  ::getsockname(silent, reinterpret_cast<sockaddr*>(&a), &len);
  service_process svc({}, {{"KESTRA_URL", "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port))},
                           {"DELIVERY_TIMEOUT_SECONDS", "1"}});
  http_client c(svc.port());
  auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(c.post_json(webhook, flow_report("hang-" + std::to_string(i))).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 1s);  // well within one attempt's bound
  EXPECT_EQ(c.get(calls + "hang-7").status, 200);
  EXPECT_TRUE(eventually([&] {
    return metric(c, R"(vapi_deliveries_total{target="kestra",outcome="retried"})") >= 50;
  }, 10s));  // each attempt timed out (no answer) and waits for its retry
  EXPECT_EQ(metric(c, R"(vapi_deliveries_pending{target="kestra"})"), 50);
  EXPECT_EQ(svc.stop(SIGTERM), 0);
  ::close(silent);
}

}  // namespace
