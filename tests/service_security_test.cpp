// Tests the real binary's defences: webhook authentication (shared secret, HMAC), the API token
// on reads, call id checks, and hostile input. Each test starts its own process.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/service_api.hpp"
#include "tests/support/service_process.hpp"

namespace {

using nlohmann::json;
using test_support::http_client;
using test_support::http_response;
using test_support::service_process;
using namespace test_support;  // paths and requests from service_api.hpp

http_response post(http_client& c, const std::string& body,
                   std::map<std::string, std::string> headers = {}) {
  headers["Content-Type"] = "application/json";
  return c.request("POST", webhook, body, headers);
}

int64_t now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// The signature a VAPI HMAC credential sends, computed here with OpenSSL directly.
std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

void expect_unauthorized(const http_response& rsp) {
  EXPECT_EQ(rsp.status, 401) << rsp.body;
  auto j = json::parse(rsp.body, nullptr, false);
  EXPECT_EQ(j["success"], false) << rsp.body;
  EXPECT_EQ(j["error"], "Unauthorized") << rsp.body;
  EXPECT_TRUE(j["message"].is_string()) << rsp.body;
}

TEST(Security, SharedSecretGuardsTheWebhookAndNeverReachesTheLog) {
  const std::string secret = "s3cret-VALUE-9f2";
  service_process svc({}, {{"WEBHOOK_SECRET", secret}});
  http_client c(svc.port());
  expect_unauthorized(post(c, report("no-header")));
  // VAPI sends an empty x-vapi-secret when no secret is set on its side: that is no secret.
  expect_unauthorized(post(c, report("empty"), {{"X-Vapi-Secret", ""}}));
  expect_unauthorized(post(c, report("wrong"), {{"X-Vapi-Secret", secret + "x"}}));
  expect_unauthorized(post(c, report("bearer-wrong"), {{"Authorization", "Bearer nope"}}));
  EXPECT_EQ(json::parse(c.get(stats).body)["stats"]["size"], 0);  // nothing was stored

  EXPECT_EQ(post(c, report("by-header"), {{"x-vapi-secret", secret}}).status, 200);
  EXPECT_EQ(post(c, report("by-bearer"), {{"X-Vapi-Secret", ""},
                                          {"Authorization", "Bearer " + secret}}).status,
            200);
  EXPECT_EQ(c.get(calls + "by-header").status, 200);
  EXPECT_EQ(c.get(calls + "by-bearer").status, 200);
  // Reads need no webhook secret: they have their own token (API_TOKEN, unset here).
  EXPECT_EQ(c.get(calls + "wrong").status, 404);

  svc.stop(SIGTERM);
  bool logged_refusal = false;
  for (const auto& line : svc.log_lines()) {
    EXPECT_EQ(line.find(secret), std::string::npos) << line;
    if (line.find("webhook_unauthorized") != std::string::npos) {
      logged_refusal = true;
      EXPECT_FALSE(json::parse(line)["reason"].get<std::string>().empty()) << line;
    }
  }
  EXPECT_TRUE(logged_refusal);
}

TEST(Security, CustomSecretHeaderAcceptsTheRawValue) {
  service_process svc({}, {{"WEBHOOK_SECRET", "tok"}, {"WEBHOOK_SECRET_HEADER", "X-Flow-Key"}});
  http_client c(svc.port());
  EXPECT_EQ(post(c, report("raw"), {{"x-flow-key", "tok"}}).status, 200);
  EXPECT_EQ(post(c, report("prefixed"), {{"X-Flow-Key", "Bearer tok"}}).status, 200);
  expect_unauthorized(post(c, report("wrong"), {{"X-Flow-Key", "tok2"}}));
}

TEST(Security, HmacSignatureOverTimestampAndBodyWithReplayWindow) {
  const std::string key = "hmac-key-71c";
  service_process svc({}, {{"WEBHOOK_HMAC_SECRET", key}});
  http_client c(svc.port());
  auto signed_post = [&](const std::string& body, int64_t ts, const std::string& signed_body) {
    auto stamp = std::to_string(ts);
    return post(c, body, {{"x-timestamp", stamp},
                          {"x-signature", hmac_sha256_hex(key, stamp + "." + signed_body)}});
  };
  auto body = report("signed");
  EXPECT_EQ(signed_post(body, now_seconds(), body).status, 200);
  EXPECT_EQ(c.get(calls + "signed").status, 200);

  expect_unauthorized(post(c, report("unsigned")));
  expect_unauthorized(signed_post(report("tampered"), now_seconds(), report("original")));
  expect_unauthorized(signed_post(report("replayed"), now_seconds() - 301, report("replayed")));
  expect_unauthorized(signed_post(report("future"), now_seconds() + 301, report("future")));
  for (const char* id : {"unsigned", "tampered", "original", "replayed", "future"})
    EXPECT_EQ(c.get(calls + id).status, 404) << id;
  EXPECT_EQ(c.get(calls + "signed").status, 200);  // refusals never touch stored results
}

TEST(Security, ApiTokenGuardsReadsDeletesAndStats) {
  service_process svc({}, {{"API_TOKEN", "read-token-5"}});
  http_client c(svc.port());
  ASSERT_EQ(post(c, report("guarded")).status, 200);  // the webhook does not take the token
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
         {"GET", calls + "guarded"}, {"DELETE", calls + "guarded"}, {"GET", stats}}) {
    auto none = c.request(method, path);
    expect_unauthorized(none);
    EXPECT_EQ(none.header("www-authenticate"), "Bearer");
    expect_unauthorized(c.request(method, path, "", {{"Authorization", "Bearer wrong"}}));
    expect_unauthorized(c.request(method, path, "", {{"Authorization", "read-token-5"}}));
  }
  auto auth = std::map<std::string, std::string>{{"Authorization", "bearer read-token-5"}};
  EXPECT_EQ(c.request("GET", calls + "guarded", "", auth).status, 200);
  EXPECT_EQ(c.request("GET", stats, "", auth).status, 200);
  EXPECT_EQ(c.request("DELETE", calls + "guarded", "", auth).status, 200);
  EXPECT_EQ(c.request("GET", calls + "guarded", "", auth).status, 404);
}

TEST(Security, StartUpWarnsWhenReadsAreOpenBeyondLoopback) {
  {
    service_process svc({"--host", "0.0.0.0"});
    svc.stop(SIGTERM);
    EXPECT_NE(svc.log_text().find("api_token_unset"), std::string::npos);
    EXPECT_NE(svc.log_text().find("webhook_auth_unset"), std::string::npos);
  }
  {
    service_process svc({"--host", "0.0.0.0"}, {{"API_TOKEN", "t"}, {"WEBHOOK_SECRET", "s"}});
    svc.stop(SIGTERM);
    EXPECT_EQ(svc.log_text().find("api_token_unset"), std::string::npos);
    EXPECT_EQ(svc.log_text().find("webhook_auth_unset"), std::string::npos);
    EXPECT_EQ(svc.log_text().find("\"t\""), std::string::npos);  // the token is not logged
  }
  service_process loopback;  // 127.0.0.1: nobody else can reach it
  loopback.stop(SIGTERM);
  EXPECT_EQ(loopback.log_text().find("api_token_unset"), std::string::npos);
}

TEST(Security, CallIdsAreCheckedAndPercentDecodedOnce) {
  service_process svc;
  http_client c(svc.port());
  ASSERT_EQ(post(c, report("abc-def:1.2_3")).status, 200);
  EXPECT_EQ(c.get(calls + "abc-def:1.2_3").status, 200);
  EXPECT_EQ(c.get(calls + "abc%2Ddef%3A1.2_3").status, 200);  // decoded: the same id
  for (const std::string& bad : std::vector<std::string>{"a%20b", "a%2Fb", "%252D", "bad%", "a%G0", "%00",
                                std::string(129, 'x'), "caf%C3%A9"}) {
    auto rsp = c.get(calls + bad);
    EXPECT_EQ(rsp.status, 400) << bad;
    EXPECT_EQ(json::parse(rsp.body)["success"], false) << bad;
    EXPECT_EQ(c.request("DELETE", calls + bad).status, 400) << bad;
  }
  EXPECT_EQ(c.get(calls + std::string(128, 'x')).status, 404);  // valid, just unknown

  auto refused = post(c, report("has space"));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body)["details"][0]["path"], "message.call.id");
  EXPECT_EQ(json::parse(c.get(stats).body)["stats"]["size"], 1);
}

// A connected socket that sends a request one piece at a time, or never finishes it.
int open_socket(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(Security, HostileBodiesGetClearErrorsAndLoseNothing) {
  service_process svc;
  http_client c(svc.port());
  ASSERT_EQ(post(c, report("precious")).status, 200);

  auto deep = std::string(100000, '[') + std::string(100000, ']');
  auto started = std::chrono::steady_clock::now();
  auto rsp = post(c, R"({"message":)" + deep + "}");
  EXPECT_EQ(rsp.status, 400);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_NE(json::parse(rsp.body)["details"][0]["message"].get<std::string>().find("nested"),
            std::string::npos);

  EXPECT_EQ(post(c, "{\"message\":{\"type\":\"end-of-call-report\",\"call\":{\"id\":\"u\","
                    "\"transcript\":\"\xC3\x28\"}}}").status,
            400);  // invalid UTF-8
  EXPECT_EQ(post(c, R"({"message":{"type":"end-of-call-report","call":{"id":"n","cost":1e999}}})")
              .status,
            400);  // a number no double holds

  // A megabyte of escaped NULs is valid JSON: stored and returned as sent.
  std::string nuls;
  for (int i = 0; i < 1000000 / 6; ++i)
    nuls += "\\u0000";
  auto big = R"({"message":{"type":"end-of-call-report","call":{"id":"nul","transcript":")" +
             nuls + R"("}}})";
  EXPECT_EQ(post(c, big).status, 200);
  auto got = c.get(calls + "nul");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json::parse(got.body)["data"]["transcript"].get<std::string>(),
            std::string(nuls.size() / 6, '\0'));

  // Duplicate keys: the last one wins, as in JavaScript's JSON.parse.
  EXPECT_EQ(post(c, R"({"message":{"type":"end-of-call-report","call":{"id":"first","id":"dup"}}})")
              .status,
            200);
  EXPECT_EQ(c.get(calls + "dup").status, 200);

  EXPECT_EQ(c.get(calls + "precious").status, 200);
}

TEST(Security, LyingContentLengthNeverHurtsOtherClients) {
  service_process svc;
  http_client c(svc.port());
  ASSERT_EQ(post(c, report("precious")).status, 200);
  {
    // Says 1,000 bytes, sends 10, then leaves: the half request is dropped with the connection.
    http_client liar(svc.port());
    liar.send_raw("POST " + webhook +
                  " HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                  "{\"message\"");
  }
  {
    // Says 2 bytes and sends a whole report: the rest is read as the next request, a bad one.
    http_client liar(svc.port());
    liar.send_raw("POST " + webhook +
                  " HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n" +
                  report("smuggled") + "\r\n\r\n");
    auto first = liar.read_response();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, 400);  // "{\"" is not JSON
    auto second = liar.read_response();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 400);  // the rest is not HTTP
  }
  EXPECT_EQ(c.get(calls + "smuggled").status, 404);
  EXPECT_EQ(c.get(calls + "precious").status, 200);
}

TEST(Security, HundredsOfSlowClientsDoNotStopOthers) {
  service_process svc;
  std::vector<int> slow;
  for (int i = 0; i < 300; ++i) {
    int fd = open_socket(svc.port());
    ASSERT_GE(fd, 0);
    slow.push_back(fd);
  }
  // Each trickles a header, a byte at a time, and never finishes.
  const std::string start = "POST " + webhook + " HTTP/1.1\r\nContent-Le";
  for (size_t i = 0; i < start.size(); ++i) {
    for (int fd : slow)
      ASSERT_EQ(::send(fd, &start[i], 1, MSG_NOSIGNAL), 1);
    if (i % 8 == 0) {
      http_client c(svc.port());  // meanwhile, a normal client is served at once
      auto started = std::chrono::steady_clock::now();
      EXPECT_EQ(post(c, report("fast-" + std::to_string(i))).status, 200);
      EXPECT_EQ(c.get(calls + "fast-" + std::to_string(i)).status, 200);
      EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
    }
  }
  for (int fd : slow)
    ::close(fd);
  http_client c(svc.port());
  EXPECT_EQ(json::parse(c.get(stats).body)["stats"]["size"].get<int>(),
            static_cast<int>((start.size() + 7) / 8));
}

}  // namespace
